import { after, test } from "node:test";
import assert from "node:assert/strict";
import { ClientResponseError, ClientSession, ContentTypeError, JSONDecodeError } from "../mod.ts";
import { inspect } from "node:util";
import { seededBytes, startServer } from "./server/mod.ts";

const server = await startServer();
const session = new ClientSession({ baseUrl: `${server.url}/` });
after(async () => {
  await session.close();
  await server.close();
});

test("status, reason, ok, method, url, headers", async () => {
  const resp = await session.get("status/404");
  assert.equal(resp.status, 404);
  assert.equal(resp.reason, "Not Found");
  assert.equal(resp.ok, false);
  assert.equal(resp.method, "GET");
  assert.equal(resp.url.href, `${server.url}/status/404`);
  assert.ok(resp.headers instanceof Headers);
  assert.equal(resp.headers.get("content-type"), "text/plain");
  await resp.release();
  const redirectish = await session.get("status/302");
  assert.equal(redirectish.ok, true, "ok is status < 400, as in aiohttp");
  await redirectish.release();
});

test("url drops the fragment", async () => {
  const resp = await session.get("get#section");
  assert.equal(resp.url.hash, "");
  await resp.release();
});

test("contentType, charset, contentLength", async () => {
  const html = await session.get("html", { params: { charset: "ISO-8859-1" } });
  assert.equal(html.contentType, "text/html");
  assert.equal(html.charset, "iso-8859-1");
  assert.equal(html.contentLength, 12, "<p>héllo</p> in latin1");
  await html.release();
  const bare = await session.get("body", { params: { text: "x" } });
  assert.equal(bare.contentType, "application/octet-stream", "the default, as in aiohttp");
  assert.equal(bare.charset, undefined);
  await bare.release();
});

test("text(): charset from Content-Type, UTF-8 by default, or the encoding given", async () => {
  const latin1 = await session.get("html", { params: { charset: "latin1", text: "café" } });
  assert.equal(await latin1.text(), "café");
  const utf8 = await session.get("html", { params: { text: "naïve ✓" } });
  assert.equal(await utf8.text(), "naïve ✓");
  const forced = await session.get("html", { params: { text: "café" } });
  assert.equal(await forced.text("latin1"), "cafÃ©");
  const unknown = await session.get("html");
  await assert.rejects(unknown.text("no-such-encoding"), /unknown text encoding "no-such-encoding"/);
});

test("json(): parses; application/*+json accepted", async () => {
  const resp = await session.get("body", { params: { type: "application/problem+json", text: '{"a":1}' } });
  assert.deepEqual(await resp.json(), { a: 1 });
  const generic = await session.get("get", { params: { k: "v" } });
  const parsed = await generic.json<{ args: Record<string, string> }>();
  assert.deepEqual(parsed.args, { k: "v" });
});

test("json(): a wrong content type is a ContentTypeError unless contentType: null", async () => {
  const resp = await session.get("body", { params: { type: "text/html", text: '{"a":1}' } });
  await assert.rejects(resp.json(), (err: unknown) => {
    assert.ok(err instanceof ContentTypeError);
    assert.ok(err instanceof ClientResponseError);
    assert.equal(err.status, 200);
    assert.match(err.message, /unexpected mimetype: text\/html/);
    assert.match(err.message, /GET http:\/\/127\.0\.0\.1:\d+\/body/);
    return true;
  });
  assert.deepEqual(await resp.json({ contentType: null }), { a: 1 }, "the body is still there");
  const custom = await session.get("body", { params: { type: "text/x-json", text: "[1]" } });
  assert.deepEqual(await custom.json({ contentType: "text/x-json" }), [1]);
});

test("json(): an empty body is null; a custom loads is used", async () => {
  const empty = await session.get("body", { params: { type: "application/json", text: "" } });
  assert.equal(await empty.json(), null);
  const custom = await session.get("body", { params: { type: "application/json", text: "[1,2]" } });
  assert.deepEqual(await custom.json({ loads: (text) => ({ length: text.length }) }), { length: 5 });
});

test("read(): exact bytes, cached for text() and json()", async () => {
  const resp = await session.get("bytes/5000", { params: { seed: 7 } });
  const bytes = await resp.read();
  assert.ok(bytes instanceof Uint8Array);
  assert.deepEqual(bytes, seededBytes(5000, 7));
  assert.equal(await resp.read(), bytes, "the same cached array");
  const json = await session.get("get");
  assert.equal(typeof (await json.text()), "string");
  assert.equal(typeof (await json.json()), "object", "text() then json() both work");
});

test("gzip and brotli bodies are decoded", async () => {
  for (const kind of ["gzip", "brotli"]) {
    const resp = await session.get(kind);
    const body = (await resp.json()) as Record<string, unknown>;
    assert.equal(body[`${kind}ped`], true, kind);
  }
});

