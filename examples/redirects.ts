/**
 * Redirects: followed by aiofetch itself, with every hop in `history`; not
 * followed with `allowRedirects: false`; bounded by `maxRedirects`
 * (TooManyRedirects); and refused by a `beforeRedirect` hook.
 *
 * aiohttp:
 *   resp = await session.get(url)                        # resp.history
 *   resp = await session.get(url, allow_redirects=False)
 *   await session.get(url, max_redirects=2)              # raises TooManyRedirects
 *
 * Run: deno run -A examples/redirects.ts, bun examples/redirects.ts, or
 * npx tsc -p tsconfig.json && node .build/examples/redirects.js
 */
import assert from "node:assert/strict";
import { ClientSession, TooManyRedirects } from "../mod.ts";
import { exampleServer } from "./example_server.ts";

await using server = await exampleServer();
await using session = new ClientSession({ baseUrl: `${server.url}/` });

const resp = await session.get("redirect/3");
console.log(resp.url.pathname, "after", resp.history.map((hop) => `${hop.status} ${hop.url.pathname}`));
assert.equal(resp.history.length, 3);
await resp.release();

const first = await session.get("redirect/3", { allowRedirects: false });
console.log("not followed:", first.status, "Location:", first.headers.get("location"));
assert.equal(first.status, 302);

// aiohttp refuses the N-th redirect; aiofetch follows N and refuses the one after.
const tooMany = await session.get("redirect/5", { maxRedirects: 2 }).catch((err: unknown) => err);
assert.ok(tooMany instanceof TooManyRedirects);
console.log(`${tooMany.name} after ${tooMany.history.length} redirects`);

const refused = await session.get("redirect/2", {
  beforeRedirect(target) {
    if (target.pathname === "/redirect/1") throw new Error(`not following ${target.pathname}`);
  },
}).catch((err: unknown) => err);
assert.ok(refused instanceof Error);
console.log("beforeRedirect:", refused.message); // what the hook threw, as it is
