/**
 * Deterministic content to download: `/bytes/N` (N seeded pseudo-random
 * bytes in one piece), `/range/SIZE` (a file that honours Range and
 * If-Range) and `/no-range/SIZE` (the same file, ranges ignored). The
 * generators are exported so that tests can check what they received.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Route } from "./route.ts";

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
async function serveFile(req: IncomingMessage, res: ServerResponse, url: URL, ranges: boolean): Promise<void> {
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

export const fileRoutes: Route[] = [
  [/^\/bytes\/(\d+)$/, (_req, res, url) => {
    const n = Number(url.pathname.split("/")[2]);
    const bytes = seededBytes(n, Number(url.searchParams.get("seed") ?? 42));
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": n });
    res.end(bytes);
  }],
  [/^\/range\/(\d+)$/, (req, res, url) => serveFile(req, res, url, true)],
  [/^\/no-range\/(\d+)$/, (req, res, url) => serveFile(req, res, url, false)],
];
