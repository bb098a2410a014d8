import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { createReadStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ReadableStream as PolyfilledReadableStream } from "web-streams-polyfill";
import { ClientPayloadError, ClientSession, type UploadProgress } from "../mod.ts";
import { type Echo, seededBytes, startServer } from "./server/mod.ts";

interface Hash {
  bytes: number;
  sha256: string;
}

const server = await startServer();
const session = new ClientSession({ baseUrl: `${server.url}/` });
after(async () => {
  await session.close();
  await server.close();
});

/** seededBytes, typed for the Blob constructor (its buffer is never shared). */
const seeded = (length: number, seed: number) => seededBytes(length, seed) as Uint8Array<ArrayBuffer>;
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Collects progress reports and checks they only ever grow. */
function progressLog(): { reports: UploadProgress[]; onUploadProgress: (progress: UploadProgress) => void } {
  const reports: UploadProgress[] = [];
  return {
    reports,
    onUploadProgress: (progress) => {
      const last = reports.at(-1);
      if (last) assert.ok(progress.loaded >= last.loaded, "loaded never goes back");
      reports.push({ ...progress });
    },
  };
}

test("uploads: 100 MiB generated as a stream arrive intact (server-side SHA-256)", async () => {
  const chunkSize = 1 << 20;
  const chunks = 100;
  const expected = createHash("sha256");
  let made = 0;
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (made === chunks) return controller.close();
      const chunk = seeded(chunkSize, ++made);
      expected.update(chunk);
      controller.enqueue(chunk);
    },
  }, { highWaterMark: 0 });
  const { reports, onUploadProgress } = progressLog();
  const resp = await session.post("hash", { data: source, onUploadProgress });
  const hash = (await resp.json()) as Hash;
  assert.equal(hash.bytes, chunks * chunkSize);
  assert.equal(hash.sha256, expected.digest("hex"));
  assert.equal(reports.at(-1)!.loaded, chunks * chunkSize);
  assert.equal(reports.at(-1)!.total, chunks * chunkSize, "the last report of a stream of unknown size gives its total");
  assert.ok(reports.slice(0, -1).every((report) => report.total === undefined));
});

test("uploads: an async iterable of strings and bytes is sent streamed", async () => {
  async function* parts() {
    yield "héllo ";
    yield new TextEncoder().encode("streamed ");
    yield "world";
  }
  const resp = await session.post("post", { data: parts() });
  const echo = (await resp.json()) as Echo;
  assert.equal(echo.data, "héllo streamed world");
  assert.equal(echo.headers["content-type"], "application/octet-stream");
  assert.equal(echo.headers["transfer-encoding"], "chunked");
});

