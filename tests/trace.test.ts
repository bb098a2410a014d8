import { after, test } from "node:test";
import assert from "node:assert/strict";
import { ClientConnectorError, type ClientMiddleware, ClientResponseError, ClientSession, type TraceContext, TraceConfig } from "../mod.ts";
import { closedPort, startServer } from "./server/mod.ts";

const server = await startServer();
after(() => server.close());

/** A config that records every signal as `name detail`, with the request's traceRequestCtx. */
function recorder(): { config: TraceConfig; events: string[] } {
  const events: string[] = [];
  const config = new TraceConfig();
  const tag = (ctx: TraceContext) => (ctx.traceRequestCtx === undefined ? "" : ` [${String(ctx.traceRequestCtx)}]`);
  config.onRequestStart.push((ctx, { method, url }) => void events.push(`start ${method} ${url.pathname}${tag(ctx)}`));
  config.onConnectionQueuedStart.push((ctx, { origin }) => void events.push(`queued ${origin === server.url ? "origin" : origin}${tag(ctx)}`));
  config.onConnectionQueuedEnd.push((ctx) => void events.push(`dequeued${tag(ctx)}`));
  config.onRequestHeadersSent.push((ctx, { method, url }) => void events.push(`headers ${method} ${url.pathname}${tag(ctx)}`));
  config.onRequestChunkSent.push((ctx, { chunk }) => void events.push(`sent ${chunk.byteLength}${tag(ctx)}`));
  config.onRequestRedirect.push((ctx, { url, response }) => void events.push(`redirect ${response.status} ${url.pathname}${tag(ctx)}`));
  config.onRequestEnd.push((ctx, { url, response }) => void events.push(`end ${response.status} ${url.pathname}${tag(ctx)}`));
  config.onRequestException.push((ctx, { exception }) => void events.push(`exception ${(exception as Error).name}${tag(ctx)}`));
  config.onResponseChunkReceived.push((ctx, { url }) => void events.push(`chunk ${url.pathname}${tag(ctx)}`));
  return { config, events };
}

/** The events with runs of the same chunk event folded into one. */
const folded = (events: string[]) => events.filter((event, i) => !(event.startsWith("chunk") && events[i - 1] === event));

test("the signals of a redirected request fire in the documented order and carry its traceRequestCtx", async () => {
  const { config, events } = recorder();
  await using session = new ClientSession({ traceConfigs: [config] });
  const resp = await session.get(`${server.url}/redirect/1`, { traceRequestCtx: "login" });
  await resp.read();
  assert.deepEqual(folded(events), [
    "start GET /redirect/1 [login]",
    "headers GET /redirect/1 [login]",
    "redirect 302 /redirect/1 [login]",
    "headers GET /get [login]",
    "end 200 /redirect/1 [login]",
    "chunk /get [login]",
  ]);
});

test("each request gets a context of its own from each config's factory", async () => {
  const contexts: object[] = [];
  const timing = new TraceConfig((traceRequestCtx) => ({ traceRequestCtx, marks: [] as string[] }));
  timing.onRequestStart.push((ctx) => void ctx.marks.push("start"));
  timing.onRequestEnd.push((ctx) => {
    ctx.marks.push("end");
    contexts.push(ctx);
  });
  const { config: plain, events } = recorder();
  await using session = new ClientSession({ traceConfigs: [timing, plain] });
  await (await session.get(`${server.url}/get`, { traceRequestCtx: 1 })).release();
  await (await session.get(`${server.url}/get`, { traceRequestCtx: 2 })).release();
  assert.deepEqual(contexts, [{ traceRequestCtx: 1, marks: ["start", "end"] }, { traceRequestCtx: 2, marks: ["start", "end"] }]);
  assert.deepEqual(events.filter((event) => event.startsWith("end")), ["end 200 /get [1]", "end 200 /get [2]"]);
});

