import { after, test } from "node:test";
import assert from "node:assert/strict";
import { ClientSession } from "../mod.ts";
import { type Echo, startServer } from "./server/mod.ts";

const server = await startServer();
const session = new ClientSession({ baseUrl: `${server.url}/` });
after(async () => {
  await session.close();
  await server.close();
});

async function post(options: Parameters<ClientSession["post"]>[1]): Promise<Echo> {
  const resp = await session.post("post", options);
  return (await resp.json()) as Echo;
}

test("json body: serialized, application/json", async () => {
  const echo = await post({ json: { a: [1, 2], b: "é" } });
  assert.deepEqual(echo.json, { a: [1, 2], b: "é" });
  assert.equal(echo.headers["content-type"], "application/json");
});

test("json body: the session's jsonSerialize is used", async () => {
  await using custom = new ClientSession({ jsonSerialize: (value) => JSON.stringify({ wrapped: value }) });
  const resp = await custom.post(`${server.url}/post`, { json: 5 });
  assert.deepEqual(((await resp.json()) as Echo).json, { wrapped: 5 });
});

test("data as object or pairs: urlencoded form", async () => {
  const fromObject = await post({ data: { user: "ann", tags: ["a", "b"], n: 1 } });
  assert.deepEqual(fromObject.form, { user: "ann", tags: ["a", "b"], n: "1" });
  assert.equal(fromObject.headers["content-type"], "application/x-www-form-urlencoded");
  const fromPairs = await post({ data: [["x", "1"], ["x", "2"]] });
  assert.deepEqual(fromPairs.form, { x: ["1", "2"] });
});

test("data as URLSearchParams: urlencoded form", async () => {
  const echo = await post({ data: new URLSearchParams({ a: "1 2" }) });
  assert.deepEqual(echo.form, { a: "1 2" });
  assert.equal(echo.headers["content-type"], "application/x-www-form-urlencoded");
});

test("data as string: text/plain; charset=utf-8", async () => {
  const echo = await post({ data: "héllo" });
  assert.equal(echo.data, "héllo");
  assert.equal(echo.headers["content-type"], "text/plain; charset=utf-8");
});

test("data as bytes or ArrayBuffer: application/octet-stream, exact length", async () => {
  const bytes = new Uint8Array([0, 1, 2, 255]);
  for (const data of [bytes, bytes.buffer, new DataView(bytes.buffer)]) {
    const echo = await post({ data });
    assert.equal(echo.headers["content-type"], "application/octet-stream");
    assert.equal(echo.bodyLength, 4);
    assert.equal(echo.headers["content-length"], "4");
  }
});

test("data as Blob: the Blob's type, or octet-stream", async () => {
  assert.equal((await post({ data: new Blob(["abc"], { type: "text/csv" }) })).headers["content-type"], "text/csv");
  const plain = await post({ data: new Blob(["abc"]) });
  assert.equal(plain.headers["content-type"], "application/octet-stream");
  assert.equal(plain.data, "abc");
});

test("data as FormData: multipart with file names kept, unnamed Blobs named", async () => {
  const form = new FormData();
  form.append("field", "value");
  form.append("doc", new Blob(["file body"], { type: "text/plain" }), "notes.txt");
  form.append("anon", new Blob(["anonymous"]));
  const echo = await post({ data: form });
  assert.match(echo.headers["content-type"]!, /^multipart\/form-data; boundary=/);
  assert.deepEqual(echo.form, { field: "value" });
  assert.equal(echo.files.doc!.filename, "notes.txt");
  assert.equal(echo.files.doc!.content, "file body");
  assert.match(echo.files.doc!.contentType, /^text\/plain/); // Bun adds ";charset=utf-8"
  assert.equal(echo.files.anon!.filename, "blob");
  assert.equal(echo.files.anon!.content, "anonymous");
});

test("an explicit Content-Type header wins over the body's", async () => {
  const echo = await post({ json: { a: 1 }, headers: { "Content-Type": "application/vnd.custom+json" } });
  assert.equal(echo.headers["content-type"], "application/vnd.custom+json");
  const fromSession = new ClientSession({ headers: { "content-type": "text/x-session" } });
  const resp = await fromSession.post(`${server.url}/post`, { data: "x" });
  assert.equal(((await resp.json()) as Echo).headers["content-type"], "text/x-session");
  await fromSession.close();
});

test("data and json together are a TypeError", async () => {
  await assert.rejects(session.post("post", { data: "a", json: { b: 1 } }), (err: unknown) => {
    assert.ok(err instanceof TypeError);
    assert.match((err as Error).message, /POST http:\/\/127\.0\.0\.1:\d+\/post: data and json cannot be used together/);
    return true;
  });
});

test("a body of an unsupported type is a TypeError", async () => {
  await assert.rejects(session.post("post", { data: 42 as never }), TypeError);
});
