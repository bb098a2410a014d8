/**
 * Timeouts, in milliseconds where aiohttp counts seconds: a session's
 * ClientTimeout, a request's own (which replaces it entirely), the
 * ServerTimeoutError a timeout throws, and a standard AbortSignal, whose
 * reason comes out untouched.
 *
 * aiohttp:
 *   timeout = aiohttp.ClientTimeout(total=10, connect=5)      # seconds
 *   async with aiohttp.ClientSession(timeout=timeout) as session:
 *       try:
 *           await session.get(url, timeout=aiohttp.ClientTimeout(total=0.3))
 *       except asyncio.TimeoutError: ...
 *
 * Run: deno run -A examples/timeouts.ts, bun examples/timeouts.ts, or
 * npx tsc -p tsconfig.json && node .build/examples/timeouts.js
 */
import assert from "node:assert/strict";
import { ClientSession, ClientTimeout, ServerTimeoutError } from "../mod.ts";
import { exampleServer } from "./example_server.ts";

await using server = await exampleServer();
await using session = new ClientSession({
  baseUrl: `${server.url}/`,
  timeout: new ClientTimeout({ total: 10_000, connect: 5_000 }), // 10 s and 5 s
});

const quick = await session.get("delay/0.1"); // well within the session's 10 s
console.log("delay/0.1:", quick.status);
await quick.release();

// A request's timeout replaces the session's as a whole: here total is 300 ms and connect is off.
const timedOut = await session.get("delay/2", { timeout: { total: 300 } }).catch((err: unknown) => err);
assert.ok(timedOut instanceof ServerTimeoutError);
console.log(`${timedOut.name}: ${timedOut.message}`);

// aiohttp's async_timeout.timeout(…) around a request: a standard AbortSignal.
const aborted = await session.get("delay/2", { signal: AbortSignal.timeout(300) }).catch((err: unknown) => err);
assert.ok(aborted instanceof Error);
console.log(`AbortSignal.timeout: ${aborted.name}`); // the signal's own reason, a TimeoutError DOMException
