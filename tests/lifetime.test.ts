/**
 * A process's life around its requests, in a child process each: a pending
 * request keeps the process alive until it settles (with its timeout error,
 * never a silent exit), and a finished one lets it exit.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { CHILD_GC, runChild } from "./child.ts";
import { startServer } from "./server/mod.ts";

const server = await startServer();
after(() => server.close());

test("a request waiting for a slot keeps the process alive until its connect timeout", async () => {
  const result = await runChild(`
    import { ClientSession, ConnectionTimeoutError } from MOD;
    const session = new ClientSession({ limit: 1 });
    const held = await session.get("${server.url}/bytes/100");
    try {
      await session.get("${server.url}/get", { timeout: { connect: 300 } });
      console.log("no error");
    } catch (err) {
      console.log(err instanceof ConnectionTimeoutError ? "connect timeout" : String(err));
    }
    await held.release();
  `);
  assert.equal(result.stdout.trim(), "connect timeout", `exit ${result.code}, stderr: ${result.stderr}`);
  assert.equal(result.code, 0);
});

test("a body its runtime never finishes keeps the process alive until the total timeout", async () => {
  // A fetch whose body never yields nor ends: nothing but aiofetch's timer is left to wait on.
  const result = await runChild(`
    import { ClientSession, ServerTimeoutError } from MOD;
    const stuck = () => Promise.resolve(new Response(new ReadableStream({ pull: () => new Promise(() => {}) })));
    const session = new ClientSession({ fetch: stuck, timeout: { total: 500 } });
    const resp = await session.get("http://example.invalid/");
    try {
      await resp.read();
      console.log("no error");
    } catch (err) {
      console.log(err instanceof ServerTimeoutError ? "total timeout" : String(err));
    }
  `);
  assert.equal(result.stdout.trim(), "total timeout", `exit ${result.code}, stderr: ${result.stderr}`);
  assert.equal(result.code, 0);
});

test("a process with finished requests and an unread response exits at once, session left open", async () => {
  const result = await runChild(`
    import { ClientSession } from MOD;
    const session = new ClientSession();
    console.log(await (await session.get("${server.url}/get")).json() !== null);
    const unread = await session.get("${server.url}/bytes/100");
    console.log(unread.status);
  `, 20_000);
  assert.equal(result.code, 0, `killed or failed: ${result.stderr}`);
  assert.deepEqual(result.stdout.trim().split("\n"), ["true", "200"]);
});

test("an unread response that is garbage-collected frees its slot, with one warning naming the request", async () => {
  const result = await runChild(`
    import { ClientSession } from MOD;
    ${CHILD_GC}
    const session = new ClientSession({ limit: 1 });
    // The response is unreachable once this returns: only its status was wanted.
    const peek = async (path) => (await session.get("${server.url}" + path)).status;
    const collector = setInterval(gc, 20);
    console.log(await peek("/bytes/100"));
    console.log(await peek("/bytes/200"));
    const next = await session.get("${server.url}/get", { timeout: { connect: 20000 } });
    console.log(next.status);
    await next.release();
    // A body claimed by a reader is the reader's: dropping the response does not cut it.
    const stream = (await session.get("${server.url}/bytes/300000")).body;
    let bytes = 0;
    for await (const chunk of stream) bytes += chunk.byteLength;
    const text = await session.get("${server.url}/bytes/300000").then((resp) => resp.read());
    console.log(bytes, text.byteLength);
    clearInterval(collector);
    await session.close();
  `);
  assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}`);
  assert.deepEqual(result.stdout.trim().split("\n"), ["200", "200", "200", "300000 300000"]);
  const warnings = result.stderr.split("\n").filter((line) => line.includes("garbage-collected"));
  assert.equal(warnings.length, 1, result.stderr);
  assert.match(warnings[0]!, /the response to GET http:\/\/127\.0\.0\.1:\d+\/bytes\/100 was garbage-collected/);
});
