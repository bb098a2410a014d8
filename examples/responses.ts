/**
 * Responses: status, headers, the body as text, JSON or bytes, and
 * `content.read(n)` in a loop until the end of the body. At the end read(n)
 * gives an empty Uint8Array, which is truthy in JavaScript: test its
 * byteLength, not the chunk itself.
 *
 * aiohttp:
 *   print(resp.status, resp.headers["Content-Type"], await resp.json())
 *   while True:
 *       chunk = await resp.content.read(1024)
 *       if not chunk:          # b"" is falsy in Python
 *           break
 *
 * Run: deno run -A examples/responses.ts, bun examples/responses.ts, or
 * npx tsc -p tsconfig.json && node .build/examples/responses.js
 */
import assert from "node:assert/strict";
import { ClientSession, ContentTypeError } from "../mod.ts";
import { exampleServer } from "./example_server.ts";

await using server = await exampleServer();
await using session = new ClientSession({ baseUrl: `${server.url}/` });

const resp = await session.get("anything/info");
console.log(resp.status, resp.reason, resp.ok, resp.url.pathname);
console.log(resp.headers.get("Content-Type"), resp.contentType, resp.contentLength); // Headers: any case
const { method } = await resp.json<{ method: string }>();
assert.equal(method, "GET");

const bytes = await session.get("bytes/100");
assert.equal((await bytes.read()).byteLength, 100); // read() is cached: text() and json() reuse it
await assert.rejects(bytes.json(), ContentTypeError); // application/octet-stream is not JSON

const big = await session.get("bytes/100000");
let received = 0;
let reads = 0;
while (true) {
  const chunk = await big.content.read(1024); // at most 1024 bytes, as soon as some are there
  if (chunk.byteLength === 0) break; // the end; `if (!chunk)` would never be true
  received += chunk.byteLength;
  reads++;
}
console.log(`read ${received} bytes in ${reads} reads; at EOF: ${big.content.atEof()}`);
assert.equal(received, 100_000);
