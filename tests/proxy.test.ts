import { after, test } from "node:test";
import assert from "node:assert/strict";
import {
  BasicAuth,
  ClientConnectorError,
  ClientHttpProxyError,
  ClientProxyConnectionError,
  ClientResponseError,
  ClientSession,
  ServerDisconnectedError,
  TCPConnector,
  UnixConnector,
} from "../mod.ts";
import { failure } from "./expect.ts";
import { certs } from "./server/certs.ts";
import { closedPort, type Echo, startServer } from "./server/mod.ts";
import { PROXY_BASIC, PROXY_PASSWORD, PROXY_USER, startProxy, withCredentials } from "./server/proxy.ts";
import { startTlsServer } from "./server/tls.ts";

const plain = await startServer();
const https = await startTlsServer("https");
const open = await startProxy("open");
const auth = await startProxy("auth");
const drop = await startProxy("drop");
const forbid = await startProxy("forbid");
after(async () => {
  await Promise.all([plain.close(), https.close(), open.close(), auth.close(), drop.close(), forbid.close()]);
});

/** A proxy's settings with no credentials, and with some: on Deno an https target goes through its own client, or npm undici. */
const bareAndCredentialed = [{}, { proxyAuth: new BasicAuth(PROXY_USER, "not the password") }];

/** A session whose connector trusts the test CA, for the https origin. */
const trusting = () => new ClientSession({ connector: new TCPConnector({ ssl: { ca: certs.ca } }) });


test("through a proxy: an http target is forwarded in absolute form, an https one tunnelled with CONNECT", async () => {
  await using session = trusting();
  const seen = open.log.length;
  const http = await session.get(`${plain.url}/get?x=1`, { proxy: open.url });
  assert.deepEqual((await http.json() as Echo).args, { x: "1" });
  const tls = await session.post(`${https.url}/post`, { proxy: open.url, json: { through: "tunnel" } });
  assert.deepEqual((await tls.json() as Echo).json, { through: "tunnel" });
  assert.deepEqual(open.log.slice(seen).map(({ type, target }) => [type, target]), [
    ["forward", `${plain.url}/get?x=1`],
    ["connect", `127.0.0.1:${https.port}`],
  ]);
});

test("a body of megabytes, forwarded and through a tunnel, read as a stream, arrives whole", async () => {
  await using session = trusting();
  const seen = open.log.length;
  for (const url of [`${plain.url}/stream/20000`, `${https.url}/stream/20000`]) {
    const response = await session.get(url, { proxy: open.url });
    let lines = 0;
    let last = "";
    for await (const line of response.content.iterLines()) {
      lines++;
      last = new TextDecoder().decode(line);
    }
    assert.equal(lines, 20000, url);
    assert.equal(JSON.parse(last).id, 19999);
  }
  assert.deepEqual(open.log.slice(seen).map(({ type }) => type), ["forward", "connect"]);
});

test("proxy credentials, from proxyAuth or percent-decoded from the URL, reach the proxy and never the origin", async () => {
  const ways = [{ proxy: withCredentials(auth) }, { proxy: auth.url, proxyAuth: new BasicAuth(PROXY_USER, PROXY_PASSWORD) }];
  for (const way of ways) {
    // A session each: the same credentials share a transport, whose tunnel would be reused.
    await using session = trusting();
    const seen = auth.log.length;
    for (const origin of [plain.url, https.url]) {
      const resp = await session.get(`${origin}/headers`, way);
      assert.equal(resp.status, 200);
      assert.equal((await resp.json() as Echo).headers["proxy-authorization"], undefined, `the origin ${origin} got no Proxy-Authorization`);
    }
    assert.deepEqual(auth.log.slice(seen).map((entry) => [entry.type, entry.proxyAuthorization]), [["forward", PROXY_BASIC], ["connect", PROXY_BASIC]]);
  }
});

test("a proxy that wants credentials: ClientHttpProxyError 407, for an https and an http target alike", async () => {
  await using session = trusting();
  for (const way of bareAndCredentialed) {
    for (const origin of [https.url, plain.url]) {
      const url = `${origin}/get`;
      const err = await failure(session.get(url, { proxy: auth.url, ...way }), ClientHttpProxyError);
      assert.ok(err instanceof ClientResponseError);
      assert.equal(err.status, 407);
      assert.equal(err.message, `GET ${url}: 407, message="Proxy Authentication Required"`);
      assert.equal(err.requestInfo.url.href, url);
    }
  }
});

test("a proxy that refuses a tunnel: ClientHttpProxyError with its status and reason", async () => {
  await using session = trusting();
  for (const way of bareAndCredentialed) {
    const url = `${https.url}/get`;
    const err = await failure(session.get(url, { proxy: forbid.url, ...way }), ClientHttpProxyError);
    assert.equal(err.status, 403);
    assert.equal(err.message, `GET ${url}: 403, message="Forbidden"`);
  }
  assert.ok(forbid.log.every(({ type, target }) => type === "connect" && target === `127.0.0.1:${https.port}`));
});

