/**
 * Request bodies: a form, JSON, text, a file in a multipart FormData (a Blob
 * with a filename), and a streamed upload with progress.
 *
 * aiohttp:
 *   await session.post(url, data={"key": "value"})            # form
 *   await session.post(url, json={"test": "object"})          # JSON
 *   data = aiohttp.FormData()
 *   data.add_field("file", open("report.csv", "rb"), filename="report.csv", content_type="text/csv")
 *   await session.post(url, data=data)                         # multipart
 *   with open("report.csv", "rb") as f: await session.post(url, data=f)   # streamed
 *
 * Run: deno run -A examples/upload.ts, bun examples/upload.ts, or
 * npx tsc -p tsconfig.json && node .build/examples/upload.js
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClientSession } from "../mod.ts";
import { exampleServer } from "./example_server.ts";

interface Echo {
  form: Record<string, string>;
  files: Record<string, { filename: string; type: string; size: number }>;
  json: unknown;
  bytes: number;
}

/**
 * A file as a Blob: fs.openAsBlob (Node 19.8+, Deno, Bun) reads it from disk
 * as it is sent; Node 18 has no openAsBlob, so there the file is read into memory.
 */
async function fileBlob(path: string, type: string): Promise<Blob> {
  if (typeof fs.openAsBlob === "function") return fs.openAsBlob(path, { type });
  return new Blob([await readFile(path)], { type });
}

await using server = await exampleServer();
await using session = new ClientSession({ baseUrl: `${server.url}/` });
const folder = await mkdtemp(join(tmpdir(), "aiofetch-upload-"));
try {
  const form = await (await session.post("anything", { data: { key1: "value1", key2: "value2" } })).json<Echo>();
  console.log("form", form.form);
  assert.deepEqual(form.form, { key1: "value1", key2: "value2" });

  const json = await (await session.post("anything", { json: { test: "object" } })).json<Echo>();
  console.log("json", json.json);
  assert.deepEqual(json.json, { test: "object" });

  const path = join(folder, "report.csv");
  const csv = "month,total\njanuary,42\n";
  await writeFile(path, csv);
  const multipart = new FormData();
  multipart.append("file", await fileBlob(path, "text/csv"), "report.csv"); // the filename, aiohttp's filename=
  multipart.append("comment", "monthly report");
  const files = await (await session.post("anything", { data: multipart })).json<Echo>();
  console.log("multipart", files.files, files.form);
  assert.equal(files.files.file?.size, csv.length);
  assert.equal(files.files.file?.type, "text/csv");
  assert.equal(files.files.file?.filename, "report.csv");

  const streamed = await session.post("anything", {
    data: fs.createReadStream(path), // a Node stream, a ReadableStream or an async generator: sent chunked
    onUploadProgress: ({ loaded, total }) => console.log(`sent ${loaded}/${total ?? "?"} bytes`),
  });
  assert.equal((await streamed.json<Echo>()).bytes, csv.length);
} finally {
  await rm(folder, { recursive: true, force: true });
}
