/**
 * The benchmark server: node:http on 127.0.0.1 with keep-alive, in its own
 * process so that it never shares an event loop with the client measured.
 * Prints `listening PORT` once ready and exits when its stdin closes.
 *
 *   GET  /text                  100 bytes of text
 *   POST /json                  the JSON body sent, echoed back
 *   GET  /query?…               100 bytes of text, `params=N headers=M` first
 *                               (M counts the x-bench-* headers), for checking
 *   GET  /bytes?size=N          N bytes of application/octet-stream, written
 *                               in 64 KiB chunks with backpressure
 *   GET  /headers               JSON: the listener that answered (tcp, https,
 *                               unix) and the request's headers, for checking
 *
 * With `--connection` (bench/connection.mjs), the same routes are served
 * over HTTPS too (the test certificate of tests/fixtures, for 127.0.0.1 and
 * localhost) and over HTTP on a unix socket, and the line printed is
 * `listening PORT https=PORT unix=PATH`.
 */
import { readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";

const TEXT = Buffer.from("a".repeat(99) + "\n");
const CHUNK = Buffer.alloc(64 * 1024, 0x61);

function sendText(res, text) {
  res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "content-length": text.length });
  res.end(text);
}

/** Waits for `drain` (or `close`), leaving no listener behind. */
function drained(res) {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done).off("close", done);
      resolve();
    };
    res.on("drain", done).on("close", done);
  });
}

async function sendBytes(res, size) {
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": size });
  let left = size;
  while (left > 0 && !res.destroyed) {
    const chunk = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
    left -= chunk.length;
    if (!res.write(chunk)) await drained(res);
  }
  res.end();
}

function handle(req, res) {
  const url = new URL(req.url, "http://127.0.0.1");
  if (req.method === "GET" && url.pathname === "/text") return sendText(res, TEXT);
  if (req.method === "GET" && url.pathname === "/query") {
    const headers = Object.keys(req.headers).filter((name) => name.startsWith("x-bench-")).length;
    const head = `params=${[...url.searchParams.keys()].length} headers=${headers} `;
    return sendText(res, Buffer.from(head.padEnd(99, "a") + "\n"));
  }
  if (req.method === "GET" && url.pathname === "/headers") {
    const listener = req.socket.encrypted ? "https" : req.socket.remoteAddress ? "tcp" : "unix";
    return sendText(res, Buffer.from(JSON.stringify({ listener, headers: req.headers })));
  }
  if (req.method === "GET" && url.pathname === "/bytes") return void sendBytes(res, Number(url.searchParams.get("size")));
  if (req.method === "POST" && url.pathname === "/json") {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
      res.end(body);
    });
    return;
  }
  res.writeHead(404, { "content-length": 0 });
  res.end();
}

/** Starts `server` on `where` (a port and host, or a socket path); resolves once it listens. */
function start(server, ...where) {
  // Clients take turns, so a connection may sit idle while the others run.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 130_000;
  server.requestTimeout = 0;
  return new Promise((resolve, reject) => server.once("error", reject).listen(...where, () => resolve(server.address())));
}

const { port } = await start(http.createServer({ keepAlive: true }, handle), 0, "127.0.0.1");
let line = `listening ${port}`;
let socketPath;
if (process.argv.includes("--connection")) {
  const fixture = (name) => readFileSync(new URL(`../tests/fixtures/${name}`, import.meta.url));
  const tls = { cert: fixture("server.pem"), key: fixture("server-key.pem"), keepAlive: true };
  const secure = await start(https.createServer(tls, handle), 0, "127.0.0.1");
  socketPath = join(tmpdir(), `aiofetch-bench-${process.pid}.sock`);
  rmSync(socketPath, { force: true });
  await start(http.createServer({ keepAlive: true }, handle), socketPath);
  line += ` https=${secure.port} unix=${socketPath}`;
}
console.log(line);
const exit = () => {
  if (socketPath) rmSync(socketPath, { force: true });
  process.exit(0);
};
process.stdin.resume();
process.stdin.on("end", exit);
process.stdin.on("close", exit);
