import { after, test } from "node:test";
import assert from "node:assert/strict";
import { ClientPayloadError, type ClientResponse, ClientSession } from "../mod.ts";
import { ENCODED_DOCUMENT, startServer, ZSTD_DOCUMENT } from "./server/mod.ts";

const server = await startServer();
// A decoder error that a runtime swallows would leave a read hanging: this timeout ends it, and the
// ServerTimeoutError it throws fails the test, since the tests expect a ClientPayloadError or the body.
const session = new ClientSession({ baseUrl: `${server.url}/`, timeout: { total: 5_000 } });
after(async () => {
  await session.close();
  await server.close();
});

const DOCUMENT = JSON.stringify(ENCODED_DOCUMENT);
const utf8 = new TextDecoder();

const READ_PATHS = ["read()", "text()", "json()", "body", "content"] as const;
type ReadPath = (typeof READ_PATHS)[number];

/** The body's bytes, read through read(), the body stream or the StreamReader. */
async function bytesVia(resp: ClientResponse, path: "read()" | "body" | "content"): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  if (path === "read()") return resp.read();
  if (path === "body") await resp.body.pipeTo(new WritableStream({ write: (chunk) => void chunks.push(chunk) }));
  else for await (const chunk of resp.content.iterAny()) chunks.push(chunk);
  return new Uint8Array(await new Blob(chunks as BlobPart[]).arrayBuffer());
}

/** The body as text, read the way `path` says; json() is serialised again, which gives the server's text back. */
async function readVia(resp: ClientResponse, path: ReadPath): Promise<string> {
  if (path === "text()") return resp.text();
  if (path === "json()") return JSON.stringify(await resp.json());
  return utf8.decode(await bytesVia(resp, path));
}

const DELIVERIES = [["with Content-Length", ""], ["chunked", "chunked=1"]] as const;

// The coding in the URL, and the Content-Encoding the server sends for it.
const CODINGS: Array<[string, string]> = [
  ["gzip", "gzip"],
  ["x-gzip", "x-gzip"],
  ["deflate", "deflate"],
  ["deflate-raw", "deflate"],
  ["br", "br"],
  ["deflate,gzip", "deflate, gzip"],
];

for (const [coding, header] of CODINGS) {
  for (const [delivery, query] of DELIVERIES) {
    test(`${coding} ${delivery}: decoded on every read path, Content-Encoding kept as sent`, async () => {
      for (const path of READ_PATHS) {
        const resp = await session.get(`encoded/${coding}?${query}`);
        assert.equal(resp.headers.get("content-encoding"), header, path);
        assert.equal(await readVia(resp, path), DOCUMENT, path);
      }
    });
  }
}

test("an unasked-for deflate body is decoded (the request accepts gzip only, or names no encoding)", async () => {
  const gzipOnly = await session.get("encoded/deflate", { headers: { "accept-encoding": "gzip" } });
  assert.deepEqual(await gzipOnly.json(), ENCODED_DOCUMENT);
  const unnamed = await session.get("encoded/deflate", { skipAutoHeaders: ["accept-encoding"] });
  assert.deepEqual(await unnamed.json(), ENCODED_DOCUMENT);
});

test("a custom fetch that sends with a dispatcher of its own: the body is decoded once", async () => {
  // On Node that dispatcher replaces aiofetch's, and undici decodes the body itself.
  await using own = new ClientSession({ fetch: (url, init) => fetch(url, { ...init, dispatcher: undefined } as RequestInit) });
  const resp = await own.get(`${server.url}/encoded/gzip`);
  assert.equal(resp.headers.get("content-encoding"), "gzip");
  assert.deepEqual(await resp.json(), ENCODED_DOCUMENT);
});

test("zstd: decoded where the runtime has a zstd decoder, else a ClientPayloadError that says so", async () => {
  const zlib = await import("node:zlib");
  const resp = await session.get("encoded/zstd");
  if (typeof (zlib as { createZstdDecompress?: unknown }).createZstdDecompress === "function") {
    assert.deepEqual(await resp.json(), ZSTD_DOCUMENT);
  } else {
    await assert.rejects(resp.json(), (err: unknown) => {
      assert.ok(err instanceof ClientPayloadError, String(err));
      assert.match((err as Error).message, /zstd/);
      return true;
    });
  }
});

const FAULTS: Array<[string, string[]]> = [
  ["corrupt", ["gzip", "deflate", "br"]],
  ["junk", ["gzip", "deflate", "br"]],
  ["truncated", ["gzip", "deflate", "br"]],
  // Every byte of the data but not the checksum after it: the stream ends before its trailer.
  ["no-trailer", ["gzip", "deflate"]],
];

