/**
 * The WebSocket client's messages and closing, against the ws test server
 * (a Node process running npm `ws`), asserting what the server saw as well.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import {
  ClientConnectionError,
  ClientSession,
  ClientWSTimeout,
  ServerTimeoutError,
  WebSocketError,
  type WSMessage,
  WSMessageTypeError,
  WSMsgType,
} from "../mod.ts";
import { inspect } from "node:util";
import { startWsServer, wsId } from "./server/ws.ts";

const server = await startWsServer();
const session = new ClientSession();
after(async () => {
  await session.close();
  await server.close();
});

/** Opens `path` on the test server under a fresh log id. */
async function open(path: string, options: Parameters<ClientSession["wsConnect"]>[1] = {}) {
  const id = wsId(path.replace(/\W/g, ""));
  const ws = await session.wsConnect(`${server.url}${path}`, { ...options, params: { id } });
  return { ws, id };
}

/** The log of `id` once the server saw its connection close. */
const closedLog = (id: string) => server.waitFor(id, (entries) => entries.at(-1)?.close != null);

test("text, bytes and JSON are echoed, and the server saw each with its type", async () => {
  const { ws, id } = await open("/echo");
  await ws.sendStr("hello");
  assert.equal(await ws.receiveStr(), "hello");
  await ws.sendBytes(new Uint8Array([1, 2, 3]));
  assert.deepEqual([...await ws.receiveBytes()], [1, 2, 3]);
  await ws.sendBytes(new Uint16Array([0x0201]).buffer);
  await ws.sendBytes(new DataView(new Uint8Array([9, 8, 7]).buffer, 1));
  assert.deepEqual([...await ws.receiveBytes(), ...await ws.receiveBytes()], [1, 2, 8, 7]);
  await ws.sendJson({ a: [1, "two"] });
  assert.deepEqual(await ws.receiveJson(), { a: [1, "two"] });
  const message = await (ws.sendStr('{"b":2}'), ws.receive());
  assert.equal(message.type, WSMsgType.TEXT);
  assert.deepEqual(message.type === WSMsgType.TEXT && message.json(), { b: 2 });
  assert.equal(await ws.close(), true);
  const [entry] = await closedLog(id);
  assert.deepEqual(entry!.messages.map(({ type, size }) => [type, size]), [["text", 5], ["binary", 3], ["binary", 2], ["binary", 2], ["text", 15], ["text", 7]]);
  assert.equal(entry!.messages[4]!.text, '{"a":[1,"two"]}');
  assert.deepEqual(entry!.close, { code: 1000, reason: "" });
});

test("async iteration yields each message and ends at the server's CLOSE, whose code becomes closeCode", async () => {
  const { ws } = await open("/echo");
  await ws.sendStr("__stream:3");
  const texts: string[] = [];
  for await (const msg of ws) {
    assert.equal(msg.type, WSMsgType.TEXT);
    if (msg.type === WSMsgType.TEXT) texts.push(msg.data);
    if (texts.length === 3) await ws.sendStr("__close:4002:server says bye");
  }
  assert.deepEqual(texts, ["message 0", "message 1", "message 2"]);
  assert.equal(ws.closed, true);
  assert.equal(ws.closeCode, 4002);
  assert.equal((await ws.receive()).type, WSMsgType.CLOSED, "CLOSED for ever after");
  assert.equal(await ws.close(), false, "already closed");
});

test("receive() returns the server's CLOSE with its code and reason, then CLOSED", async () => {
  const { ws } = await open("/echo");
  await ws.sendStr("__close:4003:going");
  const close = await ws.receive();
  assert.deepEqual([close.type, close.data, close.extra], [WSMsgType.CLOSE, 4003, "going"]);
  assert.equal((await ws.receive()).type, WSMsgType.CLOSED);
});

test("close({ code, message }) sends them, waits for the server's answer and resolves to true once; sending after it fails", async () => {
  const { ws, id } = await open("/echo");
  assert.equal(await ws.close({ code: 4001, message: "client says bye" }), true);
  assert.equal(ws.closed, true);
  assert.equal(ws.closeCode, 4001, "the server's answer echoes the code");
  assert.equal(await ws.close(), false);
  assert.deepEqual((await closedLog(id))[0]!.close, { code: 4001, reason: "client says bye" });
  await assert.rejects(ws.sendStr("late"), (err: unknown) => err instanceof ClientConnectionError && /sendStr\(\): the WebSocket is closed/.test(err.message));
  assert.equal((await ws.receive()).type, WSMsgType.CLOSED);
});

