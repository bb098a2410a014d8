import { after, test } from "node:test";
import assert from "node:assert/strict";
import { ClientConnectionError, ClientConnectorError, ClientSession, ClientTimeout, ConnectionTimeoutError, SocketTimeoutError, UnixClientConnectorError, UnixConnector } from "../mod.ts";
import type { Echo } from "./server/mod.ts";
import { allClosed } from "./server/listen.ts";
import { startUnixServer, unusedSocketPath } from "./server/unix.ts";

const server = await startUnixServer();
after(() => server.close());

const unixSession = () => new ClientSession({ connector: new UnixConnector({ path: server.path }) });

test("a UnixConnector sends GET and POST over its socket, the URL's host making only the Host header", async () => {
  await using session = unixSession();
  const get = await session.get("http://localhost/get", { params: { q: "1" } });
  const echo = await get.json() as Echo;
  assert.equal(echo.path, "/get");
  assert.deepEqual(echo.args, { q: "1" });
  assert.equal(echo.headers.host, "localhost");

  const json = await session.post("http://localhost/post", { json: { over: "unix" } });
  assert.deepEqual((await json.json() as Echo).json, { over: "unix" });
  const chunks = [new TextEncoder().encode("streamed "), new TextEncoder().encode("body")];
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks.shift();
      if (chunk) controller.enqueue(chunk);
      else controller.close();
    },
  });
  const streamed = await session.post("http://localhost/post", { data: stream });
  assert.equal((await streamed.json() as Echo).data, "streamed body");

  const redirected = await session.get("http://localhost/redirect/2");
  assert.equal(redirected.history.length, 2);
  assert.equal((await redirected.json() as Echo).path, "/get");
});

test("a missing socket: UnixClientConnectorError with the path and ENOENT", async () => {
  const path = unusedSocketPath();
  await using session = new ClientSession({ connector: new UnixConnector({ path }) });
  const err = await session.get("http://localhost/get").catch((e: unknown) => e);
  assert.ok(err instanceof UnixClientConnectorError, `got ${String(err)}`);
  assert.ok(err instanceof ClientConnectorError);
  assert.equal(err.path, path);
  assert.equal(err.code, "ENOENT");
  assert.equal(err.host, "localhost");
  assert.equal(err.port, 80);
  assert.ok(err.message.startsWith(`GET http://localhost/get: cannot connect to the unix socket ${path} (ENOENT): `), err.message);
});

test("a UnixConnector speaks plain HTTP: an https URL and a request's own ssl are refused, nothing sent", async () => {
  await using session = unixSession();
  const connections = server.connections();
  const err = await session.get("https://localhost/get").catch((e: unknown) => e);
  assert.ok(err instanceof ClientConnectionError && !(err instanceof ClientConnectorError), `got ${String(err)}`);
  assert.equal(err.message, "GET https://localhost/get: a UnixConnector speaks plain HTTP over its socket; use an http: URL");
  await assert.rejects(session.get("http://localhost/get", { ssl: false }), (e: unknown) => e instanceof TypeError && /ssl is not an option of a UnixConnector's requests/.test(e.message));
  assert.equal(server.connections(), connections);
  assert.throws(() => new UnixConnector({ path: "" }), /new UnixConnector\(\): path must be the socket's path, a non-empty string/);
});

test("timeouts over a UnixConnector: no headers in time, a gap in the body; the connection is not used again", async () => {
  const session = new ClientSession({ connector: new UnixConnector({ path: server.path }), timeout: new ClientTimeout({ connect: 150, sockRead: 150 }) });
  const slow = await session.get("http://localhost/drip?delay=5&numbytes=1").catch((e: unknown) => e);
  assert.ok(slow instanceof ConnectionTimeoutError, `got ${String(slow)}`);
  assert.equal((await (await session.get("http://localhost/get")).json() as Echo).path, "/get");
  const dripping = await session.get("http://localhost/drip?numbytes=4&duration=8");
  const err = await dripping.read().catch((e: unknown) => e);
  assert.ok(err instanceof SocketTimeoutError, `got ${String(err)}`);
  // A connection left with the rest of that body on it would hand it to the next response.
  assert.equal((await (await session.get("http://localhost/get")).json() as Echo).path, "/get");
  await session.close();
  await allClosed(server, 2000);
});

test("a streamed upload over a UnixConnector is timed too (on Deno and Bun it goes through the runtime's own fetch)", async () => {
  const session = new ClientSession({ connector: new UnixConnector({ path: server.path }), timeout: new ClientTimeout({ connect: 150 }) });
  const body = () => new ReadableStream<Uint8Array>({ start: (controller) => (controller.enqueue(new TextEncoder().encode("streamed")), controller.close()) });
  // Opens the connector's transport: the hops after it are handed to it as to an open one.
  assert.equal((await (await session.get("http://localhost/get")).json() as Echo).path, "/get");
  // The server would answer after five seconds: the request's own timer ends it first.
  const slow = await session.post("http://localhost/drip?delay=5&numbytes=1", { data: body() }).catch((e: unknown) => e);
  assert.ok(slow instanceof ConnectionTimeoutError, `got ${String(slow)}`);
  const echoed = await (await session.post("http://localhost/post", { data: body() })).json() as Echo;
  assert.deepEqual([echoed.path, echoed.data], ["/post", "streamed"]);
  await session.close();
});

test("closing the session closes its connection to the socket", async () => {
  const session = unixSession();
  await (await session.get("http://localhost/get")).text();
  assert.ok(server.open() >= 1);
  await session.close();
  await allClosed(server, 2000);
});
