import { after, test } from "node:test";
import assert from "node:assert/strict";
import { ClientSession, ClientTimeout, CookieJar, request, ServerTimeoutError, TCPConnector } from "../mod.ts";
import { startServer } from "./server/mod.ts";

const server = await startServer();
after(() => server.close());

/** Options as plain JavaScript passes them: unchecked by the compiler. */
const loose = (options: Record<string, unknown>) => options as never;

test("an option another client uses is refused with the aiofetch name, naming the request", async () => {
  await using session = new ClientSession();
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ body: "x" }, /^POST http:\/\/127\.0\.0\.1:\d+\/post: unknown option "body"; use data \(.*\) or json$/],
    [{ query: { a: 1 } }, /unknown option "query"; use params$/],
    [{ searchParams: { a: 1 } }, /unknown option "searchParams"; use params$/],
    [{ allow_redirects: false }, /unknown option "allow_redirects"; use allowRedirects$/],
    [{ maxRedirect: 3 }, /unknown option "maxRedirect"; use maxRedirects$/],
    [{ throwHttpErrors: false }, /unknown option "throwHttpErrors"; use raiseForStatus$/],
    [{ frobnicate: true }, /unknown option "frobnicate"$/],
  ];
  for (const [options, expected] of cases) {
    await assert.rejects(session.post(`${server.url}/post`, loose(options)), (err: Error) => {
      assert.ok(err instanceof TypeError, `${Object.keys(options)[0]}: ${err}`);
      assert.match(err.message, expected);
      return true;
    });
  }
});

test("unknown options are refused by the session, the connector, the jar, the timeout and request()", async () => {
  assert.throws(() => new ClientSession(loose({ baseURL: "http://x/" })), /^TypeError: new ClientSession\(\): unknown option "baseURL"; use baseUrl$/);
  assert.throws(() => new ClientSession(loose({ prefixUrl: "http://x/" })), /unknown option "prefixUrl"; use baseUrl/);
  assert.throws(() => new ClientSession(loose({ ssl: false })), /unknown option "ssl"; use connector: new TCPConnector\(\{ ssl \}\), or ssl on each request/);
  assert.throws(() => new ClientSession(loose({ verify_ssl: false })), /unknown option "verify_ssl"/);
  assert.throws(() => new TCPConnector(loose({ limit_per_host: 2 })), /^TypeError: new TCPConnector\(\): unknown option "limit_per_host"; use limitPerHost$/);
  assert.throws(() => new CookieJar(loose({ unsafe_: true })), /new CookieJar\(\): unknown option "unsafe_"; use unsafe/);
  assert.throws(() => new ClientTimeout(loose({ sock_read: 5 })), /ClientTimeout: unknown option "sock_read"; use sockRead/);
  await assert.rejects(request("GET", `${server.url}/get`, loose({ prefixUrl: "x" })), /^TypeError: GET http:\/\/127\.0\.0\.1:\d+\/get: unknown option "prefixUrl"; use baseUrl$/);
});

test("an option set to undefined is not refused: it asks for nothing", async () => {
  await using session = new ClientSession(loose({ baseURL: undefined }));
  const resp = await session.get(`${server.url}/get`, loose({ body: undefined }));
  assert.equal(resp.status, 200);
  await resp.release();
});

test("a refused option sends nothing", async () => {
  let sent = 0;
  await using session = new ClientSession({ fetch: (input, init) => (sent++, fetch(input, init)) });
  await assert.rejects(session.get(`${server.url}/get`, loose({ body: "x" })), TypeError);
  assert.equal(sent, 0);
});

test("a number as timeout is total, in milliseconds, on the session, a request and ClientTimeout", async () => {
  assert.deepEqual({ ...new ClientTimeout(30) }, { total: 30, connect: undefined, sockRead: undefined });
  assert.equal(ClientTimeout.from(250).total, 250);
  await using session = new ClientSession({ timeout: 50 });
  assert.equal(session.timeout.total, 50);
  await assert.rejects(session.get(`${server.url}/delay/2`), (err: Error) => {
    assert.ok(err instanceof ServerTimeoutError);
    assert.match(err.message, /timed out \(ClientTimeout\.total = 50 ms\)$/);
    return true;
  });
  await using plain = new ClientSession();
  await assert.rejects(plain.get(`${server.url}/delay/2`, { timeout: 60 }), /ClientTimeout\.total = 60 ms/);
  // 0 turns the total off, for this request only.
  const resp = await session.get(`${server.url}/delay/0.2`, { timeout: 0 });
  assert.equal(resp.status, 200);
  await resp.release();
  assert.throws(() => new ClientTimeout(null as never), /ClientTimeout: expected milliseconds or \{ total, connect, sockRead \}, got null/);
  assert.throws(() => new ClientTimeout(-1), /total must be a non-negative number of milliseconds, got -1/);
});

test("form fields that are not text point to FormData for a file upload", async () => {
  await using session = new ClientSession();
  const file = new ReadableStream();
  await assert.rejects(session.post(`${server.url}/post`, { data: loose({ file }) }), (err: Error) => {
    assert.ok(err instanceof TypeError);
    assert.match(err.message, /^POST http:\/\/127\.0\.0\.1:\d+\/post: data: the value of "file" is object; use a string, number, bigint or boolean; to upload a file, send FormData: /);
    return true;
  });
});
