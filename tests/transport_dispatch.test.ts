/**
 * The default connector's transport against the runtime's own fetch, given
 * the same hop: the same bytes on the wire, a Response that reads the same,
 * and the same errors. On Node 18 and 20 the connector sends through undici's
 * dispatcher without fetch (src/runtime/transport_dispatch.ts), and each
 * test checks that it did; elsewhere, and with AIOFETCH_NODE_TRANSPORT=fetch,
 * both sides are fetch and the tests hold trivially.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { ClientConnectorError, ClientPayloadError, ClientSession, ServerDisconnectedError, TCPConnector } from "../mod.ts";
import { heldBody } from "../src/runtime/dispatch_response.ts";
import { HOP_INIT } from "../src/runtime/hop_init.ts";
import { DISPATCH_ENABLED } from "../src/runtime/transport_dispatch.ts";
import { closedPort } from "./server/mod.ts";

/** Every request's bytes as they arrived, by the path asked for. */
const received = new Map<string, string>();
/** Called when a request for the path arrives. */
const arrivals = new Map<string, () => void>();
const sockets = new Set<Socket>();

/** The answer to each path: raw HTTP/1.1, so that nothing normalises what the client gets. */
function answer(path: string): string {
  const route = path.split("?")[0];
  switch (route) {
    case "/cookies":
      return "HTTP/1.1 200 OK\r\nset-cookie: a=1\r\nset-cookie: b=2\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok";
    case "/no-content":
      return "HTTP/1.1 204 No Content\r\nx-kind: none\r\n\r\n";
    case "/not-modified":
      return "HTTP/1.1 304 Not Modified\r\netag: \"v1\"\r\n\r\n";
    case "/early-hints":
      return "HTTP/1.1 103 Early Hints\r\nlink: </style.css>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nfinal";
    case "/odd-status":
      return "HTTP/1.1 600 Beyond\r\ncontent-length: 3\r\n\r\nodd";
    case "/json":
      return "HTTP/1.1 201 Created\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: 12\r\n\r\n{\"a\":[1,2]}\n";
    case "/chunked":
      return "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    case "/cut":
      return "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly part";
    default:
      return "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok";
  }
}

/** Reads whole requests (Content-Length or chunked bodies) off a keep-alive connection. */
function serve(socket: Socket): void {
  sockets.add(socket);
  socket.on("close", () => sockets.delete(socket));
  let buffered = Buffer.alloc(0);
  socket.on("data", (data: Buffer) => {
    buffered = Buffer.concat([buffered, data]);
    for (;;) {
      const end = buffered.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = buffered.subarray(0, end).toString("latin1");
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      let size = end + 4 + length;
      if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
        const last = buffered.indexOf("0\r\n\r\n", end + 4);
        if (last < 0) return;
        size = last + 5;
      }
      if (buffered.length < size) return;
      const request = buffered.subarray(0, size).toString("latin1");
      buffered = buffered.subarray(size);
      const path = head.split(" ")[1]!;
      received.set(path, request);
      arrivals.get(path)?.();
      if (path.startsWith("/hang-up")) {
        socket.destroy();
        return;
      }
      // No answer at all, or headers and the first byte of ten: for aborts.
      if (path.startsWith("/silent")) return;
      if (path.startsWith("/stalled")) {
        socket.write("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nx");
        return;
      }
      const response = answer(path);
      // A HEAD answer has the headers of a GET's and no body.
      socket.write(head.startsWith("HEAD ") ? response.slice(0, response.indexOf("\r\n\r\n") + 4) : response);
      if (path.startsWith("/cut")) socket.end();
    }
  });
}

let server: Server;
let base: string;

before(async () => {
  server = createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  // The first request of a process goes through fetch, which makes undici's global dispatcher.
  await (await fetch(`${base}/warm-up`)).text();
});

after(() => {
  for (const socket of sockets) socket.destroy();
  server.close();
});

const connector = new TCPConnector();
after(() => connector.close());

type Body = string | Uint8Array<ArrayBuffer> | null;

/** A hop's init as aiofetch makes it: headers as a record of lower-case names. */
function hopInit(method: string, headers: Record<string, string>, body: Body): RequestInit {
  return { ...HOP_INIT, method, headers, body, redirect: "manual" };
}

