/**
 * Slow and broken responses, for timeouts and transport errors: `/delay/S`
 * (the echo after S seconds), `/drip` (a body trickled byte by byte), and
 * `/fault/…`, which breaks the protocol on purpose: a connection closed
 * mid-body or before any headers, a body shorter than its Content-Length,
 * invalid gzip, broken chunked encoding.
 */
import { echo } from "./echo.ts";
import { type Route, sendJson } from "./route.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const faultRoutes: Route[] = [
  [/^\/delay\/([\d.]+)$/, async (req, res, url, body) => {
    await sleep(Number(url.pathname.split("/")[2]) * 1000);
    if (!res.destroyed) sendJson(res, echo(req, url, body));
  }],
  [/^\/drip$/, async (_req, res, url) => {
    // numbytes bytes, spread over duration seconds, after delay seconds.
    const numbytes = Number(url.searchParams.get("numbytes") ?? 10);
    const duration = Number(url.searchParams.get("duration") ?? 1);
    await sleep(Number(url.searchParams.get("delay") ?? 0) * 1000);
    res.writeHead(Number(url.searchParams.get("code") ?? 200), { "content-type": "application/octet-stream", "content-length": numbytes });
    for (let i = 0; i < numbytes && !res.destroyed; i++) {
      res.write("*");
      await sleep((duration * 1000) / numbytes);
    }
    res.end();
  }],
  [/^\/fault\/close-mid-body$/, (req, res) => {
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": 100_000 });
    res.write(Buffer.alloc(1000, 1), () => setTimeout(() => req.socket.destroy(), 20));
  }],
  [/^\/fault\/short-content-length$/, (req, res) => {
    // Promises 500 bytes, sends 100, then closes: a truncated body.
    req.socket.write("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 500\r\nconnection: close\r\n\r\n");
    req.socket.end("x".repeat(100));
    res.detachSocket?.(req.socket);
  }],
  [/^\/fault\/invalid-gzip$/, (_req, res) => {
    const data = Buffer.from("this is not gzip at all, not even close.........");
    res.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip", "content-length": data.length });
    res.end(data);
  }],
  [/^\/fault\/bad-chunked$/, (req) => {
    req.socket.write("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\nZZZ\r\nbroken\r\n");
    setTimeout(() => req.socket.destroy(), 20);
  }],
  [/^\/fault\/close-before-headers$/, (req) => {
    req.socket.destroy();
  }],
];
