/**
 * No leaked timers or listeners, checked the same way on every runtime:
 * every timer the library starts is tracked (by its creation stack) and must
 * be cleared or fired once a request is over, whichever way it ended; and
 * the listener put on a user's AbortSignal must be removed again.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import {
  type ClientMiddleware,
  ClientSession,
  ContentTypeError,
  DigestAuthMiddleware,
  retry,
  ServerTimeoutError,
  SocketTimeoutError,
  TraceConfig,
  WSMsgType,
  WSServerHandshakeError,
} from "../mod.ts";
import { closedPort, startServer } from "./server/mod.ts";
import { startWsServer } from "./server/ws.ts";
import { trackingTimers } from "./timers.ts";

const server = await startServer();
after(() => server.close());

/** An AbortSignal that counts its listeners. */
function countedSignal(): { signal: AbortSignal; listeners: () => number } {
  const controller = new AbortController();
  const signal = controller.signal;
  let count = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((type: string, listener: EventListener, options?: AddEventListenerOptions) => {
    count++;
    add(type, listener, options);
  }) as typeof signal.addEventListener;
  signal.removeEventListener = ((type: string, listener: EventListener) => {
    count--;
    remove(type, listener);
  }) as typeof signal.removeEventListener;
  return { signal, listeners: () => count };
}

const timeout = { total: 5000, connect: 4000, sockRead: 3000 };

