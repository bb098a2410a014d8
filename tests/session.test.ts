import { after, test } from "node:test";
import assert from "node:assert/strict";
import { ClientError, ClientResponseError, ClientSession, request } from "../mod.ts";
import { type Echo, startServer } from "./server/mod.ts";

const server = await startServer();
after(() => server.close());

test("baseUrl: relative URLs resolve against it; absolute ones pass through", async () => {
  await using session = new ClientSession({ baseUrl: `${server.url}/anything/api/` });
  const relative = (await (await session.get("items?x=1")).json()) as Echo;
  assert.equal(relative.path, "/anything/api/items");
  const rooted = (await (await session.get("/get")).json()) as Echo;
  assert.equal(rooted.path, "/get");
  const absolute = (await (await session.get(`${server.url}/anything/elsewhere`)).json()) as Echo;
  assert.equal(absolute.path, "/anything/elsewhere");
});

test("baseUrl must be an absolute http(s) URL", () => {
  assert.throws(() => new ClientSession({ baseUrl: "/relative" }), TypeError);
  assert.throws(() => new ClientSession({ baseUrl: "file:///tmp/" }), TypeError);
});

test("every method helper sends its method", async () => {
  await using session = new ClientSession({ baseUrl: `${server.url}/` });
  for (const method of ["get", "post", "put", "patch", "delete", "options"] as const) {
    const resp = await session[method]("anything");
    assert.equal(((await resp.json()) as Echo).method, method.toUpperCase());
  }
  const head = await session.head("anything");
  assert.equal(head.status, 200);
  assert.equal(head.method, "HEAD");
  const custom = await session.request("purge", "anything");
  assert.equal(((await custom.json()) as Echo).method, "PURGE");
});

test("a closed session refuses requests with a clear error", async () => {
  const session = new ClientSession();
  assert.equal(session.closed, false);
  await session.close();
  assert.equal(session.closed, true);
  await assert.rejects(session.get(`${server.url}/get`), (err: unknown) => {
    assert.ok(err instanceof ClientError);
    assert.match((err as Error).message, /^GET http:\/\/127\.0\.0\.1:\d+\/get: the session is closed$/);
    return true;
  });
});

test("await using closes the session; close() releases open responses", async () => {
  let kept: ClientSession;
  {
    await using session = new ClientSession();
    kept = session;
  }
  assert.equal(kept.closed, true);
  const session = new ClientSession();
  const open = await session.get(`${server.url}/bytes/200000`);
  assert.equal(open.closed, false);
  await session.close();
  assert.equal(open.closed, true);
});

test("close() releases every response still open, whichever were read in between", async () => {
  const session = new ClientSession();
  const [first, middle, last] = await Promise.all([1, 2, 3].map(() => session.get(`${server.url}/bytes/200000`)));
  assert.equal((await middle!.read()).byteLength, 200000);
  assert.equal([first, middle, last].filter((resp) => resp!.closed).length, 1);
  await session.close();
  assert.deepEqual([first, middle, last].map((resp) => resp!.closed), [true, true, true]);
  await assert.rejects(first!.read(), /released before its body was read/);
  assert.equal((await middle!.read()).byteLength, 200000);
});

test("module-level request() for one-shot use", async () => {
  const resp = await request("POST", `${server.url}/post`, { json: { one: "shot" } });
  assert.equal(resp.status, 200);
  assert.deepEqual(((await resp.json()) as { json: unknown }).json, { one: "shot" });
});

test("raiseForStatus: true on the session; per-request false overrides it", async () => {
  await using session = new ClientSession({ raiseForStatus: true });
  await assert.rejects(session.get(`${server.url}/status/500`), (err: unknown) => {
    assert.ok(err instanceof ClientResponseError);
    assert.equal(err.status, 500);
    return true;
  });
  const resp = await session.get(`${server.url}/status/500`, { raiseForStatus: false });
  assert.equal(resp.status, 500);
  await resp.release();
});

test("raiseForStatus: an async callback sees every response and may throw", async () => {
  const seen: number[] = [];
  await using session = new ClientSession({
    raiseForStatus: async (resp) => {
      seen.push(resp.status);
      if (resp.status === 429) throw new Error(`rate limited: ${await resp.text()}`);
    },
  });
  const ok = await session.get(`${server.url}/status/200`);
  await ok.release();
  await assert.rejects(session.get(`${server.url}/status/429`), /rate limited: status 429/);
  const perRequest = await session.get(`${server.url}/status/404`, { raiseForStatus: true }).catch((err) => err);
  assert.ok(perRequest instanceof ClientResponseError);
  assert.deepEqual(seen, [200, 429]);
});

test("a custom fetch is called for every hop", async () => {
  const calls: string[] = [];
  await using session = new ClientSession({
    fetch: (input, init) => {
      calls.push(`${init.method} ${new URL(input).pathname}`);
      return fetch(input, init);
    },
  });
  const resp = await session.get(`${server.url}/redirect/2`);
  await resp.release();
  assert.deepEqual(calls, ["GET /redirect/2", "GET /redirect/1", "GET /get"]);
});

test("limit: no more than `limit` requests in flight at once", async () => {
  let inFlight = 0;
  let peak = 0;
  await using session = new ClientSession({
    limit: 3,
    fetch: async (input, init) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        return await fetch(input, init);
      } finally {
        inFlight--;
      }
    },
  });
  const bodies = await Promise.all(Array.from({ length: 12 }, async (_, i) => {
    const resp = await session.get(`${server.url}/delay/0.02`, { params: { i } });
    return resp.json();
  }));
  assert.equal(bodies.length, 12);
  assert.ok(peak <= 3, `peak ${peak}`);
  assert.ok(peak >= 2, `requests did overlap (peak ${peak})`);
});

test("limitPerHost: counted per origin; a slot is held until the body is released", async () => {
  const other = await startServer();
  try {
    await using session = new ClientSession({ limitPerHost: 1 });
    const first = await session.get(`${server.url}/bytes/10`);
    // Another origin is not blocked by the held slot.
    const elsewhere = await session.get(`${other.url}/bytes/10`);
    await elsewhere.release();
    let secondDone = false;
    const second = session.get(`${server.url}/bytes/10`).then((resp) => {
      secondDone = true;
      return resp;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(secondDone, false, "waits for the slot");
    await first.read();
    const resp = await second;
    assert.equal((await resp.read()).length, 10);
  } finally {
    await other.close();
  }
});
