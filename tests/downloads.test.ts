import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WritableStream as PolyfilledWritableStream } from "web-streams-polyfill";
import { ClientPayloadError, ClientResponseError, ClientSession, type DownloadProgress, type FetchFunction } from "../mod.ts";
import { fileBytes, startServer } from "./server/mod.ts";

const server = await startServer();
const dir = await mkdtemp(join(tmpdir(), "aiofetch-download-"));
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const SIZE = 3_000_000;
const expected = fileBytes(SIZE, 1);
const expectedSha256 = createHash("sha256").update(expected).digest("hex");
let fileCount = 0;
/** A fresh destination path in the temporary folder. */
const destination = () => join(dir, `file-${++fileCount}.bin`);

/** Files in the temporary folder that start with `path`'s name (the file, its .part, its .part.json). */
async function leftovers(path: string): Promise<string[]> {
  const name = path.slice(dir.length + 1);
  return (await readdir(dir)).filter((entry) => entry.startsWith(name)).sort();
}

/** A session whose fetch records each request's Range and If-Range and each answer's status. */
function recordingSession(): { session: ClientSession; seen: Array<{ range: string | null; ifRange: string | null; status: number }> } {
  const seen: Array<{ range: string | null; ifRange: string | null; status: number }> = [];
  const fetch: FetchFunction = async (input, init) => {
    const headers = new Headers(init.headers);
    const response = await globalThis.fetch(input, init);
    seen.push({ range: headers.get("range"), ifRange: headers.get("if-range"), status: response.status });
    return response;
  };
  return { session: new ClientSession({ fetch, baseUrl: `${server.url}/` }), seen };
}

test("download: to a file, with progress; no temporary file left", async () => {
  await using session = new ClientSession();
  const path = destination();
  const reports: DownloadProgress[] = [];
  const result = await session.download(`${server.url}/range/${SIZE}`, path, { onDownloadProgress: (p) => void reports.push(p) });
  assert.deepEqual(result, { path, bytes: SIZE });
  assert.deepEqual(new Uint8Array(await readFile(path)), expected);
  assert.deepEqual(await leftovers(path), [path.slice(dir.length + 1)]);
  assert.ok(reports.length > 1);
  assert.ok(reports.every((p, i) => p.total === SIZE && p.rate >= 0 && (i === 0 || p.loaded > reports[i - 1]!.loaded)));
  assert.equal(reports.at(-1)!.loaded, SIZE);
});

test("onDownloadProgress on any request: loaded, total and rate", async () => {
  await using session = new ClientSession();
  const reports: DownloadProgress[] = [];
  const resp = await session.get(`${server.url}/bytes/500000`, { onDownloadProgress: (p) => void reports.push(p) });
  await resp.read();
  assert.deepEqual(reports.at(-1), { ...reports.at(-1)!, loaded: 500000, total: 500000 });
  assert.ok(reports.every((p) => Number.isFinite(p.rate) && p.rate >= 0));
});

test("an exception from onDownloadProgress comes out as is, ends the body and frees the slot", async () => {
  await using session = new ClientSession({ limit: 1 });
  const mine = new Error("stop the download");
  const resp = await session.get(`${server.url}/bytes/500000`, { onDownloadProgress: () => { throw mine; } });
  await assert.rejects(resp.read(), (err: unknown) => err === mine);
  assert.equal(resp.closed, true);
  const after = await session.get(`${server.url}/get`, { timeout: { total: 5_000 } });
  assert.equal(after.status, 200, "the single slot was given back");
  await after.release();
});

test("download: to a WritableStream, with the SHA-256 computed on the way", async () => {
  await using session = new ClientSession();
  const chunks: Uint8Array[] = [];
  let closed = false;
  const sink = new WritableStream<Uint8Array>({
    write: (chunk) => void chunks.push(chunk),
    close: () => void (closed = true),
  });
  const result = await session.download(`${server.url}/range/${SIZE}`, sink, { checksum: { algorithm: "SHA-256" } });
  assert.deepEqual(result, { path: undefined, bytes: SIZE, sha256: expectedSha256 });
  assert.equal(closed, true);
  assert.equal(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0), SIZE);
  await assert.rejects(session.download(`${server.url}/range/10`, new WritableStream(), { resume: true }), TypeError);
});

test("download: a polyfilled WritableStream is recognised by shape", async () => {
  await using session = new ClientSession();
  let bytes = 0;
  const sink = new PolyfilledWritableStream<Uint8Array>({ write: (chunk) => void (bytes += chunk.byteLength) });
  assert.ok(!(sink instanceof WritableStream), "not a native stream");
  const result = await session.download(`${server.url}/range/${SIZE}`, sink as unknown as WritableStream<Uint8Array>);
  assert.equal(result.bytes, SIZE);
  assert.equal(bytes, SIZE);
});

test("download: a failing WritableStream download aborts the stream", async () => {
  await using session = new ClientSession();
  let aborted: unknown;
  const sink = new WritableStream<Uint8Array>({ abort: (reason) => void (aborted = reason) });
  await assert.rejects(session.download(`${server.url}/fault/close-mid-body`, sink), ClientPayloadError);
  assert.ok(aborted instanceof ClientPayloadError);
});