const cases: Array<[string, (session: ClientSession, signal: AbortSignal) => Promise<void>]> = [
  ["a body read to the end", async (session, signal) => void (await (await session.get(`${server.url}/bytes/5000`, { signal })).read())],
  ["a streamed body", async (session, signal) => {
    const resp = await session.get(`${server.url}/stream/20`, { signal });
    for await (const _ of resp.body) { /* drain */ }
  }],
  ["a released body", async (session, signal) => void (await (await session.get(`${server.url}/bytes/100000`, { signal })).release())],
  ["a HEAD request", async (session, signal) => void (await session.head(`${server.url}/get`, { signal }))],
  ["redirects", async (session, signal) => void (await (await session.get(`${server.url}/redirect/3`, { signal })).read())],
  ["a refused connection", async (session, signal) => {
    await assert.rejects(session.get(`http://127.0.0.1:${await closedPort()}/`, { signal }));
  }],
  ["raiseForStatus throwing", async (session, signal) => {
    await assert.rejects(session.get(`${server.url}/status/500`, { signal, raiseForStatus: true }));
  }],
  ["a total timeout", async (session, signal) => {
    await assert.rejects(session.get(`${server.url}/delay/2`, { signal, timeout: { total: 100 } }), ServerTimeoutError);
  }],
  ["a sockRead timeout", async (session, signal) => {
    const resp = await session.get(`${server.url}/drip`, { signal, params: { numbytes: 2, duration: 3 }, timeout: { sockRead: 100 } });
    await assert.rejects(resp.read(), SocketTimeoutError);
  }],
  ["a truncated body", async (session, signal) => {
    await assert.rejects((await session.get(`${server.url}/fault/close-mid-body`, { signal })).read());
  }],
  ["json() refusing a content type that is not JSON", async (session, signal) => {
    await assert.rejects((await session.get(`${server.url}/html`, { signal })).json(), ContentTypeError);
  }],
  ["text() refusing an unknown encoding", async (session, signal) => {
    await assert.rejects((await session.get(`${server.url}/bytes/100`, { signal })).text("no-such-encoding"), TypeError);
  }],
  ["a read returned out of an await using block", async (session, signal) => {
    const readInside = async () => {
      await using resp = await session.get(`${server.url}/get`, { signal });
      return resp.json(); // no await: the block releases the response while the read is under way
    };
    assert.equal(typeof await readInside(), "object");
  }],
  ["a redirect refused by beforeRedirect", async (session, signal) => {
    const refuse = () => {
      throw new Error("refused");
    };
    await assert.rejects(session.get(`${server.url}/redirect/2`, { signal, beforeRedirect: refuse }), /refused/);
  }],
  ["a middleware that sends twice", async (session, signal) => {
    const twice: ClientMiddleware = async (request, handler) => {
      await handler(request);
      return handler(request);
    };
    void (await (await session.get(`${server.url}/redirect/1`, { signal, middlewares: [twice] })).read());
  }],
  ["a middleware that throws after sending", async (session, signal) => {
    const refuse: ClientMiddleware = async (request, handler) => {
      await handler(request);
      throw new Error("refused");
    };
    await assert.rejects(session.get(`${server.url}/get`, { signal, middlewares: [refuse] }), /refused/);
  }],
  ["a middleware that returns the response of a request of its own", async (session, signal) => {
    const fallback: ClientMiddleware = async () => session.get(`${server.url}/bytes/1000`, { signal, middlewares: [] });
    void (await (await session.get(`${server.url}/status/503`, { signal, middlewares: [fallback] })).read());
  }],
  ["a retry after a 503", async (session, signal) => {
    const key = `leak-${Math.random().toString(36).slice(2)}`;
    const resp = await session.get(`${server.url}/flaky/${key}`, { signal, middlewares: [retry({ backoff: () => 10 })] });
    assert.equal(resp.status, 200);
    await resp.read();
  }],
  ["a retry wait cut short by the request's abort", async (session) => {
    const controller = new AbortController();
    const key = `leak-${Math.random().toString(36).slice(2)}`;
    const wait = retry({ onRetry: () => void setTimeout(() => controller.abort(new Error("gave up")), 10) });
    const url = `${server.url}/flaky/${key}?header=retry-after:2`;
    await assert.rejects(session.get(url, { signal: controller.signal, middlewares: [wait] }), /gave up/);
  }],
  ["a retry refused for outliving total", async (session, signal) => {
    const key = `leak-${Math.random().toString(36).slice(2)}`;
    const url = `${server.url}/flaky/${key}?header=retry-after:20`;
    await assert.rejects(session.get(url, { signal, middlewares: [retry()] }), ServerTimeoutError);
  }],
  ["a trace handler that throws at the start", async (_session, signal) => {
    const config = new TraceConfig();
    config.onRequestStart.push(() => {
      throw new Error("not now");
    });
    await using traced = new ClientSession({ timeout, traceConfigs: [config] });
    await assert.rejects(traced.get(`${server.url}/get`, { signal }), /not now/);
  }],
  ["a trace handler that throws at the end", async (_session, signal) => {
    const config = new TraceConfig();
    config.onRequestEnd.push(() => {
      throw new Error("not this one");
    });
    await using traced = new ClientSession({ timeout, limit: 1, traceConfigs: [config] });
    await assert.rejects(traced.get(`${server.url}/bytes/100000`, { signal }), /not this one/);
    // The response was released: the one slot is free again.
    await assert.rejects(traced.get(`${server.url}/get`, { signal }), /not this one/);
  }],
  ["a digest exchange: a 401 answered, then a preemptive request", async (session, signal) => {
    const digest = new DigestAuthMiddleware("user", "pass");
    for (let i = 0; i < 2; i++) {
      const resp = await session.get(`${server.url}/digest-auth/auth/user/pass`, { signal, middlewares: [digest.middleware] });
      assert.equal(resp.status, 200);
      await resp.read();
    }
  }],
  ["a digest exchange refused: a wrong password, a challenge that cannot be answered", async (session, signal) => {
    const digest = new DigestAuthMiddleware("user", "wrong");
    const resp = await session.get(`${server.url}/digest-auth/auth/user/pass`, { signal, middlewares: [digest.middleware] });
    assert.equal(resp.status, 401);
    await resp.read();
    await assert.rejects(session.get(`${server.url}/digest-auth/auth/user/pass/NO-SUCH-HASH`, { signal, middlewares: [digest.middleware] }), /NO-SUCH-HASH/);
  }],
  ["a session closed with a response open", async (session, signal) => {
    await session.get(`${server.url}/bytes/100000`, { signal });
    await session.close();
  }],
];

/** One test per case: once it is over, no library timer runs and no listener is left on its signal. */
function leakTests(what: string, list: typeof cases): void {
  for (const [label, run] of list) {
    test(`no timer or listener outlives the ${what}: ${label}`, async () => {
      const { signal, listeners } = countedSignal();
      await using session = new ClientSession({ timeout });
      const left = await trackingTimers(() => run(session, signal));
      assert.equal(left, 0, "library timers left running");
      assert.equal(listeners(), 0, "listeners left on the user's signal");
    });
  }
}

leakTests("request", cases);

test("a body method that throws frees the slot at once: the next request on a one-slot session goes through", async () => {
  await using session = new ClientSession({ limit: 1, timeout: { total: 0, connect: 5000 } });
  await assert.rejects((await session.get(`${server.url}/html`)).json(), ContentTypeError);
  await assert.rejects((await session.get(`${server.url}/bytes/10`)).text("no-such-encoding"), TypeError);
  const next = await session.get(`${server.url}/get`);
  assert.equal(next.status, 200);
  await next.release();
});

