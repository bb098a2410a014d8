/**
 * trustEnv, in a child process each, with the proxy variables set for it
 * alone: Deno and Bun read them for the whole process.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { bypassed, noProxyEntries } from "../src/connector/env_proxy.ts";
import { runChild } from "./child.ts";
import { certs } from "./server/certs.ts";
import { closedPort, startServer } from "./server/mod.ts";
import { logFrom, PROXY_BASIC, startProxy, withCredentials } from "./server/proxy.ts";
import { startTlsServer } from "./server/tls.ts";

const plain = await startServer();
const https = await startTlsServer("https");
const open = await startProxy("open");
const auth = await startProxy("auth");
after(async () => {
  await Promise.all([plain.close(), https.close(), open.close(), auth.close()]);
});

const isDeno = "Deno" in globalThis;

/** Runs `requests` (statements awaiting `get(url)`) in a child with `env`, and returns what it printed, line by line. */
async function inChild(sessionOptions: string, requests: string, env: Record<string, string>): Promise<string[]> {
  const result = await runChild(`
    import { ClientSession, TCPConnector } from MOD;
    const session = new ClientSession({ connector: new TCPConnector({ ssl: { ca: ${JSON.stringify(certs.ca)} } }), ${sessionOptions} });
    const get = async (url, options) => {
      try {
        const resp = await session.get(url, options);
        await resp.release();
        console.log(resp.status);
      } catch (err) {
        console.log(err.name);
      }
    };
    ${requests}
    await session.close();
  `, 30_000, env);
  assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}`);
  return result.stdout.trim().split("\n");
}


test("trustEnv: http_proxy for http URLs, https_proxy for https ones, credentials from the URL, and no_proxy's hosts go straight", async () => {
  const seen = auth.log.length;
  const proxy = withCredentials(auth);
  const printed = await inChild("trustEnv: true", `
    await get("${plain.url}/get");
    await get("${https.url}/get");
    await get("${plain.localUrl}/get");
  `, { HTTP_PROXY: proxy, HTTPS_PROXY: proxy, NO_PROXY: "example.test, .localhost" });
  assert.deepEqual(printed, ["200", "200", "200"]);
  assert.deepEqual(logFrom(auth, seen), [["forward", `${plain.url}/get`, PROXY_BASIC], ["connect", `127.0.0.1:${https.port}`, PROXY_BASIC]]);
});

test("trustEnv: the lower-case variable wins, all_proxy stands in for a scheme without one, and a session's proxy wins over them", async () => {
  const refused = `http://127.0.0.1:${await closedPort()}`;
  const seen = open.log.length;
  const printed = await inChild("trustEnv: true", `
    await get("${plain.url}/get");
    await get("${https.url}/get");
  `, { http_proxy: open.url, HTTP_PROXY: refused, ALL_PROXY: open.url });
  assert.deepEqual(printed, ["200", "200"]);
  assert.deepEqual(logFrom(open, seen), [["forward", `${plain.url}/get`, undefined], ["connect", `127.0.0.1:${https.port}`, undefined]]);

  const explicit = await inChild(`trustEnv: true, proxy: ${JSON.stringify(open.url)}`, `await get("${plain.url}/get");`, { HTTP_PROXY: refused });
  assert.deepEqual(explicit, ["200"]);
});

test("a proxy of the session's or the request's serves every host, whatever no_proxy lists, with trustEnv or without", async () => {
  const seen = open.log.length;
  const env = { NO_PROXY: "127.0.0.1", no_proxy: "127.0.0.1" };
  const bySession = await inChild(`proxy: ${JSON.stringify(open.url)}`, `
    await get("${plain.url}/get");
    await get("${https.url}/get");
  `, env);
  const byRequest = await inChild("trustEnv: true", `await get("${plain.url}/get", { proxy: ${JSON.stringify(open.url)} });`, env);
  assert.deepEqual([...bySession, ...byRequest], ["200", "200", "200"]);
  assert.deepEqual(logFrom(open, seen), [
    ["forward", `${plain.url}/get`, undefined],
    ["connect", `127.0.0.1:${https.port}`, undefined],
    ["forward", `${plain.url}/get`, undefined],
  ]);
});

