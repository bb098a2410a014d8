/**
 * The TCPConnector options that say how connections are made: `resolve`
 * (a host map and a resolver function), `family`, `localAddr`,
 * `keepaliveTimeout`, `forceClose`, and `limitPerHost` at the socket level.
 * What the server saw (connections, their remote address, the Host header)
 * is what the tests assert.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  ClientConnectorCertificateError,
  ClientConnectorDNSError,
  ClientConnectorError,
  ClientSession,
  type Resolver,
  TCPConnector,
  UnixConnector,
} from "../mod.ts";
import { echoOnce, failure } from "./expect.ts";
import { certs } from "./server/certs.ts";
import { listen, type Listening } from "./server/listen.ts";
import { startProxy } from "./server/proxy.ts";
import { startTlsServer } from "./server/tls.ts";
import { startWsServer, wsId } from "./server/ws.ts";

/** What the server tells about the request it got. */
interface Seen {
  host: string;
  remoteAddress: string;
  /** Tells the connections apart. */
  remotePort: number;
  connection: string | undefined;
}

/** An HTTP server that answers every request with what it saw of it; `/slow` after 100 ms. */
async function startSeeingServer(): Promise<Listening & { port: number }> {
  const server = http.createServer((req, res) => {
    const seen: Seen = { host: req.headers.host ?? "", remoteAddress: req.socket.remoteAddress ?? "", remotePort: req.socket.remotePort ?? 0, connection: req.headers.connection };
    const answer = () => res.setHeader("content-type", "application/json").end(JSON.stringify(seen));
    if (req.url === "/slow") setTimeout(answer, 100);
    else answer();
  });
  // Longer than any client's idle timeout here, so that the client is the side that closes.
  server.keepAliveTimeout = 30_000;
  const listening = await listen(server, { port: 0 });
  return { ...listening, port: (server.address() as AddressInfo).port };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const seeing = await startSeeingServer();
const https = await startTlsServer("https");
const wrongName = await startTlsServer("wrong-name");
const proxy = await startProxy("open");
const ws = await startWsServer();
after(async () => {
  await Promise.all([seeing.close(), https.close(), wrongName.close(), proxy.close(), ws.close()]);
});

/** `count` GETs one after another, a little apart (undici frees a connection only after the next tick). */
async function sequentialGets(session: ClientSession, url: string, count: number): Promise<Seen[]> {
  const seen: Seen[] = [];
  for (let i = 0; i < count; i++) {
    seen.push(await (await session.get(url)).json() as Seen);
    await sleep(20);
  }
  return seen;
}

test("resolve as a host map: the connection goes to the address, the request keeps the name", async () => {
  const connector = new TCPConnector({ resolve: { "API.Example.Test": "127.0.0.1" } });
  await using session = new ClientSession({ connector });
  const url = `http://api.example.test:${seeing.port}/x`;
  const resp = await session.get(url);
  const seen = await resp.json() as Seen;
  assert.equal(seen.host, `api.example.test:${seeing.port}`);
  assert.equal(resp.url.href, url);
});

test("resolve as a host map leaves the names it does not list to the system", async () => {
  await using session = new ClientSession({ connector: new TCPConnector({ resolve: { "other.test": "127.0.0.1" } }) });
  const seen = await (await session.get(`http://localhost:${seeing.port}/`)).json() as Seen;
  assert.equal(seen.host, `localhost:${seeing.port}`);
  const err = await failure(session.get("http://unlisted.invalid/"), ClientConnectorDNSError);
  assert.ok(err.message.startsWith("GET http://unlisted.invalid/: "), err.message);
});

test("resolve as a function is asked for each new connection, with the host and port", async () => {
  const asked: Array<[string, number, number]> = [];
  const resolver: Resolver = (host, { port, family }) => {
    asked.push([host, port, family]);
    return Promise.resolve(["127.0.0.1"]);
  };
  await using session = new ClientSession({ connector: new TCPConnector({ resolve: resolver }) });
  const seen = await (await session.get(`http://svc.internal:${seeing.port}/`)).json() as Seen;
  assert.equal(seen.host, `svc.internal:${seeing.port}`);
  assert.deepEqual(asked, [["svc.internal", seeing.port, 0]]);
});

test("resolve tries the addresses in order, and a resolver that fails is a ClientConnectorDNSError", async () => {
  // Nothing listens on 127.0.0.3 at this port: the second address answers.
  await using session = new ClientSession({ connector: new TCPConnector({ resolve: { "two.test": ["127.0.0.3", "127.0.0.1"] } }) });
  const seen = await (await session.get(`http://two.test:${seeing.port}/`)).json() as Seen;
  assert.equal(seen.host, `two.test:${seeing.port}`);

  const throwing = new TCPConnector({ resolve: () => Promise.reject(new Error("no such service")) });
  await using failing = new ClientSession({ connector: throwing });
  const err = await failure(failing.get(`http://svc.internal:${seeing.port}/`), ClientConnectorDNSError);
  assert.match(err.message, /^GET http:\/\/svc\.internal:\d+\/: .*no such service/);

  await using empty = new ClientSession({ connector: new TCPConnector({ resolve: () => [] }) });
  await failure(empty.get(`http://svc.internal:${seeing.port}/`), ClientConnectorDNSError);
});

test("resolve for https: SNI and the certificate check use the URL's name, not the address", async () => {
  // The wrong-name server's certificate is for wrong.test: reached under that name, it is verified.
  const ok = new TCPConnector({ resolve: { "wrong.test": "127.0.0.1" }, ssl: { ca: certs.ca } });
  await using session = new ClientSession({ connector: ok });
  const resp = await session.get(`https://wrong.test:${wrongName.port}/tls`);
  assert.equal(resp.status, 200);
  assert.equal(resp.url.hostname, "wrong.test");

  // The other server's certificate is for localhost and 127.0.0.1: under another name it is refused.
  const refused = new TCPConnector({ resolve: { "alias.test": "127.0.0.1" }, ssl: { ca: certs.ca } });
  await using other = new ClientSession({ connector: refused });
  const err = await failure(other.get(`https://alias.test:${https.port}/tls`), ClientConnectorCertificateError);
  assert.equal(err.code, "ERR_TLS_CERT_ALTNAME_INVALID");
});

test("resolve through a proxy resolves the proxy's name", async () => {
  const connector = new TCPConnector({ resolve: { "proxy.test": "127.0.0.1" } });
  await using session = new ClientSession({ connector, proxy: `http://proxy.test:${proxy.port}` });
  const before = proxy.log.length;
  const seen = await (await session.get(`http://127.0.0.1:${seeing.port}/via`)).json() as Seen;
  assert.equal(seen.host, `127.0.0.1:${seeing.port}`);
  assert.deepEqual(proxy.log.slice(before).map((entry) => entry.target), [`http://127.0.0.1:${seeing.port}/via`]);
});

test("family 4 connects over IPv4; family 6 to a server on IPv4 only fails", async () => {
  await using v4 = new ClientSession({ connector: new TCPConnector({ family: 4 }) });
  const seen = await (await v4.get(`http://localhost:${seeing.port}/`)).json() as Seen;
  assert.match(seen.remoteAddress, /^(::ffff:)?127\.0\.0\.1$/);
  // The resolver's answers are kept to the family too: the IPv6 one first, then none.
  await using v6 = new ClientSession({ connector: new TCPConnector({ family: 6, resolve: { "dual.test": ["::1", "127.0.0.1"] } }) });
  await failure(v6.get(`http://dual.test:${seeing.port}/`), ClientConnectorError);
  await using v4map = new ClientSession({ connector: new TCPConnector({ family: 4, resolve: { "dual.test": ["::1", "127.0.0.1"] } }) });
  assert.equal((await v4map.get(`http://dual.test:${seeing.port}/`)).status, 200);
});

test("localAddr: connections come from that address", async () => {
  // All of 127.0.0.0/8 is this machine's on Linux.
  await using session = new ClientSession({ connector: new TCPConnector({ localAddr: "127.0.0.2" }) });
  const seen = await (await session.get(`http://127.0.0.1:${seeing.port}/`)).json() as Seen;
  assert.match(seen.remoteAddress, /^(::ffff:)?127\.0\.0\.2$/);
});

test("forceClose: each request asks for Connection: close and comes on a new connection", async () => {
  await using session = new ClientSession({ connector: new TCPConnector({ forceClose: true }) });
  const before = seeing.connections();
  const seen = await sequentialGets(session, `http://127.0.0.1:${seeing.port}/`, 3);
  assert.deepEqual(seen.map((entry) => entry.connection), ["close", "close", "close"]);
  assert.equal(new Set(seen.map((entry) => entry.remotePort)).size, 3);
  assert.equal(seeing.connections() - before, 3);
});

test("without forceClose, sequential requests share one connection", async () => {
  await using session = new ClientSession();
  const seen = await sequentialGets(session, `http://127.0.0.1:${seeing.port}/`, 3);
  assert.ok(seen.every((entry) => entry.connection !== "close"));
  assert.equal(new Set(seen.map((entry) => entry.remotePort)).size, 1);
});

test("forceClose with a fetch of one's own still asks for Connection: close", async () => {
  const sent: string[] = [];
  const connector = new TCPConnector({
    forceClose: true,
    fetch: (url, init) => {
      sent.push(new Headers(init.headers).get("connection") ?? "");
      return fetch(url, init);
    },
  });
  await using session = new ClientSession({ connector });
  await (await session.get(`http://127.0.0.1:${seeing.port}/`)).read();
  assert.deepEqual(sent, ["close"]);
});

test("keepaliveTimeout: an idle connection is closed after it, and the next request opens a new one", async () => {
  await using session = new ClientSession({ connector: new TCPConnector({ keepaliveTimeout: 100 }) });
  const before = seeing.connections();
  await (await session.get(`http://127.0.0.1:${seeing.port}/`)).read();
  await sleep(20);
  await (await session.get(`http://127.0.0.1:${seeing.port}/`)).read();
  assert.equal(seeing.connections() - before, 1, "reused within the timeout");
  await sleep(1000);
  await (await session.get(`http://127.0.0.1:${seeing.port}/`)).read();
  assert.equal(seeing.connections() - before, 2, "a new connection after it");
});

test("limitPerHost caps the connections of a transport on Node (undici's Agent); hops in flight on every runtime", async () => {
  // keepaliveTimeout gives the connector a transport of its own.
  const connector = new TCPConnector({ limitPerHost: 1, keepaliveTimeout: 10_000 });
  await using session = new ClientSession({ connector });
  const before = seeing.connections();
  const all = await Promise.all(Array.from({ length: 4 }, () => session.get(`http://127.0.0.1:${seeing.port}/slow`).then((resp) => resp.json())));
  assert.equal(all.length, 4);
  const opened = seeing.connections() - before;
  const node = typeof (globalThis as { Deno?: unknown }).Deno === "undefined" && typeof (globalThis as { Bun?: unknown }).Bun === "undefined";
  if (node) assert.equal(opened, 1);
  else assert.ok(opened >= 1 && opened <= 4, `${opened} connections`);
});

test("WebSockets follow the connector's resolve and family: the name kept for Host and the certificate", async () => {
  const connector = new TCPConnector({ resolve: { "ws.test": "127.0.0.1", "alias.test": "127.0.0.1" }, ssl: { ca: certs.ca } });
  await using session = new ClientSession({ connector });
  const id = wsId("resolve");
  assert.equal(await echoOnce(session, `ws://ws.test:${ws.port}/echo`, { params: { id } }), "hello");
  assert.equal((await ws.log(id))[0]!.headers.host, `ws.test:${ws.port}`);
  // The server's certificate is for localhost and 127.0.0.1, not alias.test.
  const err = await failure(session.wsConnect(`wss://alias.test:${ws.tlsPort}/echo`), ClientConnectorCertificateError);
  assert.equal(err.code, "ERR_TLS_CERT_ALTNAME_INVALID");

  await using v6 = new ClientSession({ connector: new TCPConnector({ family: 6, resolve: { "dual.test": ["::1", "127.0.0.1"] } }) });
  await failure(v6.wsConnect(`ws://dual.test:${ws.port}/echo`), ClientConnectorError);
  await using failing = new ClientSession({ connector: new TCPConnector({ resolve: () => Promise.reject(new Error("no such service")) }) });
  const dns = await failure(failing.wsConnect(`ws://svc.internal:${ws.port}/echo`), ClientConnectorDNSError);
  assert.match(dns.message, /^GET ws:\/\/svc\.internal:\d+\/echo: .*no such service/);
});

test("the socket options are checked when the connector is made", () => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ family: 5 }, /family must be 0, 4 or 6, got 5/],
    [{ localAddr: "localhost" }, /localAddr must be one of this machine's IP addresses, got "localhost"/],
    [{ keepaliveTimeout: -1 }, /keepaliveTimeout must be a positive number of milliseconds/],
    [{ keepaliveTimeout: 1000, forceClose: true }, /keepaliveTimeout cannot be set with forceClose/],
    [{ forceClose: "yes" }, /forceClose must be true or false/],
    [{ resolve: { "a.test": "not-an-address" } }, /resolve\["a\.test"\] must be an IP address, got "not-an-address"/],
    [{ resolve: "127.0.0.1" }, /resolve must be a map of host names to addresses, or a resolver function/],
    [{ resolve: { "a.test": "127.0.0.1" }, fetch: globalThis.fetch }, /a socket setting and fetch cannot be given together/],
    [{ resolver: () => [] }, /unknown option "resolver"; use resolve/],
  ];
  for (const [options, message] of bad) {
    assert.throws(() => new TCPConnector(options as never), (err: unknown) => err instanceof TypeError && message.test(err.message), JSON.stringify(Object.keys(options)));
  }
});

test("UnixConnector refuses unknown options, and takes forceClose and keepaliveTimeout", () => {
  assert.throws(() => new UnixConnector({ path: "/tmp/x.sock", limt: 2 } as never), /new UnixConnector\(\): unknown option "limt"; use limit/);
  assert.throws(() => new UnixConnector({ path: "/tmp/x.sock", resolve: {} } as never), /new UnixConnector\(\): unknown option "resolve"/);
  assert.throws(() => new UnixConnector({ path: "/tmp/x.sock", forceClose: true, keepaliveTimeout: 5 }), /keepaliveTimeout cannot be set with forceClose/);
  const connector = new UnixConnector({ path: "/tmp/x.sock", keepaliveTimeout: 5000 });
  assert.equal(connector.path, "/tmp/x.sock");
});