test("a digest exchange frees its slots: the 401s answered do not hold the next send or request on a one-slot session", async () => {
  const digest = new DigestAuthMiddleware("user", "pass");
  await using session = new ClientSession({ limit: 1, timeout: { total: 5000 }, middlewares: [digest.middleware] });
  // Three sends, then two (a wrong password): each send waits for the slot of the 401 before it.
  for (const [path, status] of [["auth/user/pass?stale=once", 200], ["auth/user/other", 401]] as const) {
    const resp = await session.get(`${server.url}/digest-auth/${path}`);
    assert.equal(resp.status, status);
    await resp.release();
  }
  const next = await session.get(`${server.url}/get`);
  assert.equal(next.status, 200, "the one slot is free again");
  await next.release();
});

test("the leak check can fail: a response left unread keeps its timers", async () => {
  await using session = new ClientSession({ timeout });
  let resp: Awaited<ReturnType<ClientSession["get"]>> | undefined;
  const left = await trackingTimers(async () => {
    resp = await session.get(`${server.url}/bytes/100`);
  });
  assert.ok(left > 0, "the total timer is still armed while the body is unread");
  await resp!.release();
});

const wsServer = await startWsServer();
after(() => wsServer.close());

const wsCases: typeof cases = [
  ["a socket opened, used and closed", async (session, signal) => {
    const ws = await session.wsConnect(`${wsServer.url}/echo`, { signal });
    await ws.sendStr("hi");
    await ws.receive({ signal });
    await ws.close();
  }],
  ["a socket closed by the server", async (session, signal) => {
    const ws = await session.wsConnect(`${wsServer.url}/echo`, { signal });
    await ws.sendStr("__close:1000:done");
    for await (const _ of ws) { /* until the CLOSE */ }
  }],
  ["a refused handshake, after a redirect", async (session, signal) => {
    await assert.rejects(session.wsConnect(`${wsServer.url}/redirect?to=%2Freject%3Fstatus%3D401`, { signal }), WSServerHandshakeError);
  }],
  ["an invalid 101", async (session, signal) => {
    await assert.rejects(session.wsConnect(`${wsServer.url}/badaccept`, { signal }), WSServerHandshakeError);
  }],
  ["a refused connection", async (session, signal) => {
    await assert.rejects(session.wsConnect(`ws://127.0.0.1:${await closedPort()}/`, { signal }));
  }],
  ["a handshake timeout", async (_session, signal) => {
    await using timed = new ClientSession({ timeout: { connect: 100 } });
    await assert.rejects(timed.wsConnect(`${wsServer.url}/hang`, { signal }), ServerTimeoutError);
  }],
  ["a handshake aborted by its signal", async (session) => {
    const controller = new AbortController();
    const pending = session.wsConnect(`${wsServer.url}/hang`, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("stop")), 50);
    await assert.rejects(pending, /stop/);
  }],
  ["heartbeats, then a close", async (session, signal) => {
    const ws = await session.wsConnect(`${wsServer.url}/echo`, { signal, heartbeat: 50 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await ws.close();
  }],
  ["a heartbeat that finds the server dead", async (session, signal) => {
    const ws = await session.wsConnect(`${wsServer.url}/echo`, { signal, heartbeat: 100 });
    await ws.sendStr("__freeze");
    assert.equal((await ws.receive()).type, WSMsgType.ERROR);
  }],
  ["a receive timeout, then a close", async (session, signal) => {
    const ws = await session.wsConnect(`${wsServer.url}/echo`, { signal });
    await assert.rejects(ws.receive({ timeout: 50, signal }), ServerTimeoutError);
    await ws.close();
  }],
  ["a close against a frozen server", async (session, signal) => {
    const ws = await session.wsConnect(`${wsServer.url}/echo`, { signal, timeout: { wsClose: 100 } });
    await ws.sendStr("__freeze");
    await ws.close();
  }],
  ["a message too large", async (session, signal) => {
    const ws = await session.wsConnect(`${wsServer.url}/echo`, { signal, maxMsgSize: 10 });
    await ws.sendStr("__big:11");
    assert.equal((await ws.receive()).type, WSMsgType.ERROR);
  }],
  ["a server that dies", async (session, signal) => {
    const ws = await session.wsConnect(`${wsServer.url}/echo`, { signal });
    await ws.sendStr("__die");
    assert.equal((await ws.receive()).type, WSMsgType.CLOSED);
  }],
  ["a session closed with a socket open", async (session, signal) => {
    await session.wsConnect(`${wsServer.url}/echo`, { signal, heartbeat: 1000 });
    await session.close();
  }],
];

leakTests("WebSocket", wsCases);
