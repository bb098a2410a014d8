/**
 * Concurrency limits: a TCPConnector with `limit` and `limitPerHost` (aiohttp's
 * limit and limit_per_host) under 24 requests sent at once; the server reports
 * how many it was handling together, never more than the limit. Each
 * response holds its slot until its body is read or released.
 *
 * aiohttp:
 *   connector = aiohttp.TCPConnector(limit=10, limit_per_host=4)
 *   async with aiohttp.ClientSession(connector=connector) as session:
 *       results = await asyncio.gather(*(fetch(session, url) for url in urls), return_exceptions=True)
 *
 * Run: deno run -A examples/concurrency.ts, bun examples/concurrency.ts, or
 * npx tsc -p tsconfig.json && node .build/examples/concurrency.js
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { ClientSession, TCPConnector } from "../mod.ts";
import { exampleServer } from "./example_server.ts";

const PER_HOST = 4;

await using server = await exampleServer();
const connector = new TCPConnector({ limit: 10, limitPerHost: PER_HOST });
await using session = new ClientSession({ baseUrl: `${server.url}/`, connector }); // closes the connector too

const key = randomUUID(); // this run's requests, counted apart from any other client's
const started = performance.now();
// Promise.allSettled is asyncio.gather(..., return_exceptions=True): one failure does not hide the others.
const results = await Promise.allSettled(Array.from({ length: 24 }, async () => {
  const resp = await session.get(`slow/${key}`, { params: { ms: 50 } });
  return (await resp.json<{ concurrent: number }>()).concurrent; // reading the body frees the slot
}));
const seen = results.map((result) => (result.status === "fulfilled" ? result.value : 0));
console.log(`24 requests in ${(performance.now() - started).toFixed(0)} ms; at most ${Math.max(...seen)} at once on the server`);
assert.ok(results.every((result) => result.status === "fulfilled"));
assert.ok(Math.max(...seen) <= PER_HOST);
