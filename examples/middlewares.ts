/**
 * Middlewares and hooks: a logging middleware that sees every hop (redirects
 * included), the built-in retry() middleware against a server that fails
 * twice, and a TraceConfig timing each request.
 *
 * aiohttp (3.12+):
 *   async def logging(req, handler):
 *       resp = await handler(req)
 *       print(req.method, req.url, resp.status)
 *       return resp
 *   async with aiohttp.ClientSession(middlewares=(logging,), trace_configs=[trace]) as session: ...
 *
 * Run: deno run -A examples/middlewares.ts, bun examples/middlewares.ts, or
 * npx tsc -p tsconfig.json && node .build/examples/middlewares.js
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { type ClientMiddleware, ClientSession, retry, TraceConfig } from "../mod.ts";
import { exampleServer } from "./example_server.ts";

const logging: ClientMiddleware = async (request, handler) => {
  const response = await handler(request);
  console.log(`  ${request.method} ${request.url.pathname} → ${response.status}`);
  return response;
};

const timing = new TraceConfig();
timing.onRequestStart.push((ctx) => void (ctx.started = performance.now()));
timing.onRequestEnd.push((ctx, { url, response }) => {
  console.log(`  trace: ${url.pathname} ended ${response.status} in ${(performance.now() - (ctx.started as number)).toFixed(0)} ms`);
});

await using server = await exampleServer();
await using session = new ClientSession({
  baseUrl: `${server.url}/`,
  // The first is outermost: logging sees each attempt that retry() makes.
  middlewares: [retry({ attempts: 3, backoff: () => 50, onRetry: ({ retry: n, delay }) => console.log(`  retry ${n} in ${delay} ms`) }), logging],
  traceConfigs: [timing],
});

console.log("a redirect: the middleware sees both hops");
const redirected = await session.get("redirect/1");
await redirected.release();

console.log("a server that fails twice, then answers");
const flaky = await session.get(`flaky/${randomUUID()}`, { params: { fail: 2 } });
const { attempts } = await flaky.json<{ attempts: number }>();
console.log(`  ${flaky.status} after ${attempts} attempts`);
assert.equal(attempts, 3);
