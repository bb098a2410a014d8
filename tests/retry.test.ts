import { after, test } from "node:test";
import assert from "node:assert/strict";
import {
  ClientConnectorError,
  ClientSession,
  type RetryAttempt,
  retry,
  type RetryOptions,
  ServerDisconnectedError,
  ServerTimeoutError,
} from "../mod.ts";
import { closedPort, startServer } from "./server/mod.ts";

const server = await startServer();
after(() => server.close());

let keys = 0;
/** A `/flaky/KEY` URL of its own, and a reader of the attempts it saw. */
function flaky(query: string): { url: string; log: () => Promise<Array<{ method: string; at: number }>> } {
  const key = `k${++keys}-${Math.random().toString(36).slice(2)}`;
  return {
    url: `${server.url}/flaky/${key}?${query}`,
    log: async () => (await (await fetch(`${server.url}/flaky-log/${key}`)).json()) as Array<{ method: string; at: number }>,
  };
}

/** A retry middleware that records each retry and waits `ms` by default instead of backing off. */
function recorded(options: RetryOptions = {}, ms = 1): { middleware: ReturnType<typeof retry>; retries: RetryAttempt[] } {
  const retries: RetryAttempt[] = [];
  return { middleware: retry({ backoff: () => ms, onRetry: (attempt) => void retries.push(attempt), ...options }), retries };
}

test("a 503 with Retry-After: 1 is retried after about a second and succeeds", async () => {
  const target = flaky("header=retry-after:1");
  const { middleware, retries } = recorded();
  await using session = new ClientSession({ middlewares: [middleware] });
  const resp = await session.get(target.url);
  assert.equal(resp.status, 200);
  assert.deepEqual(await resp.json(), { attempt: 2 });
  assert.deepEqual(retries.map(({ retry, delay, response }) => [retry, delay, response?.status]), [[1, 1000, 503]]);
  const [first, second] = await target.log();
  assert.ok(second!.at - first!.at >= 950, `the retry came ${second!.at - first!.at} ms after the first attempt`);
});

test("Retry-After as an HTTP-date, and a 429's RateLimit-Reset, set the wait", async () => {
  const date = new Date(Date.now() + 3000).toUTCString();
  const dated = flaky(`header=retry-after:${encodeURIComponent(date)}`);
  const limited = flaky("status=429&header=ratelimit-reset:2");
  const retries: RetryAttempt[] = [];
  // The waits are seen and then cut short: onRetry throws, which fails the request.
  const stop = retry({ maxDelay: 60_000, onRetry: (attempt) => {
    retries.push(attempt);
    throw new Error("seen");
  } });
  await using session = new ClientSession({ middlewares: [stop] });
  await assert.rejects(session.get(dated.url), /seen/);
  await assert.rejects(session.get(limited.url), /seen/);
  const [byDate, byReset] = retries.map((attempt) => attempt.delay);
  assert.ok(byDate! > 1000 && byDate! <= 3000, `an HTTP-date 3 s ahead gave a wait of ${byDate} ms`);
  assert.equal(byReset, 2000);
});

test("a POST is not retried unless its method is listed", async () => {
  const once = flaky("status=503");
  await using session = new ClientSession({ middlewares: [recorded().middleware] });
  const resp = await session.post(once.url, { data: "payload" });
  assert.equal(resp.status, 503);
  await resp.release();
  assert.deepEqual((await once.log()).map((attempt) => attempt.method), ["POST"]);

  const listed = flaky("status=503");
  const again = await session.post(listed.url, { data: "payload", middlewares: [recorded({ methods: ["POST"] }).middleware] });
  assert.equal(again.status, 200);
  await again.release();
  assert.deepEqual((await listed.log()).map((attempt) => attempt.method), ["POST", "POST"]);
});

test("a retry that would outlive ClientTimeout.total is not attempted, and the error says why", async () => {
  const target = flaky("header=retry-after:5");
  await using session = new ClientSession({ middlewares: [retry()], timeout: { total: 2000 } });
  await assert.rejects(session.get(target.url), (err: Error) => {
    assert.ok(err instanceof ServerTimeoutError);
    assert.match(err.message, /^GET http:\/\/127\.0\.0\.1:\d+\/flaky\/\S+: not retried after 503 Service Unavailable: the 5000 ms wait would outlive ClientTimeout\.total \(\d+ ms left\)$/);
    return true;
  });
  assert.equal((await target.log()).length, 1);
});

test("a Retry-After longer than maxDelay is not waited for: the response is returned", async () => {
  const target = flaky("header=retry-after:120");
  await using session = new ClientSession({ middlewares: [retry({ maxDelay: 10_000 })] });
  const resp = await session.get(target.url);
  assert.equal(resp.status, 503);
  assert.equal(await resp.text(), "attempt 1 failed");
  assert.equal((await target.log()).length, 1);
});