test("close() refuses codes that cannot be sent and reasons over 123 bytes", async () => {
  const { ws } = await open("/echo");
  await assert.rejects(ws.close({ code: 1006 }), RangeError);
  await assert.rejects(ws.close({ code: 2000 }), RangeError);
  await assert.rejects(ws.close({ message: "x".repeat(124) }), RangeError);
  assert.equal(ws.closed, false);
  await ws.close({ code: 1001 });
  assert.equal(ws.closeCode, 1001);
});

test("close() while a receive() waits: the receive gets CLOSING, and iteration ends quietly", async () => {
  const { ws } = await open("/echo");
  const waiting = ws.receive();
  const iterated: WSMessage[] = [];
  assert.equal(await ws.close(), true);
  assert.equal((await waiting).type, WSMsgType.CLOSING);
  for await (const msg of ws) iterated.push(msg);
  assert.deepEqual(iterated, []);
});

test("receiveStr() of a binary message and receiveBytes() of a text one throw WSMessageTypeError", async () => {
  const { ws } = await open("/echo");
  await ws.sendBytes(new Uint8Array(4));
  await assert.rejects(ws.receiveStr(), (err: unknown) => err instanceof WSMessageTypeError && err.received === WSMsgType.BINARY && /WSMsgType\.BINARY:4 bytes is not WSMsgType\.TEXT/.test(err.message));
  await ws.sendStr("text");
  await assert.rejects(ws.receiveBytes(), (err: unknown) => err instanceof WSMessageTypeError && err instanceof TypeError);
  await ws.close();
  await assert.rejects(ws.receiveStr(), (err: unknown) => err instanceof WSMessageTypeError && err.received === WSMsgType.CLOSED);
});

test("one reader at a time: a second receive() while one waits is a TypeError", async () => {
  const { ws } = await open("/echo");
  const first = ws.receive();
  await assert.rejects(ws.receive(), TypeError);
  await ws.sendStr("for the first");
  assert.equal((await first).data, "for the first");
  await ws.close();
});

test("autoping: the server's PING is answered and hidden; with autoping false it is returned and pong() answers it", async () => {
  const auto = await open("/echo");
  await auto.ws.sendStr("__ping");
  await auto.ws.sendStr("after the ping");
  assert.equal(await auto.ws.receiveStr(), "after the ping", "no PING message in between");
  assert.equal((await server.waitFor(auto.id, ([entry]) => entry!.pongs > 0))[0]!.pongs, 1);
  await auto.ws.close();

  const manual = await open("/echo", { autoping: false });
  await manual.ws.sendStr("__ping");
  const ping = await manual.ws.receive();
  assert.equal(ping.type, WSMsgType.PING);
  assert.equal(new TextDecoder().decode(ping.data as Uint8Array), "hello");
  // An automatic PONG would reach the server before this message, on the same stream.
  await manual.ws.sendStr("order");
  assert.equal(await manual.ws.receiveStr(), "order");
  assert.equal((await server.log(manual.id))[0]!.pongs, 0, "not answered by itself");
  await manual.ws.pong(ping.data as Uint8Array);
  await server.waitFor(manual.id, ([entry]) => entry!.pongs === 1);
  await manual.ws.close();
});

test("ping() reaches the server; payloads over 125 bytes are refused", async () => {
  const { ws, id } = await open("/echo");
  await ws.ping("are you there");
  await server.waitFor(id, ([entry]) => entry!.pings === 1);
  await assert.rejects(ws.ping(new Uint8Array(126)), RangeError);
  await ws.close();
});

test("heartbeat: a live server gets a PING per interval and the socket stays open", async () => {
  const { ws, id } = await open("/echo", { heartbeat: 150 });
  await server.waitFor(id, ([entry]) => entry!.pings >= 2);
  assert.equal(ws.closed, false);
  assert.equal(ws.exception(), null);
  await ws.sendStr("still here");
  assert.equal(await ws.receiveStr(), "still here");
  await ws.close();
});