test("a proxy at an IPv6 address that refuses a tunnel: ClientHttpProxyError with its status", async () => {
  const { createServer } = await import("node:net");
  const refusing = createServer((socket) => socket.once("data", () => socket.end("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")));
  await new Promise<void>((resolve) => refusing.listen(0, "::1", resolve));
  try {
    await using session = trusting();
    const { port } = refusing.address() as { port: number };
    const err = await failure(session.get(`${https.url}/get`, { proxy: `http://[::1]:${port}` }), ClientHttpProxyError);
    assert.equal(err.status, 403);
  } finally {
    await new Promise((resolve) => refusing.close(resolve));
  }
});

test("a proxy that closes the CONNECT unanswered: ServerDisconnectedError after one attempt, not a reconnect loop", async () => {
  for (const way of bareAndCredentialed) {
    await using session = trusting();
    const seen = drop.log.length;
    const err = await failure(session.get(`${https.url}/get`, { proxy: drop.url, timeout: { total: 10_000 }, ...way }), ServerDisconnectedError);
    assert.match(err.message, /\(ECONNRESET\)/);
    assert.deepEqual(drop.log.slice(seen).map(({ type }) => type), ["connect"]);
  }
});

test("a proxy that cannot be reached: ClientProxyConnectionError naming the proxy, never its credentials", async () => {
  await using session = trusting();
  const port = await closedPort();
  for (const [origin, proxy] of [https.url, plain.url].flatMap((origin) => [[origin, `http://user:s3cret@127.0.0.1:${port}`], [origin, `http://127.0.0.1:${port}`]])) {
    const url = `${origin}/get`;
    const err = await failure(session.get(url, { proxy }), ClientProxyConnectionError);
    assert.ok(err instanceof ClientConnectorError);
    assert.equal(err.host, "127.0.0.1");
    assert.equal(err.port, port);
    assert.equal(err.code, "ECONNREFUSED");
    assert.ok(err.message.startsWith(`GET ${url}: cannot connect to the proxy 127.0.0.1:${port} (ECONNREFUSED): `), err.message);
    assert.ok(!/s3cret|user:/.test(err.message), err.message);
  }
});

test("the session's proxy serves every request; a request's own proxy replaces it, with its own credentials only", async () => {
  await using session = new ClientSession({ proxy: auth.url, proxyAuth: new BasicAuth(PROXY_USER, PROXY_PASSWORD), proxyHeaders: { "X-Via": "session" } });
  const seen = { auth: auth.log.length, open: open.log.length };
  assert.equal((await session.get(`${plain.url}/get`)).status, 200);
  assert.equal((await session.get(`${plain.url}/get`, { proxyHeaders: { "X-Via": "request" } })).status, 200);
  assert.equal((await session.get(`${plain.url}/get`, { proxy: open.url })).status, 200);
  assert.deepEqual(auth.log.slice(seen.auth).map((entry) => [entry.proxyAuthorization, entry.headers["x-via"]]), [[PROXY_BASIC, "session"], [PROXY_BASIC, "request"]]);
  assert.deepEqual(open.log.slice(seen.open).map((entry) => [entry.proxyAuthorization, entry.headers["x-via"]]), [[undefined, undefined]]);
});

test("proxy settings are checked when given: a TypeError names the call, never the credentials", async () => {
  assert.throws(() => new ClientSession({ proxy: "https://user:s3cret@proxy.test:3128" }), (err: unknown) => {
    return err instanceof TypeError && err.message === "new ClientSession(): proxy must be an http: URL, got https: (https://***@proxy.test:3128/)";
  });
  assert.throws(() => new ClientSession({ proxy: withCredentials(auth), proxyAuth: new BasicAuth("a", "b") }), /the proxy URL has credentials, and proxyAuth gives others/);
  assert.throws(() => new ClientSession({ proxyAuth: new BasicAuth("a", "b") }), /proxyAuth and proxyHeaders need a proxy/);
  await using session = new ClientSession();
  await assert.rejects(session.get(`${plain.url}/get`, { proxy: "not a url" }), (err: unknown) => err instanceof TypeError && err.message.startsWith(`GET ${plain.url}/get: proxy is not a URL`));
  await using unix = new ClientSession({ connector: new UnixConnector({ path: "/nonexistent.sock" }) });
  await assert.rejects(unix.get("http://localhost/", { proxy: open.url }), /a proxy is not an option of a UnixConnector's requests/);
  await using own = new ClientSession({ fetch: globalThis.fetch });
  await assert.rejects(own.get(`${plain.url}/get`, { proxy: open.url }), /a proxy cannot be given to a request whose connector sends with a fetch of its own/);
});
