import { after, test } from "node:test";
import assert from "node:assert/strict";
import { ClientSession } from "../mod.ts";
import { startServer } from "./server/mod.ts";

const server = await startServer();
after(() => server.close());

async function sentHeaders(session: ClientSession, options: Parameters<ClientSession["get"]>[1] = {}): Promise<Record<string, string>> {
  const resp = await session.get(`${server.url}/headers`, options);
  return ((await resp.json()) as { headers: Record<string, string> }).headers;
}

test("default headers: Accept, Accept-Encoding gzip/deflate/br, User-Agent aiofetch/<version>", async () => {
  await using session = new ClientSession();
  const headers = await sentHeaders(session);
  assert.equal(headers.accept, "*/*");
  assert.equal(headers["accept-encoding"], "gzip, deflate, br");
  assert.match(headers["user-agent"]!, /^aiofetch\/\d+\.\d+\.\d+/);
});

test("skipAutoHeaders on the session leaves the header to the runtime", async () => {
  await using session = new ClientSession({ skipAutoHeaders: ["User-Agent"] });
  const headers = await sentHeaders(session);
  assert.doesNotMatch(headers["user-agent"] ?? "", /aiofetch/);
  assert.equal(headers.accept, "*/*");
});

test("skipAutoHeaders on a request adds to the session's", async () => {
  await using session = new ClientSession({ skipAutoHeaders: ["accept"] });
  assert.match((await sentHeaders(session))["user-agent"]!, /aiofetch/);
  const headers = await sentHeaders(session, { skipAutoHeaders: ["user-agent"] });
  assert.doesNotMatch(headers["user-agent"] ?? "", /aiofetch/);
});

test("request headers override session headers key by key", async () => {
  await using session = new ClientSession({ headers: { "X-Session": "s", "X-Both": "session", Accept: "text/html" } });
  const headers = await sentHeaders(session, { headers: new Headers({ "x-both": "request", "X-Request": "r" }) });
  assert.equal(headers["x-session"], "s");
  assert.equal(headers["x-both"], "request");
  assert.equal(headers["x-request"], "r");
  assert.equal(headers.accept, "text/html", "an explicit Accept replaces the auto header");
});

test("headers may be given as pairs; undefined values are skipped", async () => {
  await using session = new ClientSession();
  const headers = await sentHeaders(session, { headers: { "X-Kept": "1", "X-Skipped": undefined } });
  assert.equal(headers["x-kept"], "1");
  assert.ok(!("x-skipped" in headers));
  const fromPairs = await sentHeaders(session, { headers: [["X-Pair", "a"]] });
  assert.equal(fromPairs["x-pair"], "a");
});

for (const [label, headers] of [
  ["CR/LF in a value", { "X-Evil": "a\r\nInjected: 1" }],
  ["LF in a name", { "X-Evil\nInjected": "1" }],
  ["NUL in a value", { "X-Evil": "a\0b" }],
  ["a character fetch cannot send", { "X-Name": "Zoë 🙂" }],
] as const) {
  test(`a header with ${label} is refused before anything is sent`, async () => {
    let calls = 0;
    await using session = new ClientSession({ fetch: (input, init) => (calls++, fetch(input, init)) });
    await assert.rejects(session.get(`${server.url}/headers`, { headers }), (err: unknown) => {
      assert.ok(err instanceof TypeError);
      assert.match((err as Error).message, /GET http:\/\/127\.0\.0\.1:\d+\/headers: header .* contains CR, LF, NUL/);
      return true;
    });
    assert.equal(calls, 0);
  });
}

test("an invalid header name is a TypeError naming it; names like __proto__ are plain headers", async () => {
  let calls = 0;
  await using session = new ClientSession({ fetch: (input, init) => (calls++, fetch(input, init)) });
  await assert.rejects(session.get(`${server.url}/headers`, { headers: { "X Bad": "1" } }), (err: unknown) => {
    assert.ok(err instanceof TypeError);
    assert.match((err as Error).message, /^GET http:\/\/127\.0\.0\.1:\d+\/headers: "X Bad" is not a valid header name$/);
    return true;
  });
  assert.equal(calls, 0);
  const resp = await session.get(`${server.url}/headers`, { headers: [["__proto__", "p"], ["toString", "t"], ["X-Twice", "a"], ["x-twice", "b"]] });
  const headers = ((await resp.json()) as { headers: Record<string, string> }).headers;
  assert.equal(headers.tostring, "t");
  assert.equal(headers["x-twice"], "a, b");
  // The test server's parser drops a header named __proto__; what went to fetch had it.
  assert.equal(resp.requestInfo.headers.get("__proto__"), "p");
});

test("session headers with CR/LF are refused too", async () => {
  await using session = new ClientSession({ headers: { "X-Evil": "a\r\nb" } });
  await assert.rejects(session.get(`${server.url}/headers`), TypeError);
});