test("heartbeat: a server that stops answering PINGs is found out; receive() gets ERROR with a ServerTimeoutError, closeCode 1006", { timeout: 20_000 }, async () => {
  const { ws, id } = await open("/echo", { heartbeat: 300 });
  await ws.sendStr("__freeze");
  const msg = await ws.receive();
  assert.equal(msg.type, WSMsgType.ERROR);
  assert.ok(msg.data instanceof ServerTimeoutError, String(msg.data));
  assert.match(String(msg.data.message), /no PONG received after 150 ms \(heartbeat\)/);
  assert.equal(ws.exception(), msg.data);
  assert.equal(ws.closeCode, 1006);
  assert.equal(ws.closed, true);
  assert.equal((await ws.receive()).type, WSMsgType.CLOSED);
  assert.equal(await ws.close(), false);
  assert.ok((await server.log(id))[0]!.frozen, "the server froze");
});

test("a receive timeout throws ServerTimeoutError and sets closeCode 1006; the socket still delivers later messages", { timeout: 20_000 }, async () => {
  const { ws } = await open("/echo", { timeout: new ClientWSTimeout({ wsReceive: 150 }) });
  await assert.rejects(ws.receive(), (err: unknown) => err instanceof ServerTimeoutError && /ClientWSTimeout\.wsReceive/.test(err.message));
  assert.equal(ws.closeCode, 1006);
  assert.equal(ws.closed, false);
  await ws.sendStr("late");
  assert.equal(await ws.receiveStr({ timeout: 0 }), "late", "0: no timeout for this receive");
  assert.equal(await ws.close(), true);

  const legacy = await open("/echo", { receiveTimeout: 100 });
  await assert.rejects(legacy.ws.receiveBytes(), ServerTimeoutError);
  await assert.rejects(legacy.ws.receive(50), ServerTimeoutError);
  await assert.rejects(legacy.ws.receiveJson(50), ServerTimeoutError);
  await legacy.ws.close();
});

test("a receive() ends with its signal's reason, and the socket stays usable", async () => {
  const { ws } = await open("/echo");
  const controller = new AbortController();
  const waiting = ws.receive({ signal: controller.signal });
  controller.abort(new Error("not any more"));
  await assert.rejects(waiting, /not any more/);
  await ws.sendStr("next");
  assert.equal(await ws.receiveStr(), "next");
  await ws.close();
});

test("maxMsgSize: a larger message is an ERROR with WebSocketError 1009, and the server is told 1009", async () => {
  const { ws, id } = await open("/echo", { maxMsgSize: 1000 });
  await ws.sendStr("__big:1000");
  assert.equal((await ws.receiveBytes()).byteLength, 1000, "up to the limit passes");
  await ws.sendStr("__big:1001");
  const msg = await ws.receive();
  assert.equal(msg.type, WSMsgType.ERROR);
  assert.ok(msg.data instanceof WebSocketError);
  assert.equal(msg.data.code, 1009);
  assert.equal(ws.closeCode, 1009);
  assert.equal(ws.exception(), msg.data);
  assert.equal((await ws.receive()).type, WSMsgType.CLOSED);
  assert.equal((await closedLog(id))[0]!.close!.code, 1009);
});

test("the default maxMsgSize is 4 MiB", async () => {
  const { ws } = await open("/echo");
  await ws.sendStr(`__big:${4 * 1024 * 1024}`);
  assert.equal((await ws.receiveBytes()).byteLength, 4 * 1024 * 1024);
  await ws.sendStr(`__big:${4 * 1024 * 1024 + 1}`);
  const msg = await ws.receive();
  assert.ok(msg.type === WSMsgType.ERROR && msg.data instanceof WebSocketError && msg.data.code === 1009);
});

test("a text message that is not UTF-8 is an ERROR with WebSocketError 1007, which iteration yields before it ends", async () => {
  const { ws } = await open("/echo");
  await ws.sendStr("__badutf8");
  const seen: WSMessage[] = [];
  for await (const msg of ws) seen.push(msg);
  assert.deepEqual(seen.map((msg) => msg.type), [WSMsgType.ERROR]);
  const error = seen[0]!.data;
  assert.ok(error instanceof WebSocketError, String(error));
  assert.equal(error.code, 1007);
  assert.equal(ws.closeCode, 1007);
});

