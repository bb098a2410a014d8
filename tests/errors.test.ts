import { after, test } from "node:test";
import assert from "node:assert/strict";
import {
  BasicAuth,
  ClientConnectionError,
  ClientConnectorDNSError,
  ClientConnectorError,
  ClientError,
  ClientPayloadError,
  ClientResponseError,
  ClientSession,
  ConnectionTimeoutError,
  ContentTypeError,
  InvalidURL,
  InvalidUrlClientError,
  NonHttpUrlClientError,
  ServerConnectionError,
  ServerDisconnectedError,
  ServerTimeoutError,
  SocketTimeoutError,
  TooManyRedirects,
} from "../mod.ts";
import { inspect } from "node:util";
import { closedPort, startServer } from "./server/mod.ts";

const server = await startServer();
after(() => server.close());

test("the hierarchy follows aiohttp's", () => {
  const chains: Array<[unknown, Function[]]> = [
    [ContentTypeError, [ClientResponseError, ClientError, Error]],
    [TooManyRedirects, [ClientResponseError, ClientError]],
    [ClientConnectorDNSError, [ClientConnectorError, ClientConnectionError, ClientError]],
    [ServerDisconnectedError, [ServerConnectionError, ClientConnectionError, ClientError]],
    [ConnectionTimeoutError, [ServerTimeoutError, ServerConnectionError, ClientError]],
    [SocketTimeoutError, [ServerTimeoutError, ClientConnectionError]],
    [ClientPayloadError, [ClientError]],
  ];
  for (const [type, parents] of chains) {
    for (const parent of parents) assert.ok((type as Function).prototype instanceof parent, `${(type as Function).name} < ${parent.name}`);
  }
  const invalid = new InvalidURL("http://[bad", "invalid URL");
  assert.ok(invalid instanceof ClientError, "InvalidURL is a ClientError");
  assert.ok(invalid instanceof TypeError, "InvalidURL is a TypeError");
  assert.ok(!(new Error("x") instanceof ClientError));
  assert.ok(!(invalid instanceof ClientResponseError));
  assert.equal(invalid.name, "InvalidURL");
});

test("connection refused: ClientConnectorError with host, port and ECONNREFUSED", async () => {
  const port = await closedPort();
  await using session = new ClientSession();
  await assert.rejects(session.get(`http://127.0.0.1:${port}/x`), (err: unknown) => {
    assert.ok(err instanceof ClientConnectorError, String(err));
    assert.ok(!(err instanceof ClientConnectorDNSError));
    assert.equal(err.host, "127.0.0.1");
    assert.equal(err.port, port);
    assert.equal(err.code, "ECONNREFUSED");
    assert.match(err.message, new RegExp(`^GET http://127\\.0\\.0\\.1:${port}/x: cannot connect`));
    assert.ok(err.cause, "the runtime's error is kept as cause");
    return true;
  });
});

test("DNS failure: ClientConnectorDNSError", async () => {
  await using session = new ClientSession();
  await assert.rejects(session.get("http://no-such-host.invalid/"), (err: unknown) => {
    assert.ok(err instanceof ClientConnectorDNSError, String(err));
    assert.equal(err.host, "no-such-host.invalid");
    assert.equal(err.port, 80);
    assert.match(err.message, /^GET http:\/\/no-such-host\.invalid\/: cannot resolve host/);
    return true;
  });
});

test("server closing before the headers: ServerDisconnectedError", async () => {
  await using session = new ClientSession();
  await assert.rejects(session.get(`${server.url}/fault/close-before-headers`), (err: unknown) => {
    assert.ok(err instanceof ServerDisconnectedError, String(err));
    assert.match((err as Error).message, /^GET http:\/\/127\.0\.0\.1:\d+\/fault\/close-before-headers: server disconnected/);
    return true;
  });
});

