import { after, test } from "node:test";
import assert from "node:assert/strict";
import {
  ClientSession,
  ClientTimeout,
  ConnectionTimeoutError,
  ServerTimeoutError,
  SocketTimeoutError,
} from "../mod.ts";
import { startServer } from "./server/mod.ts";

const server = await startServer();
after(() => server.close());

test("ClientTimeout: milliseconds, total 300 s by default, 0 disables, bad values refused", () => {
  assert.equal(new ClientTimeout().total, 300_000);
  const custom = new ClientTimeout({ total: 0, connect: 500, sockRead: 250 });
  assert.equal(custom.total, undefined);
  assert.equal(custom.connect, 500);
  assert.equal(custom.sockRead, 250);
  assert.throws(() => new ClientTimeout({ total: -1 }), /total must be a non-negative number of milliseconds/);
  assert.throws(() => new ClientTimeout({ connect: Number.NaN }), TypeError);
});

test("total: a slow response is a ServerTimeoutError naming the request", async () => {
  await using session = new ClientSession({ timeout: { total: 150 } });
  await assert.rejects(session.get(`${server.url}/delay/3`), (err: unknown) => {
    assert.ok(err instanceof ServerTimeoutError);
    assert.ok(!(err instanceof ConnectionTimeoutError));
    assert.match((err as Error).message, /^GET http:\/\/127\.0\.0\.1:\d+\/delay\/3: timed out \(ClientTimeout\.total = 150 ms\)$/);
    assert.notEqual((err as Error).name, "AbortError");
    return true;
  });
});

test("total covers reading the body", async () => {
  await using session = new ClientSession();
  const resp = await session.get(`${server.url}/drip`, { params: { numbytes: 5, duration: 3 }, timeout: { total: 400 } });
  assert.equal(resp.status, 200, "the headers arrive in time");
  await assert.rejects(resp.read(), ServerTimeoutError);
});

test("connect: no headers in time is a ConnectionTimeoutError", async () => {
  await using session = new ClientSession();
  await assert.rejects(session.get(`${server.url}/delay/3`, { timeout: { connect: 150 } }), (err: unknown) => {
    assert.ok(err instanceof ConnectionTimeoutError);
    assert.match((err as Error).message, /ClientTimeout\.connect = 150 ms/);
    return true;
  });
});

test("connect covers waiting for a concurrency slot", async () => {
  await using session = new ClientSession({ limit: 1 });
  const holder = await session.get(`${server.url}/bytes/10`);
  await assert.rejects(session.get(`${server.url}/bytes/10`, { timeout: { connect: 100 } }), ConnectionTimeoutError);
  await holder.release();
  const after = await session.get(`${server.url}/bytes/10`, { timeout: { connect: 1000 } });
  assert.equal((await after.read()).length, 10, "the slot is free again");
});

test("connect stops counting once the headers arrive", async () => {
  await using session = new ClientSession();
  const resp = await session.get(`${server.url}/drip`, { params: { numbytes: 3, duration: 0.6 }, timeout: { connect: 150 } });
  assert.equal((await resp.read()).length, 3);
});

test("sockRead: a gap between chunks longer than allowed is a SocketTimeoutError", async () => {
  await using session = new ClientSession({ timeout: { sockRead: 150 } });
  const resp = await session.get(`${server.url}/drip`, { params: { numbytes: 2, duration: 4 } });
  await assert.rejects(resp.read(), (err: unknown) => {
    assert.ok(err instanceof SocketTimeoutError);
    assert.match((err as Error).message, /ClientTimeout\.sockRead = 150 ms/);
    return true;
  });
  assert.equal(resp.closed, true);
});

test("a request's timeout replaces the session's", async () => {
  await using session = new ClientSession({ timeout: { total: 100 } });
  const resp = await session.get(`${server.url}/delay/0.3`, { timeout: { total: 5000 } });
  assert.equal(resp.status, 200);
  await resp.release();
});

test("the user's abort rethrows the user's reason untouched", async () => {
  await using session = new ClientSession({ timeout: { total: 10_000 } });
  const controller = new AbortController();
  const reason = new Error("user gave up");
  setTimeout(() => controller.abort(reason), 50);
  await assert.rejects(session.get(`${server.url}/delay/3`, { signal: controller.signal }), (err: unknown) => {
    assert.equal(err, reason);
    return true;
  });
  const already = AbortSignal.abort("before");
  await assert.rejects(session.get(`${server.url}/get`, { signal: already }), (err: unknown) => err === "before");
});

test("the user's abort while reading the body rethrows the user's reason", async () => {
  await using session = new ClientSession();
  const controller = new AbortController();
  const resp = await session.get(`${server.url}/drip`, { params: { numbytes: 4, duration: 3 }, signal: controller.signal });
  setTimeout(() => controller.abort(new RangeError("stop now")), 50);
  await assert.rejects(resp.read(), (err: unknown) => err instanceof RangeError && err.message === "stop now");
});

test("a timeout still fires when the user also passes a signal", async () => {
  await using session = new ClientSession();
  const controller = new AbortController();
  await assert.rejects(
    session.get(`${server.url}/delay/3`, { signal: controller.signal, timeout: { total: 100 } }),
    ServerTimeoutError,
  );
});

test("a total timeout on an unread response frees its slot, and reading later throws the timeout", async () => {
  await using session = new ClientSession({ limit: 1 });
  const unread = await session.get(`${server.url}/drip`, { params: { numbytes: 3, duration: 3 }, timeout: { total: 150 } });
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(unread.closed, true);
  const next = await session.get(`${server.url}/bytes/5`, { timeout: { connect: 1000 } });
  assert.equal((await next.read()).length, 5, "the slot was freed");
  await assert.rejects(unread.read(), ServerTimeoutError);
});

test("reading a released response throws instead of returning an empty body", async () => {
  await using session = new ClientSession();
  const resp = await session.get(`${server.url}/bytes/100`);
  await resp.release();
  await assert.rejects(resp.read(), /the response was released before its body was read/);
});
