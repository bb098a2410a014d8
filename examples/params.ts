/**
 * Query parameters: an object (an array value repeats the key), pairs in
 * order, URLSearchParams, or a string sent as it is; appended to any query
 * the URL already has.
 *
 * aiohttp:
 *   await session.get(url, params={"key1": "value1", "key2": "value2"})
 *   await session.get(url, params=[("key", "value1"), ("key", "value2")])
 *   await session.get(url, params="key=value+1")
 *
 * Run: deno run -A examples/params.ts, bun examples/params.ts, or
 * npx tsc -p tsconfig.json && node .build/examples/params.js
 */
import assert from "node:assert/strict";
import { ClientSession, type Params } from "../mod.ts";
import { exampleServer } from "./example_server.ts";

await using server = await exampleServer();
await using session = new ClientSession({ baseUrl: `${server.url}/` });

/** The query a request was sent with, and the arguments the server read from it. */
async function sendWith(params: Params, path = "anything"): Promise<string> {
  const resp = await session.get(path, { params });
  const { args } = await resp.json<{ args: unknown }>();
  console.log(`${resp.url.search.padEnd(28)} server read ${JSON.stringify(args)}`);
  return resp.url.search;
}

assert.equal(await sendWith({ key1: "value1", key2: "value2" }), "?key1=value1&key2=value2");
assert.equal(await sendWith({ key: ["value1", "value2"] }), "?key=value1&key=value2");
assert.equal(await sendWith([["b", "2"], ["a", "1"]]), "?b=2&a=1"); // pairs keep their order
assert.equal(await sendWith("key=value+1"), "?key=value+1"); // a string goes as it is: + stays +
assert.equal(await sendWith({ q: "a b&c" }), "?q=a+b%26c"); // values are encoded: space as +, & escaped
assert.equal(await sendWith({ page: 2, draft: false, tag: undefined }), "?page=2&draft=false"); // aiohttp refuses booleans
assert.equal(await sendWith(new URLSearchParams({ sort: "name" }), "anything?lang=en"), "?lang=en&sort=name"); // appended
