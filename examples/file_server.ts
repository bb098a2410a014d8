/**
 * The local file server the download example talks to, on node:http so that
 * Node, Deno and Bun can all run it. `GET /file/SIZE` answers a file of SIZE
 * bytes made on the fly, with a strong ETag, and honours `Range: bytes=N-`
 * unless an If-Range names another ETag: what a resumed download asks for.
 * Every 4-byte word of the file holds its own index (little-endian), so no
 * two stretches of it are alike and a resume from the wrong offset shows in
 * the checksum. The body is streamed with backpressure: memory stays flat at
 * any size. It listens on 127.0.0.1 only.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

/** A running file server. */
export interface FileServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Stops listening and drops every connection, idle keep-alive ones included. */
  close(): Promise<void>;
}

const BLOCK = 64 * 1024;

/** Bytes [start, end) of the file, a fresh block at a time (a written block may still be queued). */
function* fileRange(start: number, end: number): Generator<Uint8Array> {
  for (let at = start - (start % BLOCK); at < end; at += BLOCK) {
    const block = new Uint8Array(BLOCK);
    const words = new DataView(block.buffer);
    for (let i = 0; i < BLOCK; i += 4) words.setUint32(i, (at + i) / 4, true);
    yield block.subarray(Math.max(start - at, 0), Math.min(end - at, BLOCK));
  }
}

async function serveFile(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const size = Number(/^\/file\/(\d+)$/.exec(new URL(req.url ?? "/", "http://127.0.0.1").pathname)?.[1] ?? NaN);
  if (req.method !== "GET" || !Number.isSafeInteger(size)) {
    res.writeHead(404, { "content-type": "text/plain" });
    return void res.end("not found");
  }
  const etag = `"file-${size}"`;
  const headers = { "content-type": "application/octet-stream", "accept-ranges": "bytes", etag };
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
  const start = range && (req.headers["if-range"] ?? etag) === etag ? Number(range[1]) : undefined;
  if (start === undefined) res.writeHead(200, { ...headers, "content-length": size });
  else if (start >= size) {
    res.writeHead(416, { ...headers, "content-range": `bytes */${size}` });
    return void res.end();
  } else res.writeHead(206, { ...headers, "content-length": size - start, "content-range": `bytes ${start}-${size - 1}/${size}` });
  // The client may hang up mid-body (the example aborts its first attempt): nothing to report then.
  await pipeline(Readable.from(fileRange(start ?? 0, size)), res).catch(() => {});
}

/** Starts the file server on 127.0.0.1 and a random port. */
export async function startFileServer(): Promise<FileServer> {
  const server = createServer((req, res) => void serveFile(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
