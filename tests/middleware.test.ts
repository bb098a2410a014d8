import { after, test } from "node:test";
import assert from "node:assert/strict";
import { type ClientMiddleware, ClientSession } from "../mod.ts";
import { type Echo, startServer } from "./server/mod.ts";

const server = await startServer();
after(() => server.close());

test("a middleware sees every hop of a redirect chain, with the cookies and auth each hop sends", async () => {
  const seen: string[] = [];
  const record: ClientMiddleware = async (request, handler) => {
    const response = await handler(request);
    seen.push(`${request.method} ${request.url.pathname} ${request.headers.get("cookie") ?? "-"} → ${response.status}`);
    return response;
  };
  await using session = new ClientSession({ middlewares: [record], cookies: { shared: "1" } });
  const resp = await session.get(`${server.url}/redirect/2`);
  assert.equal(resp.status, 200);
  await resp.release();
  assert.deepEqual(seen, ["GET /redirect/2 shared=1 → 302", "GET /redirect/1 shared=1 → 302", "GET /get shared=1 → 200"]);
});

test("middlewares run outermost first and may change the request: headers, URL, body", async () => {
  const order: string[] = [];
  const outer: ClientMiddleware = (request, handler) => {
    order.push("outer");
    request.headers.set("x-outer", "1");
    return handler(request);
  };
  const inner: ClientMiddleware = (request, handler) => {
    order.push("inner");
    request.url = new URL(`${server.url}/anything`);
    request.body = "rewritten";
    return handler({ ...request, method: "post" });
  };
  await using session = new ClientSession({ middlewares: [outer, inner] });
  const echo = (await (await session.get(`${server.url}/get`)).json()) as Echo;
  assert.deepEqual(order, ["outer", "inner"]);
  assert.equal(echo.method, "POST");
  assert.equal(echo.url, `${server.url}/anything`);
  assert.equal(echo.headers["x-outer"], "1");
  assert.equal(echo.data, "rewritten");
  assert.equal(echo.headers["content-type"], "text/plain; charset=utf-8");
});

test("a middleware that sends twice leaves no slot behind; a request's list replaces the session's", async () => {
  let calls = 0;
  const retryOnce: ClientMiddleware = async (request, handler) => {
    calls++;
    const first = await handler(request);
    if (first.status < 500) return first;
    // The first response is not released here: sending again does it.
    request.url = new URL(`${server.url}/get`);
    return handler(request);
  };
  await using session = new ClientSession({ limit: 1, middlewares: [retryOnce] });
  const resp = await session.get(`${server.url}/status/503`);
  assert.equal(resp.status, 200);
  await resp.release();
  const next = await session.get(`${server.url}/get`, { timeout: { connect: 5000 } });
  assert.equal(next.status, 200, "the one slot is free again");
  await next.release();
  assert.equal(calls, 2);
  const bypass = await session.get(`${server.url}/status/503`, { middlewares: [] });
  assert.equal(bypass.status, 503);
  await bypass.release();
  assert.equal(calls, 2, "middlewares: [] runs none");
});

test("what a middleware throws fails the request as is, and frees the slot", async () => {
  const refusal = new Error("refused by policy");
  const refuse: ClientMiddleware = async (request, handler) => {
    const response = await handler(request);
    if (response.status === 418) throw refusal;
    return response;
  };
  await using session = new ClientSession({ limit: 1, middlewares: [refuse] });
  await assert.rejects(session.get(`${server.url}/status/418`), (err) => err === refusal);
  const next = await session.get(`${server.url}/get`, { timeout: { connect: 5000 } });
  assert.equal(next.status, 200, "the one slot is free again");
  await next.release();
});

test("a middleware may return early with the response of a request of its own; both requests are freed", async () => {
  const progress: string[] = [];
  await using session = new ClientSession({ limit: 1 });
  const fallback: ClientMiddleware = async (request, handler) => {
    const response = await handler(request);
    if (response.status !== 503) return response;
    // Released first: it holds the session's one slot, which the request below needs.
    await response.release();
    return session.get(`${server.url}/bytes/1000`, { middlewares: [], onDownloadProgress: ({ loaded }) => void progress.push(`inner ${loaded}`) });
  };
  const resp = await session.get(`${server.url}/status/503`, { middlewares: [fallback], onDownloadProgress: ({ loaded }) => void progress.push(`outer ${loaded}`) });
  assert.equal(resp.status, 200);
  assert.equal((await resp.read()).byteLength, 1000);
  assert.deepEqual(progress.filter((line) => line.endsWith(" 1000")), ["inner 1000", "outer 1000"]);
  const next = await session.get(`${server.url}/get`, { timeout: { connect: 5000 } });
  assert.equal(next.status, 200, "the one slot is free again");
  await next.release();
});
