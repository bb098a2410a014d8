/**
 * aiofetch's own HTTP/1.1 client (src/runtime/h1_client.ts), which Deno's
 * transport sends through: framing, connection reuse, stale connections,
 * broken answers and aborts, against a server scripted byte by byte
 * (server/raw.ts). The client is given sockets of node:net here, so that
 * these run on every runtime; the Deno transport's own sockets are tested
 * through it in tls.test.ts, unix.test.ts and connector.test.ts.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { ClientPayloadError, ClientResponseError, ClientSession, ServerDisconnectedError, TCPConnector } from "../mod.ts";
import { type ByteSocket, SocketClient } from "../src/runtime/h1_client.ts";
import { DENO_FETCH_HEADERS, socketFetch } from "../src/runtime/transport_socket.ts";
import { type RawAnswer, startRawServer } from "./server/raw.ts";

/** A node:net socket as the client reads it: pulled, paused while nothing is asked for. */
async function netSocket(origin: string): Promise<ByteSocket> {
  const { hostname, port } = new URL(origin);
  const socket = net.connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const chunks: Uint8Array[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const woken = () => {
    wake?.();
    wake = undefined;
  };
  socket.on("data", (chunk: Uint8Array) => {
    chunks.push(chunk);
    socket.pause();
    woken();
  });
  socket.on("end", () => (ended = true, woken()));
  socket.on("close", () => (ended = true, woken()));
  socket.on("error", (err) => (failure = err, woken()));
  return {
    async read(into) {
      while (!chunks.length && !ended && !failure) await new Promise<void>((resolve) => (wake = resolve));
      if (!chunks.length) {
        if (failure) throw failure;
        return null;
      }
      const chunk = chunks[0]!;
      const count = Math.min(chunk.length, into.length);
      into.set(chunk.subarray(0, count));
      if (count === chunk.length) chunks.shift();
      else chunks[0] = chunk.subarray(count);
      if (!chunks.length) socket.resume();
      return count;
    },
    write: (bytes) =>
      new Promise((resolve, reject) => {
        if (socket.destroyed || socket.writableEnded) return reject(Object.assign(new Error("write after end"), { code: "EPIPE" }));
        socket.write(bytes, (err) => (err ? reject(err) : resolve(bytes.length)));
      }),
    close: () => void socket.destroy(),
  };
}

const ok = (body: string, extra = ""): string => `HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n${extra}\r\n${body}`;
const big = new Uint8Array(1024 * 1024).map((_, i) => i % 251);

const answers: Record<string, RawAnswer> = {
  "/length": { writes: [ok("hello")] },
  "/split": { writes: ["HTTP/1.1 200 OK\r\ncont", "ent-length: 11\r\n\r", "\nhello", " world"] },
  "/chunked": {
    writes: ["HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r", "\nhel", "lo\r\n6;ext=1\r\n wor", "ld\r\n0\r\nx-trailer: 1\r\n", "\r\n"],
  },
  "/until-close": { writes: ["HTTP/1.1 200 OK\r\n\r\nread to ", "the end"], after: "end" },
  "/close": { writes: [ok("bye", "connection: close\r\n")], after: "end" },
  "/continue": { writes: ["HTTP/1.1 100 Continue\r\n\r\n", ok("ok")] },
  "/no-content": { writes: ["HTTP/1.1 204 No Content\r\n\r\n"] },
  "/short-keep-alive": { writes: [ok("brief", "keep-alive: timeout=1\r\n")] },
  "/truncated": { writes: ["HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc"], after: "destroy" },
  "/truncated-chunked": { writes: ["HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhel"], after: "destroy" },
  "/two-lengths": { writes: ["HTTP/1.1 200 OK\r\ncontent-length: 3\r\ncontent-length: 4\r\n\r\nabcd"] },
  "/not-http": { writes: ["SSH-2.0-OpenSSH_9.6\r\n\r\n"] },
  "/silent": { writes: [], after: "destroy" },
  "/then-close": { writes: [ok("first")], after: "close" },
  "/stalls": { writes: ["HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nsome of it"] },
  "/big": { writes: [`HTTP/1.1 200 OK\r\ncontent-length: ${big.length}\r\n\r\n`, big.subarray(0, 300_000), big.subarray(300_000)] },
  "/echo-head": { writes: [ok("seen")] },
  "/head": { writes: ["HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n"] },
};
const server = await startRawServer(answers);
after(() => server.close());
const base = `http://127.0.0.1:${server.port}`;

/** A session sending through a client of its own over node:net (nothing goes to fetch), both closed when disposed. */
function socketSession(): { session: ClientSession; client: SocketClient; [Symbol.asyncDispose](): Promise<void> } {
  const client = new SocketClient({ connect: netSocket, keepAliveTimeout: undefined });
  const viaFetch = () => Promise.reject(new Error("sent through fetch"));
  const session = new ClientSession({ connector: new TCPConnector({ fetch: socketFetch(client, viaFetch, DENO_FETCH_HEADERS) }) });
  return {
    session,
    client,
    async [Symbol.asyncDispose]() {
      await session.close();
      await client.close();
    },
  };
}

const since = (from: number) => server.requests.slice(from);

test("a Content-Length body, also when its head and body come in pieces, and the connection reused", async () => {
  await using socket = socketSession();
  const { session } = socket;
  const from = server.requests.length;
  assert.equal(await (await session.get(`${base}/length`)).text(), "hello");
  assert.equal(await (await session.get(`${base}/split`)).text(), "hello world");
  const [first, second] = since(from);
  assert.equal(second!.connection, first!.connection);
});

test("a chunked body across reads, sizes and extensions split, trailers read, the connection reused", async () => {
  await using socket = socketSession();
  const { session } = socket;
  const from = server.requests.length;
  const response = await session.get(`${base}/chunked`);
  assert.equal(response.headers.get("transfer-encoding"), "chunked");
  assert.equal(await response.text(), "hello world");
  assert.equal(await (await session.get(`${base}/length`)).text(), "hello");
  const [first, second] = since(from);
  assert.equal(second!.connection, first!.connection);
});

test("a body with no length is read to the connection's end, which is then not reused; nor one the server closes", async () => {
  await using socket = socketSession();
  const { session } = socket;
  const from = server.requests.length;
  assert.equal(await (await session.get(`${base}/until-close`)).text(), "read to the end");
  assert.equal(await (await session.get(`${base}/close`)).text(), "bye");
  assert.equal(await (await session.get(`${base}/length`)).text(), "hello");
  const connections = since(from).map((request) => request.connection);
  assert.equal(new Set(connections).size, 3);
});

test("100 Continue is skipped; 204 and HEAD have no body and keep the connection", async () => {
  await using socket = socketSession();
  const { session } = socket;
  const from = server.requests.length;
  const continued = await session.get(`${base}/continue`);
  assert.equal(continued.status, 200);
  assert.equal(await continued.text(), "ok");
  const empty = await session.get(`${base}/no-content`);
  assert.equal(empty.status, 204);
  assert.equal(await empty.text(), "");
  const head = await session.head(`${base}/head`);
  assert.equal(head.headers.get("content-length"), "5");
  assert.equal(await head.text(), "");
  assert.equal(await (await session.get(`${base}/length`)).text(), "hello");
  assert.equal(new Set(since(from).map((request) => request.connection)).size, 1);
});

test("the request's head: the method, the path and query, Host, the headers, and the body with its length", async () => {
  await using socket = socketSession();
  const { session } = socket;
  const from = server.requests.length;
  await (await session.post(`${base}/echo-head?q=1`, { data: "payload", headers: { "x-one": "1", "x-name": "caf\u00e9" } })).text();
  await (await session.get(`${base}/echo-head`, { headers: { connection: "close" } })).text();
  await (await session.get(`${base}/echo-head`)).text();
  const [post, closing, after] = since(from);
  assert.equal(post!.method, "POST");
  assert.equal(post!.path, "/echo-head?q=1");
  assert.equal(post!.headers.host, `127.0.0.1:${server.port}`);
  assert.equal(post!.headers["x-one"], "1");
  // One byte per character, as fetch sends a header (the server reads the head as Latin-1): not UTF-8.
  assert.equal(post!.headers["x-name"], "caf\u00e9");
  // What the runtime's fetch adds, where the request has none: here Deno's.
  assert.equal(post!.headers["accept-language"], "*");
  assert.equal(post!.headers["content-length"], "7");
  assert.equal(post!.body, "payload");
  // Connection: close asked for (forceClose sends it): that connection is not kept.
  assert.equal(closing!.connection, post!.connection);
  assert.notEqual(after!.connection, closing!.connection);
});

test("a server's Keep-Alive timeout of a second: the connection is not kept", async () => {
  await using socket = socketSession();
  const { session } = socket;
  const from = server.requests.length;
  assert.equal(await (await session.get(`${base}/short-keep-alive`)).text(), "brief");
  assert.equal(await (await session.get(`${base}/length`)).text(), "hello");
  const [first, second] = since(from);
  assert.notEqual(second!.connection, first!.connection);
});

test("a kept connection the server closed meanwhile: a GET is sent again on a new one, a POST is not", async () => {
  await using socket = socketSession();
  const { session } = socket;
  const from = server.requests.length;
  // The server ends the connection after answering, without saying so: the client keeps it.
  assert.equal(await (await session.get(`${base}/then-close`)).text(), "first");
  await server.allClosed();
  assert.equal(await (await session.get(`${base}/length`)).text(), "hello");
  const [first, second] = since(from);
  assert.notEqual(second!.connection, first!.connection);

  assert.equal(await (await session.get(`${base}/then-close`)).text(), "first");
  await server.allClosed();
  const before = server.requests.length;
  const err = await session.post(`${base}/length`, { data: "once" }).catch((e: unknown) => e);
  assert.ok(err instanceof ServerDisconnectedError, `got ${String(err)}`);
  assert.match(err.message, /^POST http:\/\/127\.0\.0\.1:\d+\/length: server disconnected \(E[A-Z]+\)/);
  assert.equal(server.requests.length, before);
});

test("several kept connections gone stale: the GET is sent again on a new connection, not on another stale one", async () => {
  await using socket = socketSession();
  const { session } = socket;
  const from = server.requests.length;
  const both = await Promise.all([session.get(`${base}/then-close`), session.get(`${base}/then-close`)]);
  for (const response of both) assert.equal(await response.text(), "first");
  await server.allClosed();
  assert.equal(await (await session.get(`${base}/length`)).text(), "hello");
  const connections = since(from).map((request) => request.connection);
  assert.equal(new Set(connections).size, 3);
});

test("a body cut short, plain or chunked: ClientPayloadError; a server gone before answering: ServerDisconnectedError", async () => {
  await using socket = socketSession();
  const { session } = socket;
  for (const path of ["/truncated", "/truncated-chunked"]) {
    const response = await session.get(`${base}${path}`);
    const err = await response.text().catch((e: unknown) => e);
    assert.ok(err instanceof ClientPayloadError, `${path}: got ${String(err)}`);
    assert.match(err.message, /the server closed the connection/);
  }
  const silent = await session.get(`${base}/silent`).catch((e: unknown) => e);
  assert.ok(silent instanceof ServerDisconnectedError, `got ${String(silent)}`);
  assert.match(silent.message, /the server closed the connection without answering/);
});

test("an answer that is not HTTP/1.1, or has two Content-Lengths: an error naming what is wrong, not a guess", async () => {
  await using socket = socketSession();
  const { session } = socket;
  for (const [path, said] of [["/not-http", /not HTTP\/1\.1: "SSH-2\.0-OpenSSH_9\.6"/], ["/two-lengths", /two different Content-Lengths/]] as const) {
    const err = await session.get(`${base}${path}`).catch((e: unknown) => e);
    assert.ok(err instanceof ClientPayloadError || err instanceof ClientResponseError, `${path}: got ${String(err)}`);
    assert.match((err as Error).message, said);
    assert.ok((err as Error).message.startsWith(`GET ${base}${path}: `), (err as Error).message);
  }
});

test("a megabyte read as a stream, chunk by chunk, arrives whole and in order", async () => {
  await using socket = socketSession();
  const { session } = socket;
  const response = await session.get(`${base}/big`);
  const parts: Uint8Array[] = [];
  for await (const chunk of response.content.iterChunked(8192)) parts.push(chunk);
  const got = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) got.set(part, at), at += part.length;
  assert.equal(got.length, big.length);
  assert.ok(got.every((byte, i) => byte === big[i]), "bytes differ");
});

test("an abort during the body fails the read with the abort and closes the connection; closing the client closes idle ones", async () => {
  await using socket = socketSession();
  const { session, client } = socket;
  const from = server.requests.length;
  const controller = new AbortController();
  const response = await session.get(`${base}/stalls`, { signal: controller.signal });
  const reading = response.text().catch((e: unknown) => e);
  controller.abort(new Error("enough"));
  const err = await reading;
  assert.match(String((err as Error)?.message), /enough/);
  await server.allClosed();
  assert.equal(await (await session.get(`${base}/length`)).text(), "hello");
  assert.notEqual(since(from)[1]!.connection, since(from)[0]!.connection);
  await client.close();
  await server.allClosed();
});