test("a failed request fires onRequestException instead of onRequestEnd, raiseForStatus included", async () => {
  const { config, events } = recorder();
  await using session = new ClientSession({ traceConfigs: [config] });
  await assert.rejects(session.get(`http://127.0.0.1:${await closedPort()}/x`), ClientConnectorError);
  await assert.rejects(session.get(`${server.url}/status/500`, { raiseForStatus: true }), ClientResponseError);
  assert.deepEqual(events, [
    "start GET /x",
    "headers GET /x",
    "exception ClientConnectorError",
    "start GET /status/500",
    "headers GET /status/500",
    "exception ClientResponseError",
  ]);
});

test("the queued signals fire only for a request that waits for a slot", async () => {
  const { config, events } = recorder();
  await using session = new ClientSession({ limit: 1, traceConfigs: [config] });
  const first = await session.get(`${server.url}/get`, { traceRequestCtx: "a" });
  const second = session.get(`${server.url}/get`, { traceRequestCtx: "b" });
  while (!events.includes("queued origin [b]")) await new Promise((resolve) => setTimeout(resolve, 5));
  await first.release();
  await (await second).release();
  assert.deepEqual(events, [
    "start GET /get [a]",
    "headers GET /get [a]",
    "end 200 /get [a]",
    "start GET /get [b]",
    "queued origin [b]",
    "dequeued [b]",
    "headers GET /get [b]",
    "end 200 /get [b]",
  ]);
});

test("the progress callbacks observe the same chunks as the chunk signals", async () => {
  const received: number[] = [];
  const sent: number[] = [];
  const config = new TraceConfig();
  config.onResponseChunkReceived.push((_ctx, { chunk }) => void received.push(chunk.byteLength));
  config.onRequestChunkSent.push((_ctx, { chunk }) => void sent.push(chunk.byteLength));
  await using session = new ClientSession({ traceConfigs: [config] });
  const downloads: number[] = [];
  const resp = await session.get(`${server.url}/bytes/300000`, { onDownloadProgress: ({ loaded }) => void downloads.push(loaded) });
  assert.equal((await resp.read()).byteLength, 300_000);
  assert.ok(received.length >= 1);
  assert.deepEqual(downloads, received.map((_, i) => received.slice(0, i + 1).reduce((a, b) => a + b, 0)));

  const uploads: number[] = [];
  const body = new Uint8Array(200_000).fill(7);
  const hashed = await session.post(`${server.url}/hash`, { data: body, onUploadProgress: ({ loaded }) => void uploads.push(loaded) });
  assert.equal(((await hashed.json()) as { bytes: number }).bytes, body.byteLength);
  assert.equal(sent.reduce((a, b) => a + b, 0), body.byteLength);
  assert.equal(uploads.at(-1), body.byteLength);
  assert.equal(uploads.length, sent.length);
});

test("handlers are awaited in order, and one that throws fails the request with its error", async () => {
  const order: string[] = [];
  const config = new TraceConfig();
  config.onRequestStart.push(async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    order.push("slow start");
  });
  config.onRequestStart.push(() => void order.push("second start"));
  config.onRequestHeadersSent.push(() => void order.push("headers"));
  await using session = new ClientSession({ traceConfigs: [config] });
  await (await session.get(`${server.url}/get`)).release();
  assert.deepEqual(order, ["slow start", "second start", "headers"]);

  const failing = new TraceConfig();
  failing.onResponseChunkReceived.push(() => {
    throw new Error("chunk refused");
  });
  await using strict = new ClientSession({ traceConfigs: [failing] });
  await assert.rejects((await strict.get(`${server.url}/bytes/1000`)).read(), /chunk refused/);
});

test("a middleware that sends twice fires onRequestHeadersSent for each send", async () => {
  const { config, events } = recorder();
  const twice: ClientMiddleware = async (request, handler) => {
    await handler(request);
    return handler(request);
  };
  await using session = new ClientSession({ traceConfigs: [config], middlewares: [twice] });
  await (await session.get(`${server.url}/get`)).release();
  assert.deepEqual(events, ["start GET /get", "headers GET /get", "headers GET /get", "end 200 /get"]);
});