test("download: a matching checksum is returned; a wrong one fails and leaves nothing", async () => {
  await using session = new ClientSession();
  const path = destination();
  const result = await session.download(`${server.url}/range/${SIZE}`, path, {
    checksum: { algorithm: "SHA-256", expected: expectedSha256.toUpperCase() },
  });
  assert.deepEqual(result, { path, bytes: SIZE, sha256: expectedSha256 });
  const wrong = destination();
  await assert.rejects(
    session.download(`${server.url}/range/${SIZE}`, wrong, { resume: true, checksum: { algorithm: "SHA-256", expected: "00".repeat(32) } }),
    (err: unknown) => {
      assert.ok(err instanceof ClientPayloadError, String(err));
      assert.match((err as Error).message, new RegExp(`SHA-256 mismatch: expected 0{64}, got ${expectedSha256}`));
      return true;
    },
  );
  assert.deepEqual(await leftovers(wrong), [], "not even a part to resume");
});

test("download: atomic rename: a failed download leaves the old file untouched and no part", async () => {
  await using session = new ClientSession();
  const path = destination();
  await writeFile(path, "old content");
  await assert.rejects(session.download(`${server.url}/range/${SIZE}?fail_after=1000000`, path), ClientPayloadError);
  assert.equal(await readFile(path, "utf8"), "old content");
  assert.deepEqual(await leftovers(path), [path.slice(dir.length + 1)]);
  await session.download(`${server.url}/range/${SIZE}`, path);
  assert.deepEqual(new Uint8Array(await readFile(path)), expected, "a complete download replaces it");
});

test("download: an error status is a ClientResponseError, and nothing is written", async () => {
  await using session = new ClientSession();
  const path = destination();
  await assert.rejects(session.download(`${server.url}/status/404`, path), (err: unknown) => err instanceof ClientResponseError && err.status === 404);
  assert.deepEqual(await leftovers(path), []);
});

test("download: resume continues an interrupted download with Range and If-Range", async () => {
  const { session, seen } = recordingSession();
  const path = destination();
  const interrupted = session.download(`range/${SIZE}?fail_after=1200000`, path, { resume: true });
  await assert.rejects(interrupted, ClientPayloadError);
  const parts = await leftovers(path);
  assert.deepEqual(parts.map((name) => name.slice(name.indexOf("."))), [".bin.part", ".bin.part.json"]);
  const kept = (await readFile(`${path}.part`)).byteLength;
  assert.ok(kept > 0 && kept <= 1_200_000, `kept ${kept} bytes`);
  const reports: DownloadProgress[] = [];
  const result = await session.download(`range/${SIZE}`, path, {
    resume: true,
    checksum: { algorithm: "SHA-256", expected: expectedSha256 },
    onDownloadProgress: (p) => void reports.push(p),
  });
  assert.deepEqual(result, { path, bytes: SIZE, sha256: expectedSha256 });
  assert.deepEqual(new Uint8Array(await readFile(path)), expected);
  assert.deepEqual(seen.at(-1), { range: `bytes=${kept}-`, ifRange: `"file-${SIZE}-1"`, status: 206 });
  assert.ok(reports[0]!.loaded > kept && reports[0]!.total === SIZE, "progress counts the resumed bytes");
  assert.deepEqual(await leftovers(path), [path.slice(dir.length + 1)]);
  await session.close();
});

test("download: resume starts over when the server ignores Range", async () => {
  const { session, seen } = recordingSession();
  const path = destination();
  await assert.rejects(session.download(`no-range/${SIZE}?fail_after=1000000`, path, { resume: true }), ClientPayloadError);
  const reports: DownloadProgress[] = [];
  const result = await session.download(`no-range/${SIZE}`, path, { resume: true, onDownloadProgress: (p) => void reports.push(p) });
  assert.equal(result.bytes, SIZE);
  assert.deepEqual(new Uint8Array(await readFile(path)), expected);
  assert.equal(seen.at(-1)!.status, 200);
  assert.ok(seen.at(-1)!.range, "a range was asked for");
  // Counted from zero again: a count that went on from the kept part would end past SIZE.
  // (Not "the first report is below the part's size": one chunk may hold more than that.)
  assert.equal(reports.at(-1)!.loaded, SIZE, "progress starts again from zero");
  await session.close();
});

test("download: resume starts over when the file changed (If-Range no longer matches)", async () => {
  const { session, seen } = recordingSession();
  const path = destination();
  await assert.rejects(session.download(`range/${SIZE}?etag=v1&fail_after=1000000`, path, { resume: true }), ClientPayloadError);
  const result = await session.download(`range/${SIZE}?etag=v2`, path, { resume: true });
  assert.equal(result.bytes, SIZE);
  assert.deepEqual(new Uint8Array(await readFile(path)), expected);
  assert.deepEqual(seen.at(-1), { range: seen.at(-1)!.range, ifRange: '"v1"', status: 200 });
  await session.close();
});

test("download: resume of a part that is already whole is answered 416 and kept", async () => {
  // The body is cut after its last byte, so the part is complete but the first call fails.
  const cutAtEnd: FetchFunction = async (input, init) => {
    const response = await globalThis.fetch(input, init);
    if (response.status !== 200) return response;
    const cut = new TransformStream<Uint8Array, Uint8Array>({ flush: (controller) => controller.error(new Error("cut")) });
    return new Response(response.body!.pipeThrough(cut), response);
  };
  const path = destination();
  await using cutting = new ClientSession({ fetch: cutAtEnd });
  await assert.rejects(cutting.download(`${server.url}/range/${SIZE}`, path, { resume: true }), ClientPayloadError);
  assert.equal((await readFile(`${path}.part`)).byteLength, SIZE);
  const { session, seen } = recordingSession();
  const result = await session.download(`range/${SIZE}`, path, { resume: true, checksum: { algorithm: "SHA-256" } });
  assert.deepEqual(result, { path, bytes: SIZE, sha256: expectedSha256 });
  assert.equal(seen.at(-1)!.status, 416);
  assert.deepEqual(new Uint8Array(await readFile(path)), expected);
  await session.close();
});
