/**
 * Compressed bodies, sound or broken, for the decoding tests. `/encoded/CODING`
 * answers {@link ENCODED_DOCUMENT} as JSON in that coding: `gzip`, `x-gzip`,
 * `deflate` (zlib-wrapped), `deflate-raw` (raw deflate, sent as
 * `Content-Encoding: deflate`, as some servers do), `br`, a list such as
 * `deflate,gzip` (applied in that order), or any other name (the JSON as is,
 * labelled with that coding). `zstd` answers {@link ZSTD_DOCUMENT}, compressed
 * once with the zstd command line tool, since Node before 22.15 cannot
 * compress zstd. Whatever the request's Accept-Encoding says: servers do
 * send codings nobody asked for.
 *
 * `?fault=` breaks the compressed bytes: `corrupt` (bytes flipped in the
 * middle), `junk` (plain text labelled as compressed), `truncated` (the
 * first half only), `no-trailer` (all but the checksum at the end: 8 bytes of
 * gzip, 4 of zlib). The Content-Length always matches what is sent, so only
 * the decoder can tell. `?chunked=1` sends the bytes in three pieces 20 ms
 * apart and without Content-Length, so that a decoder fails after the first
 * bytes were delivered; `?empty=1` sends no body at all.
 */
import zlib from "node:zlib";
import type { ServerResponse } from "node:http";
import type { Route } from "./route.ts";

const WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike november oscar papa".split(" ");

/** About 30 KiB of JSON that compresses but not to nothing, so that a flipped byte breaks any coding of it. */
export const ENCODED_DOCUMENT: { lines: string[] } = (() => {
  let seed = 7;
  const lines: string[] = [];
  for (let i = 0; i < 600; i++) {
    const words: string[] = [];
    for (let w = 0; w < 8; w++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      words.push(WORDS[(seed >>> 16) % WORDS.length]!);
    }
    lines.push(`${i}: ${words.join(" ")}`);
  }
  return { lines };
})();

/** What `/encoded/zstd` decodes to. */
export const ZSTD_DOCUMENT: { zstd: boolean; text: string } = { zstd: true, text: "a small document, compressed once with the zstd command line tool" };

const ZSTD_FRAME = Buffer.from("KLUv/SRYPQIAgsUQEbA7IMudTqXGM2lkfC1MmVwEL033455iUI9g7oH63nDJI/mycMdp1HXfhLgHgj/LarSiMYIdRYZ8tp9gVfqQ+t7SBQBmyOyt", "base64");

const document: Buffer = Buffer.from(JSON.stringify(ENCODED_DOCUMENT));

const ENCODERS: Record<string, (data: Buffer) => Buffer> = {
  "gzip": (data) => zlib.gzipSync(data),
  "x-gzip": (data) => zlib.gzipSync(data),
  "deflate": (data) => zlib.deflateSync(data),
  "deflate-raw": (data) => zlib.deflateRawSync(data),
  "br": (data) => zlib.brotliCompressSync(data),
};

/** The coding as a client reads it in Content-Encoding. */
const HEADER_NAMES: Record<string, string> = { "deflate-raw": "deflate" };

function encode(codings: string[]): Buffer {
  if (codings.length === 1 && codings[0] === "zstd") return ZSTD_FRAME;
  let data: Buffer = document;
  for (const coding of codings) data = ENCODERS[coding]?.(data) ?? data;
  return data;
}

function breakBytes(data: Buffer, fault: string | null, codings: string[]): Buffer {
  switch (fault) {
    case "corrupt": {
      const broken = Buffer.from(data);
      const middle = broken.length >> 1;
      for (let i = middle; i < middle + 16; i++) broken[i]! ^= 0x55;
      return broken;
    }
    case "junk":
      return Buffer.from("this is not compressed at all, not even close.........");
    case "truncated":
      return data.subarray(0, data.length >> 1);
    case "no-trailer":
      return data.subarray(0, data.length - (codings.at(-1) === "deflate" ? 4 : 8));
    default:
      return data;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Three pieces 20 ms apart, the last one with the end of the response, as servers commonly send it. */
async function sendInPieces(res: ServerResponse, data: Buffer): Promise<void> {
  const third = Math.ceil(data.length / 3);
  for (const piece of [data.subarray(0, third), data.subarray(third, 2 * third)]) {
    res.write(piece);
    await sleep(20);
  }
  res.end(data.subarray(2 * third));
}

export const encodingRoutes: Route[] = [
  [/^\/encoded\/[^/]+$/, async (_req, res, url) => {
    const codings = decodeURIComponent(url.pathname.slice("/encoded/".length)).split(",").map((coding) => coding.trim());
    const data = url.searchParams.has("empty") ? Buffer.alloc(0) : breakBytes(encode(codings), url.searchParams.get("fault"), codings);
    const headers = { "content-type": "application/json", "content-encoding": codings.map((coding) => HEADER_NAMES[coding] ?? coding).join(", ") };
    if (url.searchParams.has("chunked")) {
      res.writeHead(200, headers);
      await sendInPieces(res, data);
    } else {
      res.writeHead(200, { ...headers, "content-length": data.length });
      res.end(data);
    }
  }],
];
