/**
 * A WebSocket's life in its session and its process: the concurrency slot it
 * holds until it is closed, `session.close()` closing it, which waits keep
 * the process alive (a handshake, a receive) and which do not (an idle
 * socket), and on Deno the permission its dependency needs, named.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { ClientSession, ConnectionTimeoutError, WSMsgType } from "../mod.ts";
import { runChild } from "./child.ts";
import { startWsServer, wsId } from "./server/ws.ts";

const server = await startWsServer();
after(() => server.close());

const isDeno = "Deno" in globalThis;

test("an open socket holds its concurrency slot until it is closed; a refusal and a redirect free theirs at once", async () => {
  await using session = new ClientSession({ limit: 1, timeout: { total: 10_000, connect: 300 } });
  await assert.rejects(session.wsConnect(`${server.url}/reject?status=403`), /403/);
  const ws = await session.wsConnect(`${server.url}/redirect?to=%2Fecho`);
  await assert.rejects(session.wsConnect(`${server.url}/echo`), ConnectionTimeoutError);
  await assert.rejects(session.get(`${server.httpUrl}/plain`), ConnectionTimeoutError, "an http request to the same origin waits too");
  await ws.close();
  const next = await session.wsConnect(`${server.url}/echo`);
  await next.sendStr("__die");
  assert.equal((await next.receive()).type, WSMsgType.CLOSED);
  const after = await session.wsConnect(`${server.url}/echo`);
  await after.close();
});

test("limitPerHost counts a socket under its http(s) origin", async () => {
  await using session = new ClientSession({ limitPerHost: 1, timeout: { total: 10_000, connect: 300 } });
  const ws = await session.wsConnect(`${server.url}/echo`);
  await assert.rejects(session.get(`${server.httpUrl}/plain`), ConnectionTimeoutError);
  const elsewhere = await session.wsConnect(`${server.localUrl}/echo`);
  await elsewhere.close();
  await ws.close();
});

test("session.close() closes its open sockets with 1001 (going away)", async () => {
  const session = new ClientSession();
  const id = wsId("session-close");
  const ws = await session.wsConnect(`${server.url}/echo`, { params: { id } });
  const closed = await session.wsConnect(`${server.url}/echo`);
  await closed.close();
  await session.close();
  assert.equal(ws.closed, true);
  assert.equal(ws.closeCode, 1001);
  assert.deepEqual((await server.waitFor(id, ([entry]) => entry!.close !== null))[0]!.close, { code: 1001, reason: "" });
});

test("a pending handshake keeps the process alive until its connect timeout", async () => {
  const result = await runChild(`
    import { ClientSession, ConnectionTimeoutError } from MOD;
    const session = new ClientSession({ timeout: { connect: 300 } });
    try {
      await session.wsConnect("${server.url}/hang");
      console.log("opened");
    } catch (err) {
      console.log(err instanceof ConnectionTimeoutError ? "connect timeout" : String(err));
    }
  `);
  assert.equal(result.stdout.trim(), "connect timeout", `exit ${result.code}, stderr: ${result.stderr}`);
  assert.equal(result.code, 0);
});

test("an awaited receive() keeps the process alive until its message comes, and lets it go then", async () => {
  const result = await runChild(`
    import { ClientSession } from MOD;
    const session = new ClientSession();
    const ws = await session.wsConnect("${server.url}/echo");
    await ws.sendStr("__later:400:worth the wait");
    console.log(await ws.receiveStr());
  `);
  assert.equal(result.stdout.trim(), "worth the wait", `exit ${result.code}, stderr: ${result.stderr}`);
  assert.equal(result.code, 0);
});

test("an open socket nobody waits on lets the process exit, heartbeat and all", async () => {
  const result = await runChild(`
    import { ClientSession } from MOD;
    const session = new ClientSession();
    const ws = await session.wsConnect("${server.url}/echo", { heartbeat: 100 });
    console.log("open", ws.closed);
  `, 20_000);
  assert.equal(result.code, 0, `killed or failed: ${result.stderr}`);
  assert.equal(result.stdout.trim(), "open false");
});

test("on Deno, without --allow-env for ws, wsConnect throws RuntimePermissionError naming the flag; plain requests need none", { skip: !isDeno && "Deno's permissions" }, async () => {
  const result = await runChild(`
    import { ClientSession, RuntimePermissionError } from MOD;
    const session = new ClientSession();
    const resp = await session.get("${server.httpUrl}/plain");
    console.log(resp.status);
    await resp.release();
    try {
      await session.wsConnect("${server.url}/echo");
      console.log("opened");
    } catch (err) {
      console.log(err instanceof RuntimePermissionError ? err.flag : String(err));
    }
  `, 30_000, {}, ["--allow-net"]);
  assert.deepEqual(result.stdout.trim().split("\n"), ["426", "--allow-env=WS_NO_BUFFER_UTIL,WS_NO_UTF_8_VALIDATE"], result.stderr);
});