/** Sends the same hop through the connector and through the runtime's fetch; resolves to both requests as received. */
async function bothWays(name: string, method: string, headers: Record<string, string>, body: Body, query = "", via = connector): Promise<{ viaConnector: string; viaFetch: string; dispatched: boolean }> {
  const ours = new URL(`${base}/${name}/connector${query}`);
  const theirs = new URL(`${base}/${name}/fetch${query}`);
  const response = await via.fetch(ours, hopInit(method, { ...headers }, body) as RequestInit & { duplex?: "half" });
  await response.arrayBuffer();
  await (await fetch(theirs.href, hopInit(method, { ...headers }, body))).arrayBuffer();
  const strip = (request: string | undefined, side: string) => request?.replace(`/${name}/${side}`, `/${name}`);
  return {
    viaConnector: strip(received.get(ours.pathname + ours.search), "connector")!,
    viaFetch: strip(received.get(theirs.pathname + theirs.search), "fetch")!,
    dispatched: heldBody(response) !== undefined,
  };
}

const NODE = typeof (globalThis as { process?: { versions?: { undici?: string } } }).process?.versions?.undici === "string" && !("Deno" in globalThis) && !("Bun" in globalThis);

const AUTO = { accept: "*/*", "accept-encoding": "gzip, deflate, br", "user-agent": "aiofetch/0.1.0" };

test("the connector's hop goes on the wire byte for byte as the runtime's fetch sends it", async () => {
  const cases: Array<[string, string, Record<string, string>, Body, boolean]> = [
    // name, method, headers, body, sent without fetch on Node 18 and 20
    ["get", "GET", AUTO, null, true],
    ["get-bare", "GET", {}, null, true],
    ["head", "HEAD", AUTO, null, true],
    ["delete", "DELETE", AUTO, null, true],
    ["options", "OPTIONS", AUTO, null, true],
    ["post-none", "POST", AUTO, null, true],
    ["put-none", "PUT", AUTO, null, true],
    ["patch-none", "PATCH", AUTO, null, true],
    ["post-text", "POST", { ...AUTO, "content-type": "text/plain; charset=utf-8" }, "héllo wörld ✓", true],
    ["post-text-untyped", "POST", AUTO, "plain", true],
    ["post-empty", "POST", AUTO, "", true],
    ["put-bytes", "PUT", { ...AUTO, "content-type": "application/octet-stream" }, new Uint8Array([0, 1, 2, 255]), true],
    ["patch-json", "PATCH", { ...AUTO, "content-type": "application/json" }, '{"a":1}', true],
    ["delete-text", "DELETE", AUTO, "gone", true],
    ["delete-empty", "DELETE", AUTO, "", true],
    ["conditional", "GET", { ...AUTO, "if-none-match": '"v1"', "if-modified-since": "Mon, 01 Jan 2024 00:00:00 GMT" }, null, true],
    ["conditional-own-cache", "GET", { ...AUTO, "if-match": '"v1"', "cache-control": "max-age=0" }, null, true],
    ["range", "GET", { ...AUTO, range: "bytes=0-1" }, null, true],
    ["range-bare", "GET", { range: "bytes=0-1" }, null, true],
    ["own-host", "GET", { ...AUTO, host: "example.test" }, null, true],
    ["own-fetch-mode", "GET", { "sec-fetch-mode": "navigate", ...AUTO }, null, true],
    ["own-language", "GET", { ...AUTO, "accept-language": "fr", cookie: "a=1; b=2", authorization: "Basic dTpw" }, null, true],
    ["own-length", "POST", { ...AUTO, "content-length": "4" }, "four", false],
    ["closing", "GET", { ...AUTO, connection: "close" }, null, true],
  ];
  for (const [name, method, headers, body, dispatched] of cases) {
    const sent = await bothWays(name, method, headers, body, "?q=1&r=%20");
    assert.equal(sent.viaConnector, sent.viaFetch, name);
    assert.equal(sent.dispatched, DISPATCH_ENABLED && dispatched, `${name}: sent ${sent.dispatched ? "without" : "with"} fetch`);
  }
});

test("on Node, a connector with an Agent of its own sends to it without fetch, byte for byte as fetch would", { skip: !NODE && "another client than the runtime's fetch carries such a connector's hops there" }, async () => {
  // keepaliveTimeout gives the connector an npm undici Agent (runtime/transport_node.ts).
  const own = new TCPConnector({ keepaliveTimeout: 30_000 });
  try {
    const cases: Array<[string, string, Record<string, string>, Body, boolean]> = [
      ["agent-get", "GET", AUTO, null, true],
      ["agent-post-none", "POST", AUTO, null, true],
      ["agent-post-text", "POST", AUTO, "héllo ✓", true],
      ["agent-post-empty", "POST", AUTO, "", true],
      ["agent-put-bytes", "PUT", { ...AUTO, "content-type": "application/octet-stream" }, new Uint8Array([0, 1, 255]), true],
      ["agent-own-length", "POST", { ...AUTO, "content-length": "4" }, "four", false],
    ];
    for (const [name, method, headers, body, dispatched] of cases) {
      const sent = await bothWays(name, method, headers, body, "?q=1", own);
      assert.equal(sent.viaConnector, sent.viaFetch, name);
      assert.equal(sent.dispatched, DISPATCH_ENABLED && dispatched, `${name}: sent ${sent.dispatched ? "without" : "with"} fetch`);
    }
  } finally {
    await own.close();
  }
});