test("compress: permessage-deflate is offered and agreed; without it none is offered", async () => {
  const { ws, id } = await open("/deflate", { compress: 15 });
  assert.equal(ws.compress, 15);
  const text = "compressible ".repeat(10_000);
  await ws.sendStr(text);
  assert.equal(await ws.receiveStr(), text);
  await ws.close();
  const [entry] = await server.log(id);
  assert.match(entry!.headers["sec-websocket-extensions"]!, /^permessage-deflate; client_max_window_bits$/);
  assert.equal(entry!.extensions, "permessage-deflate");

  const plain = await open("/deflate");
  assert.equal(plain.ws.compress, 0);
  await plain.ws.close();
  assert.equal((await server.log(plain.id))[0]!.headers["sec-websocket-extensions"], undefined);
  await assert.rejects(session.wsConnect(`${server.url}/deflate`, { compress: 8 }), /compress must be 0 or a window size from 9 to 15/);
});

test("close() against a frozen server is bounded by wsClose: the connection is dropped and closeCode is 1006", { timeout: 20_000 }, async () => {
  const { ws } = await open("/echo", { timeout: { wsClose: 300 } });
  await ws.sendStr("__freeze");
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(await ws.close(), true);
  assert.equal(ws.closeCode, 1006);
  assert.equal(ws.closed, true);
});

test("a server that dies mid-stream: the messages before come, then CLOSED, with closeCode 1006", { timeout: 20_000 }, async () => {
  const { ws } = await open("/echo");
  await ws.sendStr("__stream:5");
  await ws.sendStr("__die");
  const seen: string[] = [];
  for await (const msg of ws) if (msg.type === WSMsgType.TEXT) seen.push(msg.data);
  assert.deepEqual(seen, ["message 0", "message 1", "message 2", "message 3", "message 4"]);
  assert.equal(ws.closeCode, 1006);
  assert.equal(ws.closed, true);
  await assert.rejects(ws.sendStr("too late"), ClientConnectionError);
});

test("backpressure: sends to a server that stopped reading wait, rather than buffering 32 MiB", { timeout: 60_000 }, async () => {
  const { ws, id } = await open("/echo");
  await ws.sendStr("__stall");
  await server.waitFor(id, ([entry]) => entry!.stalled === true);
  const chunk = new Uint8Array(1024 * 1024);
  let flushed = 0;
  const sending = (async () => {
    for (let i = 0; i < 32; i++) {
      await ws.sendBytes(chunk);
      flushed++;
    }
  })();
  // A second for the sends to run ahead: without backpressure all 32 would resolve at once, from memory.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.ok(flushed < 32, `only what the system's buffers hold is flushed (${flushed} MiB)`);
  await server.resume(id);
  await sending;
  const [entry] = await server.waitFor(id, ([entry]) => entry!.messages.length === 33);
  assert.equal(entry!.messages.slice(1).reduce((sum, m) => sum + m.size, 0), 32 * 1024 * 1024);
  // The 32 MiB echoed back wait unread, and reading paused: close() reads on, so the server's CLOSE gets through.
  await ws.close();
  assert.equal(ws.closeCode, 1000);
});

test("subprotocols: the server's choice among those offered is protocol; an answer that chose none is refused", async () => {
  const { ws, id } = await open("/protocols", { protocols: ["chat", "superchat"] });
  assert.equal(ws.protocol, "chat");
  await ws.close();
  assert.equal((await server.log(id))[0]!.headers["sec-websocket-protocol"], "chat,superchat");
  const { ws: none } = await open("/echo");
  assert.equal(none.protocol, null);
  await none.close();
  await assert.rejects(open("/echo", { protocols: ["chat"] }), /Invalid subprotocol/);
  await assert.rejects(open("/echo", { protocols: ["chat", "chat"] }), /offered twice/);
  await assert.rejects(open("/echo", { protocols: ["not a token"] }), /is not a token/);
});

test("String(ws) and console.log show the URL and the state", async () => {
  const { ws } = await open("/echo");
  assert.match(String(ws), /^<ClientWebSocketResponse\(ws:\/\/127\.0\.0\.1:\d+\/echo\?id=[\w-]+\) \[open\]>$/);
  await ws.close({ code: 4000 });
  assert.match(inspect(ws), / \[closed 4000\]>$/);
});

test("await using closes the socket at the end of the block", async () => {
  const id = wsId("using");
  {
    await using ws = await session.wsConnect(`${server.url}/echo`, { params: { id } });
    await ws.sendStr("inside");
    assert.equal(await ws.receiveStr(), "inside");
  }
  assert.deepEqual((await closedLog(id))[0]!.close, { code: 1000, reason: "" });
});
