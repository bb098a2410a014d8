/**
 * WebSockets through an HTTP proxy: ws: and wss: through a CONNECT tunnel,
 * the proxy's credentials (from proxyAuth or the URL) and headers sent to
 * it alone, its refusals and its absence as typed errors, a redirect kept
 * on the same route, the socket's life through the tunnel, and trustEnv.
 * Both ends are checked: the recording proxy's log and the WebSocket
 * server's.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import {
  BasicAuth,
  ClientConnectorError,
  ClientHttpProxyError,
  ClientProxyConnectionError,
  ClientResponseError,
  ClientSession,
  ConnectionTimeoutError,
  ServerDisconnectedError,
  TCPConnector,
  WSMsgType,
} from "../mod.ts";
import { runChild } from "./child.ts";
import { echoOnce, failure } from "./expect.ts";
import { certs } from "./server/certs.ts";
import { closedPort } from "./server/mod.ts";
import { logFrom, PROXY_BASIC, PROXY_PASSWORD, PROXY_USER, startProxy, withCredentials } from "./server/proxy.ts";
import { startWsServer, wsId } from "./server/ws.ts";

const server = await startWsServer();
const open = await startProxy("open");
const auth = await startProxy("auth");
const drop = await startProxy("drop");
after(async () => {
  await Promise.all([server.close(), open.close(), auth.close(), drop.close()]);
});

const trusting = (options: ConstructorParameters<typeof ClientSession>[0] = {}) =>
  new ClientSession({ connector: new TCPConnector({ ssl: { ca: certs.ca } }), ...options });


test("through a proxy, ws: and wss: alike go through a CONNECT tunnel; wss: with the connector's TLS settings", async () => {
  await using session = trusting();
  const seen = open.log.length;
  for (const url of [server.url, server.tlsUrl]) {
    const id = wsId("proxied");
    assert.equal(await echoOnce(session, `${url}/echo`, { params: { id }, proxy: open.url }), "hello");
    assert.equal((await server.log(id))[0]!.path, "/echo");
  }
  assert.deepEqual(logFrom(open, seen), [["connect", `127.0.0.1:${server.port}`, undefined], ["connect", `127.0.0.1:${server.tlsPort}`, undefined]]);
});

test("proxy credentials, from proxyAuth or percent-decoded from the URL, reach the proxy and never the WebSocket server", async () => {
  const ways = [{ proxy: withCredentials(auth) }, { proxy: auth.url, proxyAuth: new BasicAuth(PROXY_USER, PROXY_PASSWORD) }];
  await using session = trusting();
  for (const way of ways) {
    const seen = auth.log.length;
    for (const url of [server.url, server.tlsUrl]) {
      const id = wsId("proxy-auth");
      assert.equal(await echoOnce(session, `${url}/echo`, { params: { id }, ...way }), "hello");
      const [entry] = await server.log(id);
      assert.equal(entry!.headers["proxy-authorization"], undefined, `${url} got no Proxy-Authorization`);
    }
    assert.deepEqual(logFrom(auth, seen), [["connect", `127.0.0.1:${server.port}`, PROXY_BASIC], ["connect", `127.0.0.1:${server.tlsPort}`, PROXY_BASIC]]);
  }
});

test("the session's proxy, credentials and headers serve its sockets; the call's own proxy replaces them, with its own only", async () => {
  await using session = trusting({ proxy: auth.url, proxyAuth: new BasicAuth(PROXY_USER, PROXY_PASSWORD), proxyHeaders: { "X-Via": "session" } });
  const seen = { auth: auth.log.length, open: open.log.length };
  assert.equal(await echoOnce(session, `${server.tlsUrl}/echo`), "hello");
  assert.equal(await echoOnce(session, `${server.url}/echo`, { proxyHeaders: { "X-Via": "call" } }), "hello");
  assert.equal(await echoOnce(session, `${server.url}/echo`, { proxy: open.url }), "hello");
  assert.deepEqual(auth.log.slice(seen.auth).map((entry) => [entry.proxyAuthorization, entry.headers["x-via"]]), [[PROXY_BASIC, "session"], [PROXY_BASIC, "call"]]);
  assert.deepEqual(open.log.slice(seen.open).map((entry) => [entry.proxyAuthorization, entry.headers["x-via"]]), [[undefined, undefined]]);
});

test("a proxy that wants credentials: ClientHttpProxyError 407 naming the call, for ws: and wss:", async () => {
  await using session = trusting();
  for (const url of [`${server.url}/echo`, `${server.tlsUrl}/echo`]) {
    const err = await failure(session.wsConnect(url, { proxy: auth.url }), ClientHttpProxyError);
    assert.ok(err instanceof ClientResponseError);
    assert.equal(err.status, 407);
    assert.equal(err.message, `GET ${url}: 407, message="Proxy Authentication Required"`);
    assert.equal(err.requestInfo.url.href, url);
  }
  const wrong = await failure(session.wsConnect(`${server.url}/echo`, { proxy: auth.url, proxyAuth: new BasicAuth(PROXY_USER, "n0pe") }), ClientHttpProxyError);
  assert.ok(!wrong.message.includes("n0pe"), wrong.message);
});

test("a proxy that cannot be reached: ClientProxyConnectionError naming the proxy, never its credentials; one that drops the CONNECT: ServerDisconnectedError", async () => {
  await using session = trusting();
  const port = await closedPort();
  for (const url of [`${server.url}/echo`, `${server.tlsUrl}/echo`]) {
    const err = await failure(session.wsConnect(url, { proxy: `http://user:s3cret@127.0.0.1:${port}` }), ClientProxyConnectionError);
    assert.ok(err instanceof ClientConnectorError);
    assert.equal(err.port, port);
    assert.equal(err.code, "ECONNREFUSED");
    assert.ok(err.message.startsWith(`GET ${url}: cannot connect to the proxy 127.0.0.1:${port} (ECONNREFUSED): `), err.message);
    assert.ok(!/s3cret|user:/.test(err.message), err.message);
  }
  const seen = drop.log.length;
  await failure(session.wsConnect(`${server.url}/echo`, { proxy: drop.url }), ServerDisconnectedError);
  assert.deepEqual(drop.log.slice(seen).map(({ type }) => type), ["connect"]);
});

test("a proxy that never answers the CONNECT: the session's connect timeout and the call's signal end the wait", async (t) => {
  // Accepts connections and says nothing.
  const held: Socket[] = [];
  const silent = createServer((socket) => void held.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    held.forEach((socket) => socket.destroy());
    silent.close();
  });
  const proxy = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  await using session = trusting({ proxy, timeout: { connect: 200 } });
  await failure(session.wsConnect(`${server.tlsUrl}/echo`), ConnectionTimeoutError);
  const controller = new AbortController();
  const pending = session.wsConnect(`${server.url}/echo`, { signal: controller.signal });
  while (held.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
  controller.abort(new Error("changed my mind"));
  await assert.rejects(pending, /changed my mind/);
});

test("a redirect during the handshake goes through the same proxy, to wss: with the same TLS settings; cookies are kept", async () => {
  await using session = trusting({ proxy: withCredentials(auth) });
  const id = wsId("proxy-redirect");
  const target = `${server.tlsLocalUrl}/echo?id=${id}`;
  const seen = auth.log.length;
  assert.equal(await echoOnce(session, `${server.localUrl}/redirect?to=${encodeURIComponent(target)}&id=${id}`), "hello");
  assert.deepEqual(logFrom(auth, seen), [["connect", `localhost:${server.port}`, PROXY_BASIC], ["connect", `localhost:${server.tlsPort}`, PROXY_BASIC]]);
  const entries = await server.log(id);
  assert.deepEqual(entries.map((entry) => entry.path), ["/redirect", "/echo"]);
  assert.equal(entries[1]!.headers.cookie, "redirected=1", "the redirect's Set-Cookie went with the next handshake");
});

test("through the tunnel a socket pings, answers pings, keeps its heartbeat, closes with its code, and session.close() closes it with 1001", async () => {
  const session = trusting({ proxy: open.url });
  const id = wsId("proxy-life");
  const ws = await session.wsConnect(`${server.tlsUrl}/echo`, { params: { id }, autoping: false });
  await ws.sendStr("__ping");
  assert.equal((await ws.receive()).type, WSMsgType.PING);
  await ws.ping();
  await server.waitFor(id, ([entry]) => entry!.pings === 1);
  const beating = wsId("proxy-heartbeat");
  const heartbeat = await session.wsConnect(`${server.tlsUrl}/echo`, { params: { id: beating }, heartbeat: 150 });
  await server.waitFor(beating, ([entry]) => entry!.pings >= 2);
  assert.equal(heartbeat.closed, false);
  assert.equal(heartbeat.exception(), null);
  const other = await session.wsConnect(`${server.url}/echo`, { params: { id } });
  await other.close({ code: 4001, message: "done" });
  await session.close();
  assert.equal(ws.closeCode, 1001);
  const entries = await server.waitFor(id, (log) => log.every((entry) => entry.close !== null));
  assert.deepEqual(entries.map((entry) => entry.close), [{ code: 1001, reason: "" }, { code: 4001, reason: "done" }]);
  assert.equal(heartbeat.closeCode, 1001);
});

test("a socket through the tunnel keeps the process alive while a receive() waits, and lets it go then", async () => {
  const result = await runChild(`
    import { ClientSession, TCPConnector } from MOD;
    const session = new ClientSession({ connector: new TCPConnector({ ssl: { ca: ${JSON.stringify(certs.ca)} } }), proxy: "${open.url}" });
    const ws = await session.wsConnect("${server.tlsUrl}/echo");
    await ws.sendStr("__later:400:worth the wait");
    console.log(await ws.receiveStr());
  `, 30_000);
  assert.equal(result.stdout.trim(), "worth the wait", `exit ${result.code}, stderr: ${result.stderr}`);
  assert.equal(result.code, 0);
});

test("trustEnv: ws: takes http_proxy and wss: https_proxy, credentials from the URL; no_proxy's hosts go straight", async () => {
  const seen = auth.log.length;
  const proxy = withCredentials(auth);
  const result = await runChild(`
    import { ClientSession, TCPConnector } from MOD;
    const session = new ClientSession({ connector: new TCPConnector({ ssl: { ca: ${JSON.stringify(certs.ca)} } }), trustEnv: true });
    for (const url of ["${server.url}/echo", "${server.tlsUrl}/echo", "${server.localUrl}/echo"]) {
      const ws = await session.wsConnect(url);
      await ws.sendStr("env");
      console.log(await ws.receiveStr());
      await ws.close();
    }
  `, 30_000, { HTTP_PROXY: proxy, HTTPS_PROXY: proxy, NO_PROXY: "localhost" });
  assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}`);
  assert.deepEqual(result.stdout.trim().split("\n"), ["env", "env", "env"]);
  assert.deepEqual(logFrom(auth, seen), [["connect", `127.0.0.1:${server.port}`, PROXY_BASIC], ["connect", `127.0.0.1:${server.tlsPort}`, PROXY_BASIC]]);
});

test("without trustEnv a socket takes no proxy of the environment's; a proxy of aiofetch's serves every host, whatever no_proxy lists", async () => {
  const seen = open.log.length;
  const result = await runChild(`
    import { ClientSession, TCPConnector } from MOD;
    const session = new ClientSession({ connector: new TCPConnector({ ssl: { ca: ${JSON.stringify(certs.ca)} } }) });
    for (const [url, options] of [["${server.url}/echo", {}], ["${server.tlsUrl}/echo", {}], ["${server.url}/echo", { proxy: ${JSON.stringify(open.url)} }]]) {
      const ws = await session.wsConnect(url, options);
      await ws.sendStr("env");
      console.log(await ws.receiveStr());
      await ws.close();
    }
  `, 30_000, { HTTP_PROXY: open.url, HTTPS_PROXY: open.url, NO_PROXY: "127.0.0.1", no_proxy: "127.0.0.1" });
  assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}`);
  assert.deepEqual(result.stdout.trim().split("\n"), ["env", "env", "env"]);
  assert.deepEqual(logFrom(open, seen), [["connect", `127.0.0.1:${server.port}`, undefined]]);
});

test("proxy settings of wsConnect are checked before anything is sent", async () => {
  await using session = new ClientSession();
  const url = `${server.url}/echo`;
  await assert.rejects(session.wsConnect(url, { proxyAuth: new BasicAuth("a", "b") }), /GET ws:\/\/.*: proxyAuth and proxyHeaders need a proxy/);
  await assert.rejects(session.wsConnect(url, { proxy: "https://proxy.test:3128" }), /proxy must be an http: URL, got https:/);
  await assert.rejects(session.wsConnect(url, { proxy: withCredentials(auth), proxyAuth: new BasicAuth("a", "b") }), /the proxy URL has credentials, and proxyAuth gives others/);
  await using own = new ClientSession({ fetch: globalThis.fetch });
  await assert.rejects(own.wsConnect(url, { proxy: open.url }), /a proxy cannot be given to a request whose connector sends with a fetch of its own/);
});
