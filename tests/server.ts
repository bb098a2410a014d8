/**
 * The local test server: httpbin-style endpoints on 127.0.0.1 and a random
 * port, plus fault endpoints that break the protocol on purpose. Built on
 * node:http, which runs under Node, Deno and Bun alike.
 */
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";

/** A running test server. */
export interface TestServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `http://localhost:PORT`: the same server under a host name (cookies are refused from IPs by default). */
  localUrl: string;
  port: number;
  /** Stops the server and drops every connection. */
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: Buffer) => void | Promise<void>;

function sendJson(res: http.ServerResponse, value: unknown, status = 200): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) cookies[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return cookies;
}

interface Part {
  name: string;
  filename: string | undefined;
  contentType: string | undefined;
  data: Buffer;
}

function parseMultipart(body: Buffer, contentType: string): Part[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) return [];
  const parts: Part[] = [];
  const delimiter = Buffer.from(`--${boundary}`);
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const chunk = body.subarray(start + delimiter.length + 2, next - 2);
    const split = chunk.indexOf("\r\n\r\n");
    const head = chunk.subarray(0, split).toString("utf8");
    const disposition = /content-disposition:[^\r\n]*/i.exec(head)?.[0] ?? "";
    parts.push({
      name: /name="([^"]*)"/.exec(disposition)?.[1] ?? "",
      filename: /filename="([^"]*)"/.exec(disposition)?.[1],
      contentType: /content-type:\s*([^\r\n]*)/i.exec(head)?.[1],
      data: chunk.subarray(split + 4),
    });
    start = next;
  }
  return parts;
}

/** The JSON the echo endpoints (`/get`, `/post`, `/anything`, `/headers`…) answer, as a test reads it. */
export interface Echo {
  method: string;
  url: string;
  path: string;
  rawQuery: string;
  args: Record<string, string | string[]>;
  headers: Record<string, string>;
  rawHeaders: string[];
  cookies: Record<string, string>;
  /** Form fields, urlencoded or multipart; a repeated urlencoded key gives an array. */
  form: Record<string, string | string[]>;
  files: Record<string, { filename: string; contentType: string; size: number; content: string }>;
  json: unknown;
  data: string;
  bodyLength: number;
}

/** What the echo endpoints answer: the request as the server saw it. */
function echo(req: http.IncomingMessage, url: URL, body: Buffer): Record<string, unknown> {
  const contentType = req.headers["content-type"] ?? "";
  const form: Record<string, string | string[]> = {};
  const files: Record<string, { filename: string | undefined; contentType: string | undefined; size: number; content: string }> = {};
  let json: unknown = null;
  if (contentType.startsWith("application/x-www-form-urlencoded")) {
    for (const [key, value] of new URLSearchParams(body.toString("utf8"))) {
      const existing = form[key];
      form[key] = existing === undefined ? value : ([] as string[]).concat(existing, value);
    }
  } else if (contentType.startsWith("multipart/form-data")) {
    for (const part of parseMultipart(body, contentType)) {
      if (part.filename !== undefined) {
        files[part.name] = { filename: part.filename, contentType: part.contentType, size: part.data.length, content: part.data.toString("utf8") };
      } else form[part.name] = part.data.toString("utf8");
    }
  } else if (contentType.startsWith("application/json")) {
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      json = null;
    }
  }
  const args: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(key);
    args[key] = all.length === 1 ? all[0]! : all;
  }
  return {
    method: req.method,
    url: url.href,
    path: url.pathname,
    rawQuery: url.search.slice(1),
    args,
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    cookies: parseCookies(req.headers.cookie),
    form,
    files,
    json,
    data: contentType.startsWith("multipart/") ? "" : body.toString("utf8"),
    bodyLength: body.length,
  };
}

/** Deterministic pseudo-random bytes (xorshift32), so tests can check content. */
export function seededBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    out[i] = state & 0xff;
  }
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const FILE_BLOCK = 64 * 1024;

/**
 * Bytes [start, end) of a deterministic file: block b is seededBytes of its
 * own seed, so any range is made without making what comes before it.
 */
export function* fileBlocks(start: number, end: number, seed: number): Generator<Uint8Array> {
  for (let block = Math.floor(start / FILE_BLOCK); block * FILE_BLOCK < end; block++) {
    const at = block * FILE_BLOCK;
    const bytes = seededBytes(FILE_BLOCK, (seed * 65599 + block + 1) >>> 0);
    yield bytes.subarray(Math.max(start - at, 0), Math.min(end - at, FILE_BLOCK));
  }
}