/** What a test can see of a Response. */
async function shown(response: Response): Promise<Record<string, unknown>> {
  const headers = [...response.headers];
  let refused = "";
  try {
    response.headers.set("x-added", "1");
  } catch (err) {
    refused = (err as Error).message;
  }
  const cloned = response.body ? await response.clone().text() : null;
  return {
    isResponse: response instanceof Response,
    headersAreHeaders: response.headers instanceof Headers,
    status: response.status,
    statusText: response.statusText,
    ok: response.ok,
    type: response.type,
    url: response.url,
    redirected: response.redirected,
    headers,
    setCookies: response.headers.getSetCookie(),
    refused,
    bodyIsStream: response.body === null ? null : response.body instanceof ReadableStream,
    usedBefore: response.bodyUsed,
    cloned,
    text: await response.text(),
    usedAfter: response.bodyUsed,
    again: await response.text().then(() => "read again", (err: Error) => err.constructor.name),
  };
}

test("a dispatched response reads as fetch's does: status, headers, body, clone, bodyUsed", async () => {
  for (const [path, method] of [["/cookies", "GET"], ["/no-content", "GET"], ["/not-modified", "GET"], ["/early-hints", "GET"], ["/odd-status", "GET"], ["/json", "GET"], ["/chunked", "GET"], ["/cookies", "HEAD"]] as const) {
    const init = hopInit(method, AUTO, null) as RequestInit & { duplex?: "half" };
    const ours = await connector.fetch(new URL(`${base}${path}#fragment`), init);
    assert.equal(heldBody(ours) !== undefined, DISPATCH_ENABLED, `${path}: sent ${DISPATCH_ENABLED ? "without" : "with"} fetch`);
    const theirs = await fetch(`${base}${path}#fragment`, init);
    const [mine, fetchs] = [await shown(ours), await shown(theirs)];
    // Each side's Date-free answer is the same; only what fetch decided differs.
    assert.deepEqual(mine, fetchs, `${method} ${path}`);
  }
});

test("a dispatched body reads the same as fetch's through every Response method and its stream", async () => {
  const init = () => hopInit("GET", AUTO, null) as RequestInit & { duplex?: "half" };
  const url = new URL(`${base}/json`);
  const both = async (read: (response: Response) => Promise<unknown>) => [await read(await connector.fetch(url, init())), await read(await fetch(url.href, init()))];
  const [jsonOurs, jsonTheirs] = await both((response) => response.json());
  assert.deepEqual(jsonOurs, jsonTheirs);
  const [blobOurs, blobTheirs] = await both(async (response) => {
    const blob = await response.blob();
    return [blob.type, await blob.text()];
  });
  assert.deepEqual(blobOurs, blobTheirs);
  const [bytesOurs, bytesTheirs] = await both(async (response) => [...new Uint8Array(await response.arrayBuffer())]);
  assert.deepEqual(bytesOurs, bytesTheirs);
  const [streamOurs, streamTheirs] = await both(async (response) => {
    const chunks: number[] = [];
    for await (const chunk of response.body!) chunks.push(...chunk);
    return chunks;
  });
  assert.deepEqual(streamOurs, streamTheirs);
  // Node 18's fetch bodies are no byte streams: a BYOB reader is refused there, on both sides.
  const [byobOurs, byobTheirs] = await both(async (response) => {
    try {
      const reader = response.body!.getReader({ mode: "byob" });
      const { value } = await reader.read(new Uint8Array(4));
      await reader.cancel();
      return [...value!];
    } catch (err) {
      await response.body!.cancel();
      return (err as Error).constructor.name;
    }
  });
  assert.deepEqual(byobOurs, byobTheirs);
});

test("a dispatched Response leaves none of Response's members to Response itself", { skip: !DISPATCH_ENABLED && "sent with fetch here" }, async () => {
  const response = await connector.fetch(new URL(`${base}/plain`), hopInit("GET", AUTO, null) as RequestInit & { duplex?: "half" });
  await response.arrayBuffer();
  const own = Object.getPrototypeOf(response);
  assert.notEqual(own, Response.prototype);
  // Node's Response checks in each member that it made the object: one left to it would throw.
  const left = Reflect.ownKeys(Response.prototype).filter((key) => typeof key === "string" && key !== "constructor" && !Object.hasOwn(own, key));
  assert.deepEqual(left, []);
});