test("invalid URL: InvalidUrlClientError, also a TypeError", async () => {
  await using session = new ClientSession();
  for (const url of ["http://[::1", "not a url", ""]) {
    await assert.rejects(session.get(url), (err: unknown) => {
      assert.ok(err instanceof InvalidUrlClientError, String(err));
      assert.ok(err instanceof TypeError);
      assert.ok(err instanceof ClientError);
      return true;
    });
  }
});

test("a non-http scheme: NonHttpUrlClientError", async () => {
  await using session = new ClientSession();
  await assert.rejects(session.get("ftp://example.com/file"), NonHttpUrlClientError);
  await assert.rejects(session.get("javascript:alert(1)"), InvalidURL);
});

test("messages redact credentials", async () => {
  const port = await closedPort();
  await using session = new ClientSession();
  await assert.rejects(session.get(`http://zed-user:hunter2@127.0.0.1:${port}/`), (err: unknown) => {
    assert.doesNotMatch((err as Error).message, /hunter2|zed-user/);
    return true;
  });
  await assert.rejects(session.get("http://ann:hunter2@[bad"), (err: unknown) => {
    assert.doesNotMatch((err as Error).message, /hunter2/);
    return true;
  });
});

/** Every way a user prints or serializes an error: Node's and Bun's inspect, Deno's own, JSON. */
function printedForms(err: unknown): string[] {
  const deno = (globalThis as { Deno?: { inspect(value: unknown, options?: object): string } }).Deno;
  return [inspect(err, { depth: 10 }), inspect(err, { depth: 10, showHidden: true }), JSON.stringify(err), ...(deno ? [deno.inspect(err, { depth: 10 })] : [])];
}

test("printed and serialized errors redact credentials; requestInfo.headers still has them for code that asks", async () => {
  const auth = new BasicAuth("zed", "hunter2");
  await using session = new ClientSession({ auth, cookies: { sid: "s3cret-cookie" } });
  const failures: unknown[] = [
    await session.get(`${server.url}/status/500`, { raiseForStatus: true }).catch((e: unknown) => e),
    await (await session.get(`${server.url}/html`)).json().catch((e: unknown) => e),
    await session.get(`${server.url}/redirect/3`, { maxRedirects: 1 }).catch((e: unknown) => e),
    await session.get("http://ann:hunter2@[bad").catch((e: unknown) => e),
  ];
  assert.ok(failures[0] instanceof ClientResponseError);
  assert.ok(failures[1] instanceof ContentTypeError);
  assert.ok(failures[2] instanceof TooManyRedirects);
  assert.ok(failures[3] instanceof InvalidUrlClientError);
  for (const err of failures) {
    for (const shown of printedForms(err)) {
      assert.doesNotMatch(shown, /hunter2|s3cret-cookie|emVkOmh1bnRlcjI/, `${(err as Error).name} printed: ${shown.slice(0, 400)}`);
    }
  }
  const info = (failures[0] as ClientResponseError).requestInfo;
  assert.equal(info.headers.get("authorization"), auth.encode(), "available when asked for explicitly");
  assert.equal(info.headers.get("cookie"), "sid=s3cret-cookie");
});

test("a truncated body's error counts the bytes that arrived, or gives no count, never a false one", async () => {
  await using session = new ClientSession();
  const whole = await (await session.get(`${server.url}/fault/close-mid-body`)).read().catch((e: unknown) => e);
  assert.ok(whole instanceof ClientPayloadError, String(whole));
  assert.doesNotMatch(whole.message, /after 0 bytes/);
  assert.match(whole.message, /response payload is not completed( after 1000 bytes \(100000 expected\)| \(100000 bytes expected\)):/);
  const chunked = await (await session.get(`${server.url}/fault/close-mid-body`, { maxBodySize: 1e6 })).read().catch((e: unknown) => e);
  assert.ok(chunked instanceof ClientPayloadError, String(chunked));
  assert.match(chunked.message, /response payload is not completed after 1000 bytes \(100000 expected\):/, "read chunk by chunk, every byte is counted");
});

test("invalid method is a TypeError", async () => {
  await using session = new ClientSession();
  await assert.rejects(session.request("GE T", `${server.url}/get`), TypeError);
});
