import { after, test } from "node:test";
import assert from "node:assert/strict";
import {
  ClientConnectionError,
  ClientConnectorError,
  ClientSession,
  ConnectionTimeoutError,
  type FetchFunction,
  TCPConnector,
} from "../mod.ts";
import { closedPort, startServer } from "./server/mod.ts";

const server = await startServer();
const other = await startServer();
after(async () => {
  await server.close();
  await other.close();
});

const redirectTo = (url: string) => `${server.url}/redirect-to?url=${encodeURIComponent(url)}&status_code=302`;

test("a redirect from host A to host B holds B's per-host slot, and frees A's at the redirect", async () => {
  await using session = new ClientSession({ limitPerHost: 1 });
  // The final response is left unread, so its hop keeps its slot.
  const held = await session.get(redirectTo(`${other.url}/get`));
  assert.equal(held.url.origin, other.url);
  // A's slot was freed when the redirect was released: A answers at once.
  const fromA = await session.get(`${server.url}/get`, { timeout: { connect: 10_000 } });
  assert.equal(fromA.status, 200);
  await fromA.release();
  // B's only slot is the held response's: a second hop to B waits until the connect timeout.
  await assert.rejects(session.get(`${other.url}/get`, { timeout: { connect: 300 } }), ConnectionTimeoutError);
  await held.release();
  const fromB = await session.get(`${other.url}/get`, { timeout: { connect: 10_000 } });
  assert.equal(fromB.status, 200);
  await fromB.release();
});

test("a failure inside a hop is typed there and names that hop: a redirect to a refused port", async () => {
  await using session = new ClientSession();
  const port = await closedPort();
  const target = `http://127.0.0.1:${port}/nowhere`;
  const err = await session.get(redirectTo(target)).catch((e: unknown) => e);
  assert.ok(err instanceof ClientConnectorError, `got ${String(err)}`);
  assert.equal(err.host, "127.0.0.1");
  assert.equal(err.port, port, "the port of the hop that failed, not of the first URL");
  assert.equal(err.code, "ECONNREFUSED");
  assert.ok(err.message.startsWith(`GET ${target}: `), err.message);
});

test("a shared connector: its limit spans the sessions, it outlives a borrower, and closes with its owner", async () => {
  const connector = new TCPConnector({ limit: 1 });
  const owner = new ClientSession({ connector });
  const borrower = new ClientSession({ connector, connectorOwner: false });
  assert.equal(owner.connector, connector);
  assert.equal(owner.connectorOwner, true);
  assert.equal(borrower.connectorOwner, false);

  const held = await owner.get(`${server.url}/get`);
  await assert.rejects(borrower.get(`${server.url}/get`, { timeout: { connect: 300 } }), ConnectionTimeoutError, "one slot for both sessions");
  await held.release();

  await borrower.close();
  assert.equal(connector.closed, false, "a borrower leaves the connector open");
  const resp = await owner.get(`${server.url}/get`);
  assert.equal(resp.status, 200);
  await resp.release();

  // A hop waiting for a slot when the owner closes fails at once, naming its request.
  const blocker = await new ClientSession({ connector, connectorOwner: false }).get(`${server.url}/get`);
  const waiting = new ClientSession({ connector, connectorOwner: false }).get(`${server.url}/waiting`).catch((e: unknown) => e);
  await owner.close();
  assert.equal(connector.closed, true, "the owner closes it");
  const refused = await waiting;
  assert.ok(refused instanceof ClientConnectionError, `got ${String(refused)}`);
  assert.match(refused.message, /^GET http:\/\/127\.0\.0\.1:\d+\/waiting: the connector is closed$/);
  await blocker.release();

  const late = new ClientSession({ connector, connectorOwner: false });
  await assert.rejects(late.get(`${server.url}/get`), (e: unknown) => e instanceof ClientConnectionError && /connector is closed/.test(e.message));
});

test("a session made from its own limits owns its connector", async () => {
  const session = new ClientSession({ limit: 3, limitPerHost: 2 });
  assert.equal(session.connector.limit, 3);
  assert.equal(session.connector.limitPerHost, 2);
  assert.equal(session.connectorOwner, true);
  await session.close();
  assert.equal(session.connector.closed, true);
});

test("connector options beside a connector are refused, with where they belong", () => {
  const connector = new TCPConnector();
  assert.throws(() => new ClientSession({ connector, limit: 5 }), /limit belongs to the connector: pass it to new TCPConnector\(\{ limit \}\)/);
  assert.throws(() => new ClientSession({ connector, fetch: globalThis.fetch }), TypeError);
});

test("a connector's fetch carries every hop", async () => {
  const seen: string[] = [];
  const recording: FetchFunction = (url, init) => {
    seen.push(`${init.method} ${url.pathname}`);
    return fetch(url, init);
  };
  await using session = new ClientSession({ connector: new TCPConnector({ fetch: recording }) });
  const resp = await session.get(`${server.url}/redirect/2`);
  await resp.release();
  assert.deepEqual(seen, ["GET /redirect/2", "GET /redirect/1", "GET /get"]);
});