/** The whole deterministic file of `length` bytes (see {@link fileBlocks}). */
export function fileBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (const block of fileBlocks(0, length, seed)) {
    out.set(block, offset);
    offset += block.byteLength;
  }
  return out;
}

/**
 * Serves the deterministic file of `size` bytes. With `ranges`, honours
 * `Range: bytes=a-[b]` (206, or 416 past the end) unless an If-Range differs
 * from the ETag (`"file-SIZE-SEED"`, or `?etag=`). `?fail_after=K` cuts the
 * connection after K bytes, but only for requests without a Range header:
 * an interrupted transfer whose resumption then succeeds.
 */
async function serveFile(req: http.IncomingMessage, res: http.ServerResponse, url: URL, ranges: boolean): Promise<void> {
  const size = Number(url.pathname.split("/")[2]);
  const seed = Number(url.searchParams.get("seed") ?? 1);
  const etag = `"${url.searchParams.get("etag") ?? `file-${size}-${seed}`}"`;
  const headers: Record<string, string | number> = { "content-type": "application/octet-stream", etag, "last-modified": new Date(0).toUTCString() };
  const range = ranges ? /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "") : null;
  let [start, end, status] = [0, size, 200];
  if (range && (req.headers["if-range"] === undefined || req.headers["if-range"] === etag)) {
    [start, end, status] = [Number(range[1]), range[2] ? Math.min(Number(range[2]) + 1, size) : size, 206];
    if (start >= size) {
      res.writeHead(416, { ...headers, "content-range": `bytes */${size}` });
      return void res.end();
    }
    headers["content-range"] = `bytes ${start}-${end - 1}/${size}`;
  }
  if (ranges) headers["accept-ranges"] = "bytes";
  res.writeHead(status, { ...headers, "content-length": end - start });
  const failAfter = url.searchParams.has("fail_after") && !req.headers.range ? Number(url.searchParams.get("fail_after")) : Infinity;
  let sent = 0;
  for (const block of fileBlocks(start, Math.min(end, start + failAfter), seed)) {
    if (res.destroyed) return;
    sent += block.byteLength;
    if (!res.write(block)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off("drain", done).off("close", done);
          resolve();
        };
        res.on("drain", done).on("close", done);
      });
    }
  }
  if (sent < end - start) setTimeout(() => req.socket.destroy(), 50);
  else res.end();
}

