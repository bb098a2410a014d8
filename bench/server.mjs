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
 */
import http from "node:http";

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

const server = http.createServer({ keepAlive: true }, handle);
// Clients take turns, so a connection may sit idle while the others run.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 130_000;
server.requestTimeout = 0;
server.listen(0, "127.0.0.1", () => console.log(`listening ${server.address().port}`));
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
process.stdin.on("close", () => process.exit(0));