test("body: a standard ReadableStream; one consumer only", async () => {
  const resp = await session.get("bytes/3000", { params: { seed: 3 } });
  const stream = resp.body;
  assert.equal(typeof stream.getReader, "function");
  assert.equal(resp.body, stream, "the same stream on every access");
  const chunks: Uint8Array[] = [];
  await stream.pipeTo(new WritableStream({ write: (chunk) => void chunks.push(chunk) }));
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  assert.equal(total, 3000);
  await assert.rejects(resp.read(), /cannot use read\(\), the body was already consumed as a stream/);
  const buffered = await session.get("get");
  await buffered.read();
  assert.throws(() => buffered.body, /cannot use body, the body was already consumed by read/);
});

test("raiseForStatus(): ClientResponseError with status, message, headers, requestInfo; body still readable", async () => {
  const resp = await session.get("status/409", { headers: { "X-Probe": "1" } });
  assert.throws(() => resp.raiseForStatus(), (err: unknown) => {
    assert.ok(err instanceof ClientResponseError);
    assert.equal(err.status, 409);
    assert.equal(err.headers.get("content-type"), "text/plain");
    assert.equal(err.requestInfo.method, "GET");
    assert.equal(err.requestInfo.headers.get("x-probe"), "1");
    assert.deepEqual(err.history, []);
    assert.match(err.message, /^GET http:\/\/127\.0\.0\.1:\d+\/status\/409: 409, message="Conflict"$/);
    assert.equal(err.reason, "Conflict");
    return true;
  });
  assert.equal(await resp.text(), "status 409");
  const fine = await session.get("status/201");
  fine.raiseForStatus();
  await fine.release();
});

test("requestInfo: the URL, method and headers actually sent", async () => {
  const resp = await session.post("post", { params: { q: "1" }, json: {}, headers: { "X-A": "b" } });
  assert.equal(resp.requestInfo.url.href, `${server.url}/post?q=1`);
  assert.equal(resp.requestInfo.method, "POST");
  assert.equal(resp.requestInfo.headers.get("x-a"), "b");
  assert.equal(resp.requestInfo.headers.get("content-type"), "application/json");
  assert.match(resp.requestInfo.headers.get("user-agent")!, /^aiofetch\//);
  await resp.release();
});

test("release() and await using free the response; HEAD and 204 have no body", async () => {
  const resp = await session.get("bytes/100000");
  assert.equal(resp.closed, false);
  await resp.release();
  assert.equal(resp.closed, true);
  await resp.release();
  {
    await using scoped = await session.get("bytes/100000");
    assert.equal(scoped.closed, false);
  }
  const head = await session.head("bytes/10");
  assert.equal(head.closed, true);
  assert.equal(head.contentLength, 10);
  assert.equal((await head.read()).length, 0);
  const noContent = await session.get("status/204");
  assert.equal(await noContent.text(), "");
});

test("a response prints as aiohttp's does, user info hidden: String(), console.log and inspect alike", async () => {
  const resp = await session.get("status/404");
  assert.match(String(resp), /^<ClientResponse\(http:\/\/127\.0\.0\.1:\d+\/status\/404\) \[404 Not Found\]>$/);
  assert.equal(inspect(resp), String(resp));
  await resp.release();
  const withUser = await session.get(`${server.url.replace("//", "//user:secret@")}/get`);
  assert.doesNotMatch(`${withUser} ${inspect(withUser)}`, /secret/);
  await withUser.release();
});

test("reason is the status's registered phrase on every runtime, whatever the server sent", async () => {
  const custom = await session.get("status/200", { params: { reason: "Fine Thanks" } });
  assert.equal(custom.reason, "OK");
  await custom.release();
  for (const [status, reason] of [[418, "I'm a teapot"], [422, "Unprocessable Content"], [599, ""]] as const) {
    const resp = await session.get(`status/${status}`);
    assert.equal(resp.reason, reason, `status ${status}`);
    await resp.release();
  }
});

test("json() of a body that is not JSON throws JSONDecodeError naming the request; the text stays readable", async () => {
  const resp = await session.get("body", { params: { type: "application/json", text: "{not json" } });
  await assert.rejects(resp.json(), (err: Error) => {
    assert.ok(err instanceof JSONDecodeError && err instanceof ClientResponseError);
    assert.match(err.message, /^GET http:\/\/127\.0\.0\.1:\d+\/body\?\S+: 200, message="the body is not valid JSON: .+"$/);
    assert.ok(err.cause instanceof SyntaxError);
    assert.equal(err.status, 200);
    return true;
  });
  assert.equal(await resp.text(), "{not json");
});
