#!/usr/bin/env node
/**
 * The WebSocket test server: a Node process running npm `ws`, started by
 * tests/server/ws.ts for the tests of every runtime, so that Node, Deno and
 * Bun clients all meet the same peer. It prints `{"port":N}` once listening,
 * exits when its stdin closes (so no orphan outlives a killed test run), and
 * gives up after a hard cap in any case.
 *
 * Every request takes `?id=`; `GET /log?id=` answers what the server saw for
 * that id, handshakes refused or redirected included, so tests assert the
 * server side too.
 *
 * WebSocket endpoints: `/echo` (each message back as it came), `/deflate`
 * (the same, permessage-deflate accepted), `/nopong` (pings never answered),
 * `/protocols` (the first offered subprotocol chosen), `/setcookie` (a 101
 * with two Set-Cookie lines). In-band commands on any of them:
 * `__close:CODE:REASON`, `__ping`, `__later:MS:TEXT` (TEXT after MS ms),
 * `__big:N` (N bytes, binary),
 * `__stream:N` (N text messages), `__badutf8` (a text frame that is not
 * UTF-8), `__die` (the socket destroyed), `__freeze` (nothing read or
 * answered any more), `__stall` (nothing read until `GET /resume?id=`).
 *
 * The same endpoints over TLS, on two more ports: `tlsPort`, with the
 * fixtures' leaf for localhost and 127.0.0.1 (signed by the test CA), and
 * `mtlsPort`, which also requires a client certificate signed by the
 * client CA (a client without one is refused in the TLS handshake); and in
 * plain HTTP on a unix socket in the temporary folder. The first line
 * printed is `{"port":N,"tlsPort":N,"mtlsPort":N,"socketPath":"…"}`.
 *
 * Plain HTTP answers on the upgrade path: `/reject?status=N` (Set-Cookie,
 * WWW-Authenticate and a text body), `/redirect?to=URL&status=N`,
 * `/badaccept` (a 101 with a wrong Sec-WebSocket-Accept), `/noupgrade` (a
 * 101 without Upgrade), `/hang` (never answers).
 */
import { readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocketServer } from "ws";

const HARD_CAP_MS = 10 * 60 * 1000;

/** Per id: every request seen, in order. */
const logs = new Map();
/** Per id: the sockets stalled by `__stall`, resumed by `/resume`. */
const stalled = new Map();

function logFor(id) {
  if (!logs.has(id)) logs.set(id, []);
  return logs.get(id);
}

function record(req, url) {
  const entry = { path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, messages: [], pings: 0, pongs: 0, close: null, extensions: "" };
  logFor(url.searchParams.get("id") ?? "").push(entry);
  return entry;
}

function rawResponse(socket, status, headers, body = "") {
  const lines = [`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? "Status"}`, ...headers, `content-length: ${Buffer.byteLength(body)}`, "connection: close", "", body];
  socket.end(lines.join("\r\n"));
}

/** A raw text frame whose payload is not UTF-8 (servers send frames unmasked). */
const BAD_UTF8_FRAME = Buffer.from([0x81, 0x02, 0xc3, 0x28]);

function command(ws, entry, text) {
  const [name, ...args] = text.split(":");
  switch (name) {
    case "__close": return void ws.close(Number(args[0]), args.slice(1).join(":"));
    case "__ping": return void ws.ping("hello");
    case "__later": return void setTimeout(() => ws.send(args.slice(1).join(":")), Number(args[0]));
    case "__big": return void ws.send(Buffer.alloc(Number(args[0]), 7), { binary: true });
    case "__stream":
      for (let i = 0; i < Number(args[0]); i++) ws.send(`message ${i}`);
      return;
    case "__badutf8": return void ws._socket.write(BAD_UTF8_FRAME);
    case "__die": return void ws._socket.destroy();
    case "__freeze":
      entry.frozen = true;
      return void ws._socket.pause();
    case "__stall":
      stalled.set(entry.query.id ?? "", ws);
      entry.stalled = true;
      return void ws._socket.pause();
    default: return false;
  }
}

