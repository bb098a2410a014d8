/**
 * Streamed downloads: a body written to a file chunk by chunk with
 * `resp.content`, the body as a web ReadableStream (`resp.body`), and
 * `session.download()` with progress and a SHA-256, none holding the body in
 * memory. node:fs/promises is asynchronous already: no aiofiles needed.
 *
 * aiohttp:
 *   async with session.get(url) as resp:
 *       async with aiofiles.open("data.bin", "wb") as fd:
 *           async for chunk in resp.content.iter_chunked(16384):
 *               await fd.write(chunk)
 *
 * Run: deno run -A examples/streaming_download.ts, bun examples/streaming_download.ts, or
 * npx tsc -p tsconfig.json && node .build/examples/streaming_download.js
 */
import assert from "node:assert/strict";
import { mkdtemp, open, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClientSession } from "../mod.ts";
import { exampleServer } from "./example_server.ts";

const SIZE = 256 * 1024;

await using server = await exampleServer();
// `total` covers reading the body too: a large download turns it off and bounds the silence instead.
await using session = new ClientSession({ baseUrl: `${server.url}/`, timeout: { total: 0, sockRead: 30_000 } });
const folder = await mkdtemp(join(tmpdir(), "aiofetch-download-"));
try {
  const resp = await session.get(`bytes/${SIZE}`);
  const file = await open(join(folder, "chunks.bin"), "w");
  try {
    for await (const chunk of resp.content.iterChunked(16 * 1024)) await file.write(chunk);
  } finally {
    await file.close();
  }
  console.log("content.iterChunked:", (await stat(join(folder, "chunks.bin"))).size, "bytes on disk");

  const streamed = await session.get(`bytes/${SIZE}`);
  let counted = 0;
  await streamed.body.pipeTo(new WritableStream({ write: (chunk) => void (counted += chunk.byteLength) }));
  console.log("body.pipeTo:", counted, "bytes");
  assert.equal(counted, SIZE);

  let reports = 0;
  const result = await session.download(`bytes/${SIZE}`, join(folder, "download.bin"), {
    checksum: { algorithm: "SHA-256" }, // computed as the body streams; give `expected` to check it
    onDownloadProgress: ({ loaded, total }) => {
      reports++;
      if (loaded === total) console.log(`download: ${loaded}/${total} bytes`);
    },
  });
  console.log(`download(): ${result.bytes} bytes, ${reports} progress reports, sha256 ${result.sha256?.slice(0, 16)}…`);
  assert.equal((await stat(join(folder, "download.bin"))).size, SIZE);
} finally {
  await rm(folder, { recursive: true, force: true });
}