const routes: Array<[RegExp, Handler]> = [
  [/^\/(get|post|put|patch|delete|anything(\/.*)?|headers|echo)$/, (req, res, url, body) => sendJson(res, echo(req, url, body))],
  [/^\/status\/(\d+)$/, (_req, res, url) => {
    const status = Number(url.pathname.split("/")[2]);
    res.writeHead(status, { "content-type": "text/plain" });
    res.end(status === 204 || status === 304 ? undefined : `status ${status}`);
  }],
  [/^\/redirect\/(\d+)$/, (_req, res, url) => {
    const n = Number(url.pathname.split("/")[2]);
    res.writeHead(302, { location: n > 1 ? `/redirect/${n - 1}` : "/get" });
    res.end();
  }],
  [/^\/relative-redirect\/(\d+)$/, (_req, res, url) => {
    const n = Number(url.pathname.split("/")[2]);
    res.writeHead(302, { location: n > 1 ? `${n - 1}` : "../get" });
    res.end();
  }],
  [/^\/redirect-to$/, (_req, res, url) => {
    const headers: Record<string, string> = {};
    if (url.searchParams.has("url")) headers.location = url.searchParams.get("url")!;
    if (url.searchParams.has("set_cookie")) headers["set-cookie"] = url.searchParams.get("set_cookie")!;
    res.writeHead(Number(url.searchParams.get("status_code") ?? 302), headers);
    res.end();
  }],
  [/^\/loop$/, (_req, res) => {
    res.writeHead(302, { location: "/loop" });
    res.end();
  }],
  [/^\/cookies$/, (req, res) => sendJson(res, { cookies: parseCookies(req.headers.cookie) })],
  [/^\/cookies\/set$/, (_req, res, url) => {
    const lines = [...url.searchParams].map(([name, value]) => `${name}=${value}; Path=/`);
    res.writeHead(302, { location: "/cookies", "set-cookie": lines });
    res.end();
  }],
  [/^\/cookies\/delete$/, (_req, res, url) => {
    const lines = [...url.searchParams.keys()].map((name) => `${name}=; Path=/; Max-Age=0`);
    res.writeHead(302, { location: "/cookies", "set-cookie": lines });
    res.end();
  }],
  [/^\/set-cookie-raw$/, (_req, res, url) => {
    // Each `line` query value is sent as one Set-Cookie header, verbatim.
    res.writeHead(200, { "content-type": "text/plain", "set-cookie": url.searchParams.getAll("line") });
    res.end("ok");
  }],
  [/^\/basic-auth\/([^/]+)\/([^/]+)$/, (req, res, url) => {
    const [, , user, pass] = url.pathname.split("/");
    const expected = `Basic ${Buffer.from(`${decodeURIComponent(user!)}:${decodeURIComponent(pass!)}`).toString("base64")}`;
    if (req.headers.authorization === expected) sendJson(res, { authenticated: true, user: decodeURIComponent(user!) });
    else {
      res.writeHead(401, { "www-authenticate": 'Basic realm="test"', "content-type": "application/json" });
      res.end(JSON.stringify({ authenticated: false }));
    }
  }],
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
  [/^\/bytes\/(\d+)$/, (_req, res, url) => {
    const n = Number(url.pathname.split("/")[2]);
    const bytes = seededBytes(n, Number(url.searchParams.get("seed") ?? 42));
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": n });
    res.end(bytes);
  }],
  [/^\/stream\/(\d+)$/, (req, res, url) => {
    const n = Number(url.pathname.split("/")[2]);
    res.writeHead(200, { "content-type": "application/json" });
    for (let i = 0; i < n; i++) res.write(`${JSON.stringify({ id: i, url: url.href, method: req.method })}\n`);
    res.end();
  }],
  [/^\/(gzip|deflate|brotli)$/, (req, res, url, body) => {
    const kind = url.pathname.slice(1);
    const text = Buffer.from(JSON.stringify({ [`${kind === "brotli" ? "brotli" : kind}ped`]: true, ...echo(req, url, body) }));
    const [encoding, data] = kind === "gzip"
      ? ["gzip", zlib.gzipSync(text)]
      : kind === "deflate"
      ? ["deflate", zlib.deflateSync(text)]
      : ["br", zlib.brotliCompressSync(text)];
    res.writeHead(200, { "content-type": "application/json", "content-encoding": encoding, "content-length": data.length });
    res.end(data);
  }],
  [/^\/response-headers$/, (_req, res, url) => {
    const headers: Record<string, string[]> = {};
    for (const [key, value] of url.searchParams) (headers[key] ??= []).push(value);
    const text = JSON.stringify(headers);
    res.writeHead(200, { "content-type": "application/json", ...headers });
    res.end(text);
  }],
  [/^\/html$/, (_req, res, url) => {
    const charset = url.searchParams.get("charset");
    const text = url.searchParams.get("text") ?? "<p>héllo</p>";
    const encoded = charset && /latin-?1|iso-8859-1/i.test(charset) ? Buffer.from(text, "latin1") : Buffer.from(text, "utf8");
    res.writeHead(200, { "content-type": `text/html${charset ? `; charset=${charset}` : ""}`, "content-length": encoded.length });
    res.end(encoded);
  }],
  [/^\/body$/, (_req, res, url) => {
    // Answers with `text` and the content type asked for.
    const type = url.searchParams.get("type");
    const text = url.searchParams.get("text") ?? "";
    res.writeHead(200, type ? { "content-type": type } : {});
    res.end(text);
  }],
  [/^\/hash$/, (_req, res, _url, body) => {
    sendJson(res, { bytes: body.length, sha256: createHash("sha256").update(body).digest("hex") });
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
  [/^\/range\/(\d+)$/, (req, res, url) => serveFile(req, res, url, true)],
  [/^\/no-range\/(\d+)$/, (req, res, url) => serveFile(req, res, url, false)],
];

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
  const body = await readBody(req);
  for (const [pattern, handler] of routes) {
    if (pattern.test(url.pathname)) return await handler(req, res, url, body);
  }
  res.writeHead(404, { "content-type": "text/plain" });
  res.end("not found");
}

/** Starts a server on 127.0.0.1 and a random port. */
export async function startServer(): Promise<TestServer> {
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(err));
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    localUrl: `http://localhost:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (connections are refused). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