test("attempts bound the tries: the last failure is returned as it is", async () => {
  const target = flaky("fail=5&status=500");
  const { middleware, retries } = recorded({ attempts: 3 });
  await using session = new ClientSession({ middlewares: [middleware] });
  const resp = await session.get(target.url);
  assert.equal(resp.status, 500);
  assert.equal(await resp.text(), "attempt 3 failed");
  assert.deepEqual(retries.map((attempt) => attempt.retry), [1, 2]);
  assert.equal((await target.log()).length, 3);
});

test("the default backoff doubles and jitters, and a status outside the list is not retried", async () => {
  const target = flaky("fail=2&status=502");
  const retries: RetryAttempt[] = [];
  await using session = new ClientSession({ middlewares: [retry({ onRetry: (attempt) => void retries.push(attempt) })] });
  const resp = await session.get(target.url);
  assert.equal(resp.status, 200);
  await resp.release();
  const [first, second] = retries.map((attempt) => attempt.delay);
  assert.ok(first! >= 150 && first! <= 300, `first wait ${first} ms`);
  assert.ok(second! >= 300 && second! <= 600, `second wait ${second} ms`);

  const notListed = flaky("status=501");
  const plain = await session.get(notListed.url);
  assert.equal(plain.status, 501);
  await plain.release();
  assert.equal((await notListed.log()).length, 1);
});

test("a refused connection is retried whatever the method; a dropped one only for a listed method", async () => {
  const refused = recorded();
  await using session = new ClientSession({ middlewares: [refused.middleware] });
  await assert.rejects(session.post(`http://127.0.0.1:${await closedPort()}/`, { data: "x" }), ClientConnectorError);
  assert.equal(refused.retries.length, 2);
  assert.ok(refused.retries.every((attempt) => attempt.error instanceof ClientConnectorError));

  const dropped = flaky("drop=1");
  const resp = await session.get(dropped.url);
  assert.equal(resp.status, 200);
  await resp.release();
  assert.equal((await dropped.log()).length, 2);

  // To a server of its own: over a reused keep-alive connection, Deno's fetch itself sends again once.
  const own = await startServer();
  try {
    const key = `post-${Math.random().toString(36).slice(2)}`;
    await assert.rejects(session.post(`${own.url}/flaky/${key}?drop=1`, { data: "x" }), ServerDisconnectedError);
    assert.equal(((await (await fetch(`${own.url}/flaky-log/${key}`)).json()) as unknown[]).length, 1);
  } finally {
    await own.close();
  }
});

test("a one-shot stream body is never sent twice", async () => {
  const target = flaky("status=503");
  const { middleware, retries } = recorded({ methods: ["POST"] });
  await using session = new ClientSession({ middlewares: [middleware] });
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode("streamed"));
      controller.close();
    },
  });
  const resp = await session.post(target.url, { data: body });
  assert.equal(resp.status, 503);
  await resp.release();
  assert.equal(retries.length, 0);
  assert.equal((await target.log()).length, 1);
});

test("a wait holds no slot: on a one-slot session another request goes through meanwhile", async () => {
  const target = flaky("header=retry-after:1");
  await using session = new ClientSession({ limit: 1, middlewares: [retry()] });
  const order: string[] = [];
  const retried = session.get(target.url).then(async (resp) => {
    order.push(`retried ${resp.status}`);
    await resp.release();
  });
  // Sent once the first attempt has its answer, so it must find the slot the wait gave back.
  while ((await target.log()).length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  // Its connect budget (which counts the wait for a slot) is far shorter than the retry's wait.
  const other = await session.get(`${server.url}/get`, { middlewares: [], timeout: { connect: 500 } });
  order.push(`other ${other.status}`);
  await other.release();
  await retried;
  assert.deepEqual(order, ["other 200", "retried 200"]);
});

test("the request's abort ends a wait at once, with the user's reason", async () => {
  const target = flaky("header=retry-after:30");
  const controller = new AbortController();
  const retries: RetryAttempt[] = [];
  await using session = new ClientSession({ middlewares: [retry({ onRetry: (attempt) => void retries.push(attempt) })] });
  const pending = session.get(target.url, { signal: controller.signal });
  while (retries.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  controller.abort(new Error("user gave up"));
  await assert.rejects(pending, /user gave up/);
  assert.equal((await target.log()).length, 1);
});

test("a redirect to a flaky endpoint: history holds the redirect only, requestInfo the attempt that answered", async () => {
  const target = flaky("status=500");
  await using session = new ClientSession({ middlewares: [recorded().middleware] });
  const resp = await session.get(`${server.url}/redirect-to`, { params: { url: target.url } });
  assert.equal(resp.status, 200);
  assert.deepEqual(await resp.json(), { attempt: 2 });
  assert.deepEqual(resp.history.map((hop) => hop.status), [302]);
  assert.equal(resp.requestInfo.url.href, target.url);
});

test("retry() refuses an unknown option and bad counts, naming them", () => {
  assert.throws(() => retry({ retries: 3 } as RetryOptions), /retry\(\): unknown option "retries"; the options are attempts, methods/);
  assert.throws(() => retry({ attempts: 0 }), /attempts must be a whole number of at least 1, got 0/);
  assert.throws(() => retry({ maxDelay: -1 }), /maxDelay must be a non-negative number/);
});
