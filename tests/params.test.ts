import { after, test } from "node:test";
import assert from "node:assert/strict";
import { ClientSession } from "../mod.ts";
import { startServer } from "./server/mod.ts";

const server = await startServer();
const session = new ClientSession({ baseUrl: `${server.url}/` });
after(async () => {
  await session.close();
  await server.close();
});

async function query(url: string, params: unknown): Promise<string> {
  const resp = await session.get(url, { params: params as never });
  return ((await resp.json()) as { rawQuery: string }).rawQuery;
}

test("params: object, with arrays repeating the key", async () => {
  assert.equal(await query("get", { a: "1", b: ["x", "y"], c: 3 }), "a=1&b=x&b=y&c=3");
});

test("params: pairs keep their order and repeats", async () => {
  assert.equal(await query("get", [["z", "1"], ["a", "2"], ["z", "3"]]), "z=1&a=2&z=3");
});

test("params: URLSearchParams", async () => {
  assert.equal(await query("get", new URLSearchParams("q=hello world&x=1")), "q=hello+world&x=1");
});

test("params: a string is sent verbatim", async () => {
  assert.equal(await query("get", "a=1+2&b=%2F&c"), "a=1+2&b=%2F&c");
});

test("params: appended to the URL's own query", async () => {
  assert.equal(await query("get?existing=1", { added: "2" }), "existing=1&added=2");
});

test("params: numbers, bigints and booleans are stringified; undefined is skipped", async () => {
  assert.equal(await query("get", { n: 1.5, big: 10n, yes: true, no: false, skip: undefined }), "n=1.5&big=10&yes=true&no=false");
});

test("params: special characters are encoded inside values", async () => {
  const resp = await session.get("get", { params: { q: "a+b&c=d;é", "k y": "v" } });
  const echoed = (await resp.json()) as { args: Record<string, string>; rawQuery: string };
  assert.deepEqual(echoed.args, { q: "a+b&c=d;é", "k y": "v" });
  assert.equal(echoed.rawQuery, "q=a%2Bb%26c%3Dd%3B%C3%A9&k+y=v");
});

for (const [label, value] of [["null", null], ["an object", { nested: 1 }], ["a symbol", Symbol("s")]] as const) {
  test(`params: ${label} value is a TypeError naming the request and the key`, async () => {
    await assert.rejects(session.get("get", { params: { good: "1", bad: value } as never }), (err: unknown) => {
      assert.ok(err instanceof TypeError);
      assert.match((err as Error).message, /^GET http:\/\/127\.0\.0\.1:\d+\/get: params: the value of "bad" is /);
      return true;
    });
  });
}