test("a failure reads the same through the default connector as through a fetch of the caller's: class, message and cause", async () => {
  const port = await closedPort();
  await using viaDefault = new ClientSession();
  await using viaFetch = new ClientSession({ fetch: (input, init) => fetch(input.href, init) });
  const failure = async (session: ClientSession, url: string) => {
    try {
      await (await session.get(url)).read();
      return "no error";
    } catch (err) {
      const cause = (err as Error).cause as Error | undefined;
      // Deno names the local port of each connection.
      const shown = [(err as Error).constructor.name, (err as Error).message, cause?.constructor.name, cause?.message, (cause?.cause as Error | undefined)?.message];
      return shown.map((text) => text?.replace(/ from [\d.:]+ for /, " from … for "));
    }
  };
  for (const [url, type] of [[`http://127.0.0.1:${port}/`, ClientConnectorError], [`${base}/hang-up`, ServerDisconnectedError], [`${base}/cut`, ClientPayloadError]] as const) {
    const ours = await failure(viaDefault, url);
    assert.equal(ours[0], type.name, url);
    assert.deepEqual(ours, await failure(viaFetch, url), url);
  }
});

const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");
type AnyDispatcher = { dispatch(options: Record<string, unknown>, handler: object): boolean };

/** Runs `body` with `dispatcher` as undici's global dispatcher, then puts the one before back. */
async function withGlobalDispatcher(dispatcher: object, body: () => Promise<void>): Promise<void> {
  const slot = globalThis as unknown as Record<symbol, object>;
  const before = slot[GLOBAL_DISPATCHER]!;
  slot[GLOBAL_DISPATCHER] = dispatcher;
  try {
    await body();
  } finally {
    slot[GLOBAL_DISPATCHER] = before;
  }
}

test("on Node, a global dispatcher of the user's gets from the connector what it gets from fetch", { skip: !NODE && "Node's fetch only" }, async () => {
  const own = (globalThis as unknown as Record<symbol, AnyDispatcher>)[GLOBAL_DISPATCHER]!;
  const seen: unknown[] = [];
  // Not Node's own Agent: a dispatcher that records each call and passes it on.
  const recording: AnyDispatcher = {
    dispatch(options, handler) {
      const { body, headers, ...rest } = options;
      seen.push({ ...rest, headers: Object.entries(headers as Record<string, string>), body: Object.prototype.toString.call(body) });
      return own.dispatch(options, handler);
    },
  };
  await withGlobalDispatcher(recording, async () => {
    for (const [method, body] of [["GET", null], ["POST", "text ✓"], ["PUT", new Uint8Array([1, 2])]] as const) {
      seen.length = 0;
      const init = () => hopInit(method, { ...AUTO }, body) as RequestInit & { duplex?: "half" };
      const ours = await connector.fetch(new URL(`${base}/json`), init());
      assert.equal(heldBody(ours) !== undefined, DISPATCH_ENABLED, `${method}: sent ${DISPATCH_ENABLED ? "without" : "with"} fetch`);
      assert.equal((await ours.json() as { a: number[] }).a.length, 2);
      await (await fetch(`${base}/json`, init())).arrayBuffer();
      assert.equal(seen.length, 2, method);
      assert.deepEqual(seen[0], seen[1], method);
    }
  });
});

test("on Node, a MockAgent answers the connector as it answers fetch, matching the body as sent", { skip: !NODE && "Node's fetch only" }, async () => {
  const { MockAgent } = await import("undici");
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get("http://mocked.test");
  for (let i = 0; i < 2; i++) {
    pool.intercept({ path: "/form", method: "POST", body: "name=value" }).reply(201, "mocked text", { headers: { "content-type": "text/plain" } });
    pool.intercept({ path: "/bytes", method: "PUT", body: (sent: unknown) => String(sent) === "1,2" }).reply(200, "mocked bytes");
  }
  await withGlobalDispatcher(agent, async () => {
    await using viaDefault = new ClientSession();
    await using viaFetch = new ClientSession({ fetch: (input, init) => fetch(input.href, init) });
    for (const session of [viaDefault, viaFetch]) {
      const form = await session.post("http://mocked.test/form", { data: "name=value" });
      assert.equal(form.status, 201);
      assert.equal(await form.text(), "mocked text");
      assert.equal(heldBody(form.raw) !== undefined, DISPATCH_ENABLED && session === viaDefault);
      const bytes = await session.put("http://mocked.test/bytes", { data: new Uint8Array([1, 2]) });
      assert.equal(await bytes.text(), "mocked bytes");
    }
  });
  agent.assertNoPendingInterceptors();
  await agent.close();
});