test("uploads: a file read with node:fs createReadStream", async () => {
  const dir = await mkdtemp(join(tmpdir(), "aiofetch-upload-"));
  try {
    const bytes = seeded(3_000_000, 5);
    const path = join(dir, "data.bin");
    await writeFile(path, bytes);
    const resp = await session.put("hash", { data: createReadStream(path) });
    assert.deepEqual(await resp.json(), { bytes: bytes.byteLength, sha256: sha256(bytes) });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("uploads: a polyfilled ReadableStream is recognised by shape", async () => {
  const bytes = seeded(200_000, 11);
  const polyfilled = new PolyfilledReadableStream<Uint8Array>({
    start(controller) {
      for (let offset = 0; offset < bytes.byteLength; offset += 50_000) controller.enqueue(bytes.subarray(offset, offset + 50_000));
      controller.close();
    },
  });
  assert.ok(!(polyfilled instanceof ReadableStream), "not a native stream");
  const resp = await session.post("hash", { data: polyfilled as unknown as ReadableStream<Uint8Array> });
  assert.deepEqual(await resp.json(), { bytes: bytes.byteLength, sha256: sha256(bytes) });
});

test("uploads: a Blob or File is sent whole", async () => {
  const bytes = seeded(1_500_000, 4);
  const blobs = [new Blob([bytes])];
  // Node 18 has no global File.
  if (typeof File === "function") blobs.push(new File([bytes], "data.bin", { type: "application/x-data" }));
  for (const data of blobs) {
    const resp = await session.post("hash", { data });
    assert.deepEqual(await resp.json(), { bytes: bytes.byteLength, sha256: sha256(bytes) });
  }
});

test("upload progress: bytes are sent in steps up to their size", async () => {
  const bytes = seeded(1_000_000, 8);
  const { reports, onUploadProgress } = progressLog();
  const resp = await session.post("hash", { data: bytes, onUploadProgress });
  assert.deepEqual(await resp.json(), { bytes: bytes.byteLength, sha256: sha256(bytes) });
  assert.ok(reports.length > 1, "more than one report");
  assert.ok(reports.every((report) => report.total === 1_000_000));
  assert.equal(reports.at(-1)!.loaded, 1_000_000);
});

test("upload progress: text, json and a form keep their content types", async () => {
  const { reports, onUploadProgress } = progressLog();
  const text = (await (await session.post("post", { data: "héllo", onUploadProgress })).json()) as Echo;
  assert.equal(text.data, "héllo");
  assert.equal(text.headers["content-type"], "text/plain; charset=utf-8");
  assert.deepEqual(reports.at(-1), { loaded: 6, total: 6 });
  const json = (await (await session.post("post", { json: { a: 1 }, onUploadProgress })).json()) as Echo;
  assert.equal(json.data, '{"a":1}');
  assert.equal(json.headers["content-type"], "application/json");
  const form = (await (await session.post("post", { data: { a: "1", b: "x y" }, onUploadProgress })).json()) as Echo;
  assert.deepEqual(form.form, { a: "1", b: "x y" });
});

test("upload progress: a Blob reports its size as total", async () => {
  const bytes = seeded(700_000, 12);
  const { reports, onUploadProgress } = progressLog();
  const resp = await session.post("hash", { data: new Blob([bytes]), onUploadProgress });
  assert.deepEqual(await resp.json(), { bytes: bytes.byteLength, sha256: sha256(bytes) });
  assert.deepEqual(reports.at(-1), { loaded: 700_000, total: 700_000 });
});

test("a file part keeps the name given to append(), also for a blob of fs.openAsBlob where the runtime has it", async () => {
  const dir = await mkdtemp(join(tmpdir(), "aiofetch-upload-"));
  try {
    const path = join(dir, "on-disk-name.csv");
    await writeFile(path, "a,b\n1,2\n");
    const openAsBlob = (fs as { openAsBlob?: (path: string, options?: { type?: string }) => Promise<Blob> }).openAsBlob;
    const blob = openAsBlob ? await openAsBlob(path, { type: "text/csv" }) : new Blob(["a,b\n1,2\n"], { type: "text/csv" });
    const form = new FormData();
    form.append("file", blob, "report.csv");
    const echo = (await (await session.post("post", { data: form })).json()) as Echo;
    assert.equal(echo.files.file!.filename, "report.csv");
    assert.equal(echo.files.file!.content, "a,b\n1,2\n");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("upload progress: FormData with a large Blob, streamed by the runtime's encoder", async () => {
  const bytes = seeded(4_000_000, 13);
  const form = new FormData();
  form.append("note", "hello");
  form.append("file", new Blob([bytes]), "big.bin");
  const { reports, onUploadProgress } = progressLog();
  const echo = (await (await session.post("post", { data: form, onUploadProgress })).json()) as Echo;
  assert.match(echo.headers["content-type"]!, /^multipart\/form-data; boundary=/);
  assert.deepEqual(echo.form, { note: "hello" });
  assert.equal(echo.files.file!.filename, "big.bin");
  assert.equal(echo.files.file!.size, 4_000_000);
  const last = reports.at(-1)!;
  assert.equal(last.loaded, echo.bodyLength);
  assert.equal(last.total, echo.bodyLength);
});

test("upload progress: a stream sent with a Content-Length reports it as total", async () => {
  const bytes = seeded(300_000, 14);
  const { reports, onUploadProgress } = progressLog();
  const resp = await session.post("hash", {
    data: new Blob([bytes]).stream(),
    headers: { "content-length": "300000" },
    onUploadProgress,
  });
  assert.deepEqual(await resp.json(), { bytes: bytes.byteLength, sha256: sha256(bytes) });
  assert.ok(reports.every((report) => report.total === 300_000));
});

test("uploads: a 307 resends bytes sent with progress; a one-shot stream cannot be resent", async () => {
  const redirect = { url: "/hash", status_code: "307" };
  const bytes = seeded(100_000, 15);
  const reports: UploadProgress[] = [];
  const onUploadProgress = (progress: UploadProgress) => void reports.push(progress);
  const resp = await session.post("redirect-to", { params: redirect, data: bytes, onUploadProgress });
  assert.deepEqual(await resp.json(), { bytes: bytes.byteLength, sha256: sha256(bytes) });
  assert.equal(reports.filter((report) => report.loaded === 100_000).length, 2, "the count starts again on the resend");
  await assert.rejects(session.post("redirect-to", { params: redirect, data: new Blob([bytes]).stream() }), (err: unknown) => {
    assert.ok(err instanceof ClientPayloadError, String(err));
    assert.match((err as Error).message, /one-shot stream cannot be replayed/);
    return true;
  });
});

test("an exception from onUploadProgress aborts the request and comes out as is; the slot is freed", async () => {
  await using session = new ClientSession({ baseUrl: `${server.url}/`, limit: 1 });
  const mine = new Error("stop the upload");
  await assert.rejects(
    session.post("hash", { data: seeded(1 << 20, 7), onUploadProgress: () => { throw mine; } }),
    (err: unknown) => err === mine,
  );
  const after = await session.get("get", { timeout: { total: 5_000 } });
  assert.equal(after.status, 200, "the single slot was given back");
  await after.release();
});
