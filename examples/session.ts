/**
 * Sessions: one ClientSession for many requests, with a base URL and headers
 * that every request shares, closed by `await using`; and a one-shot
 * request() without a session.
 *
 * aiohttp:
 *   async with aiohttp.ClientSession(base_url=url, headers={"User-Agent": "..."}) as session:
 *       async with session.get("/anything/hello") as resp:
 *           print(resp.status, await resp.json())
 *   async with aiohttp.request("GET", url) as resp: ...
 *
 * Run: deno run -A examples/session.ts, bun examples/session.ts, or
 * npx tsc -p tsconfig.json && node .build/examples/session.js
 */
import assert from "node:assert/strict";
import { ClientSession, request } from "../mod.ts";
import { exampleServer } from "./example_server.ts";

interface Echo {
  method: string;
  headers: Record<string, string>;
  data: string;
}

await using server = await exampleServer();
await using session = new ClientSession({
  baseUrl: `${server.url}/`, // relative URLs resolve against it; keep the trailing slash
  headers: { "User-Agent": "aiofetch-examples/1.0" },
});

const resp = await session.get("anything/hello");
const echo = await resp.json<Echo>();
console.log(resp.status, echo.method, echo.headers["user-agent"]);
assert.equal(echo.headers["user-agent"], "aiofetch-examples/1.0");

// A request's own headers replace the session's, name by name.
const posted = await session.post("anything/hello", { data: "hi", headers: { "User-Agent": "once/2.0" } });
const sent = await posted.json<Echo>();
console.log(posted.status, sent.method, sent.headers["user-agent"], sent.data);
assert.equal(sent.headers["user-agent"], "once/2.0");

// A response whose body you don't read: `await using` releases it, as leaving aiohttp's `async with` does.
{
  await using head = await session.head("anything/hello");
  console.log("HEAD", head.status, head.headers.get("content-type"));
}

// No session: aiohttp.request().
const once = await request("GET", `${server.url}/anything/once`);
console.log("request()", once.status);
await once.release();