test("on Node, npm undici's own Agent as the global dispatcher carries the connector's hops, without fetch", { skip: !NODE && "Node's fetch only" }, async () => {
  const { Agent } = await import("undici");
  const agent = new Agent();
  await withGlobalDispatcher(agent, async () => {
    await using session = new ClientSession();
    const response = await session.post(`${base}/json`, { json: { a: 1 } });
    assert.equal(heldBody(response.raw) !== undefined, DISPATCH_ENABLED);
    assert.deepEqual(await response.json(), { a: [1, 2] });
  });
  await agent.close();
});

test("a fetch put in the global fetch's place gets every hop, as before", async () => {
  const original = globalThis.fetch;
  let calls = 0;
  globalThis.fetch = ((input: string, init: RequestInit) => {
    calls++;
    return original(input, init);
  }) as typeof fetch;
  try {
    await using session = new ClientSession();
    assert.equal(await (await session.get(`${base}/plain`)).text(), "ok");
    assert.equal(await (await session.post(`${base}/plain`, { data: "x" })).text(), "ok");
  } finally {
    globalThis.fetch = original;
  }
  assert.equal(calls, 2);
});

/** An AbortSignal that counts the listeners on it. */
function countedSignal(): { controller: AbortController; listeners: () => number } {
  const controller = new AbortController();
  const { signal } = controller;
  let count = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<typeof add>) => (count++, add(...args))) as typeof add;
  signal.removeEventListener = ((...args: Parameters<typeof remove>) => (count--, remove(...args))) as typeof remove;
  return { controller, listeners: () => count };
}

test("the hop's signal aborts the connector's hop as it aborts fetch, and nothing stays listening", async () => {
  const reason = new Error("stop");
  const send = (path: string, signal: AbortSignal, viaFetch: boolean) => {
    const init = { ...hopInit("GET", AUTO, null), signal } as RequestInit & { duplex?: "half" };
    return viaFetch ? fetch(`${base}${path}`, init) : connector.fetch(new URL(`${base}${path}`), init);
  };
  for (const viaFetch of [false, true]) {
    // Before the headers: the promise rejects with the reason, as it is.
    const early = countedSignal();
    const pending = send("/silent", early.controller.signal, viaFetch);
    early.controller.abort(reason);
    await assert.rejects(pending, (err) => err === reason);
    // During the body: the read fails with it.
    const late = countedSignal();
    const response = await send("/stalled", late.controller.signal, viaFetch);
    const reading = response.arrayBuffer();
    late.controller.abort(reason);
    await assert.rejects(reading, (err) => err === reason);
    // What fetch leaves on a signal is fetch's (Node's removes its listener only when the request is collected).
    if (viaFetch || !DISPATCH_ENABLED) continue;
    assert.equal(early.listeners(), 0, "a listener is left on a signal aborted before the headers");
    assert.equal(late.listeners(), 0, "a listener is left on a signal aborted during the body");
    // Already aborted: nothing is sent.
    await assert.rejects(send("/plain", early.controller.signal, viaFetch), (err) => err === reason);
    const done = countedSignal();
    await (await send("/plain", done.controller.signal, viaFetch)).text();
    assert.equal(done.listeners(), 0, "a listener is left once the response is over");
  }
});

test("a request's own abort ends a dispatched hop as it ends a hop through fetch: in flight, and during the body", async () => {
  await using viaDefault = new ClientSession();
  await using viaFetch = new ClientSession({ fetch: (input, init) => fetch(input.href, init) });
  for (const [name, session] of [["default", viaDefault], ["fetch", viaFetch]] as const) {
    const reason = new Error(`stopped (${name})`);
    const early = new AbortController();
    const arrived = new Promise<void>((resolve) => arrivals.set(`/silent?${name}`, resolve));
    const pending = session.get(`${base}/silent?${name}`, { signal: early.signal });
    await arrived;
    early.abort(reason);
    await assert.rejects(pending, (err) => err === reason, name);
    const late = new AbortController();
    const response = await session.get(`${base}/stalled?${name}`, { signal: late.signal });
    assert.equal(heldBody(response.raw) !== undefined, DISPATCH_ENABLED && session === viaDefault, name);
    const reading = response.read();
    late.abort(reason);
    await assert.rejects(reading, (err) => err === reason, name);
  }
});