test("on Deno, a proxy without leave to read no_proxy fails naming --allow-env rather than risk going around the proxy", async () => {
  const child = (permissions: string[], options: string) => runChild(`
    import { ClientSession } from MOD;
    const session = new ClientSession(${options});
    try {
      console.log((await session.get("${plain.url}/get")).status);
    } catch (err) {
      console.log(err.name, err.flag, err.message.startsWith("GET ${plain.url}/get: "));
    }
    await session.close();
  `, 30_000, { NO_PROXY: "127.0.0.1" }, permissions);
  const proxied = await child(["--allow-net"], `{ proxy: ${JSON.stringify(open.url)} }`);
  assert.equal(proxied.stdout.trim(), isDeno ? "RuntimePermissionError --allow-env true" : "200", proxied.stderr);
  // The same error for a request Deno does not let out at all.
  const unallowed = await child(["--allow-env"], "{}");
  assert.equal(unallowed.stdout.trim(), isDeno ? "RuntimePermissionError --allow-net true" : "200", unallowed.stderr);
});

test("trustEnv: a proxy variable that is not an http URL is a TypeError naming it", async () => {
  const printed = await inChild("trustEnv: true", "", { HTTPS_PROXY: "https://proxy.test:3128" }).catch((err: unknown) => [String(err)]);
  assert.match(printed.join("\n"), /new ClientSession\(\): HTTPS_PROXY: proxy must be an http: URL, got https:/);
});

test("without trustEnv aiofetch reads no variable; Deno's fetch still follows them where it sends a request with no connection option", async () => {
  const seen = open.log.length;
  const printed = await inChild("", `
    await get("${plain.url}/get");
    await get("${https.url}/get");
    await get("${plain.url}/get", { ssl: false });
    // No connection option at all: the global fetch.
    const bare = await new ClientSession().get("${plain.url}/anything/bare");
    console.log(bare.status);
  `, { HTTP_PROXY: open.url, HTTPS_PROXY: open.url });
  assert.deepEqual(printed, ["200", "200", "200", "200"]);
  // Deno's fetch reads them, with no way to tell it not to; aiofetch's own client (a CA) and npm undici (ssl: false) do not.
  const byDeno = [["forward", `${plain.url}/anything/bare`, undefined]];
  assert.deepEqual(logFrom(open, seen), isDeno ? byDeno : []);
});

test("trustEnv leaves a UnixConnector's requests to its socket", async () => {
  const { startUnixServer } = await import("./server/unix.ts");
  const socket = await startUnixServer();
  try {
    const result = await runChild(`
      import { ClientSession, UnixConnector } from MOD;
      const session = new ClientSession({ connector: new UnixConnector({ path: ${JSON.stringify(socket.path)} }), trustEnv: true });
      console.log((await session.get("http://localhost/get")).status);
      await session.close();
    `, 30_000, { HTTP_PROXY: `http://127.0.0.1:${await closedPort()}` });
    assert.equal(result.stdout.trim(), "200", `exit ${result.code}: ${result.stderr}`);
  } finally {
    await socket.close();
  }
});

test("no_proxy: * for all, a name for itself and the names under it, a leading dot ignored, host:port for one port", () => {
  const cases: Array<[string, string, boolean]> = [
    ["*", "http://anything.test/", true],
    ["example.com", "http://example.com/", true],
    ["example.com", "https://api.Example.COM/", true],
    ["example.com", "http://badexample.com/", false],
    [".example.com", "http://example.com/", true],
    [".example.com", "http://a.b.example.com/", true],
    ["other.test, example.com", "http://x.example.com/", true],
    ["example.com:8080", "http://example.com:8080/", true],
    ["example.com:8080", "http://example.com/", false],
    ["example.com:443", "https://example.com/", true],
    ["[::1]", "http://[::1]:3000/", true],
    ["127.0.0.1", "http://127.0.0.1:3000/", true],
    ["127.0.0.1", "http://127.0.0.2/", false],
    ["", "http://example.com/", false],
  ];
  for (const [noProxy, url, expected] of cases) {
    assert.equal(bypassed(new URL(url), noProxyEntries(noProxy)), expected, `no_proxy=${JSON.stringify(noProxy)}, ${url}`);
  }
});
