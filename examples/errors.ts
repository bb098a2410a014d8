/**
 * Errors: one hierarchy on every runtime, each message naming the request.
 * A 4xx raised by `raiseForStatus`, a timeout, a host that does not resolve
 * and a body that is not JSON, each caught by its class; all are ClientErrors.
 *
 * aiohttp:
 *   try:
 *       async with session.get(url) as resp:
 *           resp.raise_for_status()
 *   except aiohttp.ClientResponseError as e: print(e.status)
 *   except asyncio.TimeoutError: ...
 *   except aiohttp.ClientConnectorError: ...
 *
 * Run: deno run -A examples/errors.ts, bun examples/errors.ts, or
 * npx tsc -p tsconfig.json && node .build/examples/errors.js
 */
import assert from "node:assert/strict";
import {
  ClientConnectorDNSError,
  ClientError,
  ClientResponseError,
  ClientSession,
  ContentTypeError,
  ServerTimeoutError,
} from "../mod.ts";
import { exampleServer } from "./example_server.ts";

await using server = await exampleServer();
await using session = new ClientSession({ baseUrl: `${server.url}/`, raiseForStatus: true, timeout: { total: 5_000 } });

/** What a request failed with; the examples below expect each to fail. */
async function failureOf(attempt: () => Promise<unknown>): Promise<ClientError> {
  const err = await attempt().then(() => undefined, (err: unknown) => err);
  if (!(err instanceof ClientError)) throw new Error(`expected a ClientError, got ${String(err)}`);
  console.log(`${err.name}: ${err.message}`);
  return err;
}

const notFound = await failureOf(() => session.get("status/404"));
assert.ok(notFound instanceof ClientResponseError && notFound.status === 404);

const slow = await failureOf(() => session.get("delay/2", { timeout: { total: 200 } }));
assert.ok(slow instanceof ServerTimeoutError); // aiohttp users catch asyncio.TimeoutError here

const nowhere = await failureOf(() => session.get("http://nonexistent.invalid/"));
assert.ok(nowhere instanceof ClientConnectorDNSError); // a ClientConnectorError, as in aiohttp

const notJson = await failureOf(async () => (await session.get("bytes/10")).json());
assert.ok(notJson instanceof ContentTypeError); // json({ contentType: null }) skips the check