for (const [fault, codings] of FAULTS) {
  for (const coding of codings) {
    for (const [delivery, query] of DELIVERIES) {
      test(`${coding} ${fault} ${delivery}: a ClientPayloadError naming the request, on every read path`, async () => {
        const url = `${server.url}/encoded/${coding}?fault=${fault}&${query}`;
        for (const path of READ_PATHS) {
          const resp = await session.get(url);
          await assert.rejects(readVia(resp, path), (err: unknown) => {
            assert.ok(err instanceof ClientPayloadError, `${path}: ${String(err)}`);
            assert.ok((err as Error).message.startsWith(`GET ${url}: `), `${path}: ${(err as Error).message}`);
            return true;
          });
          assert.equal(resp.closed, true, `${path}: the response is over`);
        }
      });
    }
  }
}

test("an empty body labelled as compressed is an empty body", async () => {
  for (const coding of ["gzip", "deflate", "br"]) {
    const resp = await session.get(`encoded/${coding}?empty=1`);
    assert.equal((await resp.read()).byteLength, 0, coding);
  }
});

test("an unknown coding is handed back as sent, with its Content-Encoding", async () => {
  const resp = await session.get("encoded/compress");
  assert.equal(resp.headers.get("content-encoding"), "compress");
  assert.equal(await resp.text(), DOCUMENT);
});

test("HEAD of a compressed resource: no body, Content-Encoding as sent", async () => {
  const resp = await session.head("encoded/gzip");
  assert.equal(resp.headers.get("content-encoding"), "gzip");
  assert.equal((await resp.read()).byteLength, 0);
});

test("maxBodySize counts decoded bytes: a small compressed body that decodes past it is refused", async () => {
  const resp = await session.get("encoded/gzip", { maxBodySize: 10_000 });
  assert.ok(Number(resp.headers.get("content-length")) < 10_000, "the compressed body is under the limit");
  await assert.rejects(resp.read(), /exceeds maxBodySize \(10000 bytes\)/);
});

test("download progress counts decoded bytes and has no total for a compressed body", async () => {
  let last: { loaded: number; total: number | undefined } | undefined;
  const resp = await session.get("encoded/br", { onDownloadProgress: (progress) => void (last = progress) });
  assert.equal(await resp.text(), DOCUMENT);
  assert.equal(last?.loaded, DOCUMENT.length);
  assert.equal(last?.total, undefined);
});

// Deno's fetch decodes gzip and br with no way to stop it (src/runtime/fetch_codings.ts).
const FETCH_DECODES_GZIP_AND_BR = typeof (globalThis as { Deno?: unknown }).Deno === "object";

/** The body, read through `path`, decodes to the document and is as long as the Content-Length the server sent. */
async function assertSentAsIs(resp: ClientResponse, coding: string, path: "read()" | "body" | "content" = "read()"): Promise<void> {
  const zlib = await import("node:zlib");
  const decode = { gzip: zlib.gunzipSync, deflate: zlib.inflateSync, br: zlib.brotliDecompressSync }[coding]!;
  const bytes = await bytesVia(resp, path);
  assert.equal(resp.headers.get("content-encoding"), coding, path);
  assert.equal(bytes.byteLength, Number(resp.headers.get("content-length")), path);
  assert.equal(decode(bytes).toString("utf8"), DOCUMENT, path);
}

test("autoDecompress: false hands the body back as sent, Content-Encoding and Content-Length with it", async () => {
  await using raw = new ClientSession({ baseUrl: `${server.url}/`, timeout: { total: 5_000 }, autoDecompress: false });
  for (const path of ["read()", "body", "content"] as const) await assertSentAsIs(await raw.get("encoded/deflate"), "deflate", path);
  const broken = await raw.get("encoded/deflate?fault=junk");
  assert.equal(await broken.text(), "this is not compressed at all, not even close.........", "not decoded, so no error");
  const decoded = await raw.get("encoded/deflate", { autoDecompress: true });
  assert.deepEqual(await decoded.json(), ENCODED_DOCUMENT, "a request's own autoDecompress wins");
});

for (const coding of ["gzip", "br"]) {
  test(`autoDecompress: false per request with ${coding}: as sent, or where fetch decodes it anyway, decoded without the headers that described the encoding`, async () => {
    const resp = await session.get(`encoded/${coding}`, { autoDecompress: false });
    if (!FETCH_DECODES_GZIP_AND_BR) return assertSentAsIs(resp, coding);
    assert.equal(resp.headers.get("content-encoding"), null);
    assert.equal(resp.headers.get("content-length"), null);
    assert.equal(await resp.text(), DOCUMENT);
  });
}