function serveSocket(ws, entry, echo) {
  entry.protocol = ws.protocol;
  entry.extensions = ws.extensions;
  ws.on("message", (data, isBinary) => {
    const text = isBinary ? undefined : data.toString();
    entry.messages.push({ type: isBinary ? "binary" : "text", size: data.length, text: text !== undefined && text.length <= 1000 ? text : undefined });
    if (text?.startsWith("__") && command(ws, entry, text) !== false) return;
    if (echo && !entry.frozen) ws.send(data, { binary: isBinary });
  });
  ws.on("ping", () => entry.pings++);
  ws.on("pong", () => entry.pongs++);
  ws.on("close", (code, reason) => (entry.close = { code, reason: reason.toString() }));
  ws.on("error", (err) => (entry.error = err.message));
}

// /echo chooses no subprotocol whatever is offered (ws would take the first by default).
const plain = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: () => false });
const deflate = new WebSocketServer({ noServer: true, perMessageDeflate: true });
const nopong = new WebSocketServer({ noServer: true, perMessageDeflate: false, autoPong: false });
const protocols = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (offered) => [...offered][0] ?? false });
const setcookie = new WebSocketServer({ noServer: true, perMessageDeflate: false });
setcookie.on("headers", (headers) => headers.push("Set-Cookie: upgraded=yes; Path=/", "Set-Cookie: second=2; Path=/"));

const SERVERS = { "/echo": plain, "/deflate": deflate, "/nopong": nopong, "/protocols": protocols, "/setcookie": setcookie };

function refuse(socket, url) {
  switch (url.pathname) {
    case "/reject": {
      const status = Number(url.searchParams.get("status") ?? 403);
      return rawResponse(socket, status, ["set-cookie: refused=1; Path=/", 'www-authenticate: Basic realm="ws"', "content-type: text/plain"], `refused with ${status}`);
    }
    case "/redirect":
      // Without `to`, to itself: a loop.
      return rawResponse(socket, Number(url.searchParams.get("status") ?? 302), [`location: ${url.searchParams.get("to") ?? url.pathname}`, "set-cookie: redirected=1; Path=/"]);
    case "/badaccept":
      return socket.write("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: bm90IHRoZSByaWdodCBrZXk=\r\n\r\n");
    case "/noupgrade":
      return socket.write("HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\n\r\n");
    case "/hang":
      return undefined;
    default:
      return rawResponse(socket, 404, [], "no such endpoint");
  }
}

function serveHttp(req, res) {
  const url = new URL(req.url ?? "/", "http://localhost");
  const id = url.searchParams.get("id") ?? "";
  if (url.pathname === "/log") {
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(JSON.stringify(logs.get(id) ?? []));
  }
  if (url.pathname === "/resume") {
    stalled.get(id)?._socket.resume();
    stalled.delete(id);
    return res.end("resumed");
  }
  record(req, url);
  res.writeHead(426, { "content-type": "text/plain" });
  res.end("upgrade required");
}

function upgrade(req, socket, head) {
  const url = new URL(req.url ?? "/", "http://localhost");
  const entry = record(req, url);
  socket.on("error", () => {});
  const wss = SERVERS[url.pathname];
  if (!wss) return refuse(socket, url);
  wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, entry, true));
}

const fixture = (name) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8");
const leaf = { cert: fixture("server.pem"), key: fixture("server-key.pem") };
const servers = {
  port: http.createServer(serveHttp),
  tlsPort: https.createServer(leaf, serveHttp),
  mtlsPort: https.createServer({ ...leaf, ca: fixture("client-ca.pem"), requestCert: true, rejectUnauthorized: true }, serveHttp),
};
const socketPath = join(tmpdir(), `aiofetch-ws-${process.pid}.sock`);
// Process ids come round again: a file a killed server left at this path is not a server, and would fail the listen.
rmSync(socketPath, { force: true });
const unix = http.createServer(serveHttp);
const listening = [...Object.entries(servers), ["socketPath", unix]].map(([name, server]) => {
  server.on("upgrade", upgrade);
  // A refused TLS handshake is the client's to report.
  server.on("tlsClientError", () => {});
  if (server === unix) return new Promise((resolve) => server.listen(socketPath, () => resolve([name, socketPath])));
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve([name, server.address().port])));
});
Promise.all(listening).then((ports) => process.stdout.write(`${JSON.stringify(Object.fromEntries(ports))}\n`));
process.on("exit", () => rmSync(socketPath, { force: true }));
// Killed rather than told to stop (a test runner's timeout), it still takes its socket file with it.
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => process.exit(1));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
setTimeout(() => process.exit(2), HARD_CAP_MS).unref();
