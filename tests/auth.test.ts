import { after, test } from "node:test";
import assert from "node:assert/strict";
import { BasicAuth, ClientSession } from "../mod.ts";
import { startServer } from "./server/mod.ts";

const server = await startServer();
after(() => server.close());

test("BasicAuth.encode: latin1 by default, utf-8 on request", () => {
  assert.equal(new BasicAuth("user", "pass").encode(), `Basic ${btoa("user:pass")}`);
  assert.equal(new BasicAuth("jürgen", "pw").encode(), `Basic ${btoa("j\xfcrgen:pw")}`);
  assert.equal(new BasicAuth("jürgen", "pw", "utf-8").encode(), `Basic ${btoa("j\xc3\xbcrgen:pw")}`);
  assert.equal(new BasicAuth("only").encode(), `Basic ${btoa("only:")}`);
});

test("BasicAuth.decode: round trip, case-insensitive scheme, strict base64", () => {
  const auth = BasicAuth.decode(`basic ${btoa("ann:se:cret")}`);
  assert.equal(auth.login, "ann");
  assert.equal(auth.password, "se:cret");
  assert.deepEqual(BasicAuth.decode(new BasicAuth("jürgen", "pw", "utf-8").encode(), "utf-8").login, "jürgen");
  assert.throws(() => BasicAuth.decode("Bearer abc"), TypeError);
  assert.throws(() => BasicAuth.decode("Basic !!!notbase64"), TypeError);
  assert.throws(() => BasicAuth.decode(`Basic ${btoa("nocolon")}`), TypeError);
});

test("BasicAuth.fromUrl: percent-decoded user info, undefined without", () => {
  const auth = BasicAuth.fromUrl("http://us%40er:p%3Ass@example.com/")!;
  assert.equal(auth.login, "us@er");
  assert.equal(auth.password, "p:ss");
  assert.equal(BasicAuth.fromUrl("http://example.com/"), undefined);
});

test("BasicAuth: a ':' in the login is refused", () => {
  assert.throws(() => new BasicAuth("a:b", "c"), /":" is not allowed in the login/);
});

test("auth option: sent as Basic, accepted by the server", async () => {
  await using session = new ClientSession({ auth: new BasicAuth("ann", "secret") });
  const ok = await session.get(`${server.url}/basic-auth/ann/secret`);
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { authenticated: true, user: "ann" });
  const wrong = await session.get(`${server.url}/basic-auth/ann/other`, { auth: new BasicAuth("ann", "other") });
  assert.equal(wrong.status, 200, "per-request auth overrides the session's");
  await wrong.release();
});

test("credentials in the URL become Basic auth and are stripped from the URL", async () => {
  await using session = new ClientSession();
  const url = server.url.replace("http://", "http://ann:s%20cret@");
  const resp = await session.get(`${url}/basic-auth/ann/s%20cret`);
  assert.equal(resp.status, 200);
  assert.equal(resp.url.username, "");
  assert.equal(resp.requestInfo.url.password, "");
  assert.doesNotMatch(resp.url.href, /@/);
  assert.doesNotMatch(resp.requestInfo.url.href, /@/);
  await resp.release();
});

test("URL credentials plus auth is an error; so is auth plus an Authorization header", async () => {
  await using session = new ClientSession();
  const url = server.url.replace("http://", "http://ann:pw@");
  await assert.rejects(session.get(`${url}/get`, { auth: new BasicAuth("bob") }), (err: unknown) => {
    assert.ok(err instanceof TypeError);
    assert.match((err as Error).message, /credentials in the URL and the auth option/);
    assert.doesNotMatch((err as Error).message, /pw/, "the password is not in the message");
    return true;
  });
  await assert.rejects(
    session.get(`${server.url}/get`, { auth: new BasicAuth("bob"), headers: { Authorization: "Bearer x" } }),
    /an Authorization header cannot be combined with auth/,
  );
});

test("an explicit Authorization header wins over the session's auth", async () => {
  await using session = new ClientSession({ auth: new BasicAuth("ann", "secret") });
  const resp = await session.get(`${server.url}/headers`, { headers: { Authorization: "Bearer token" } });
  assert.equal(((await resp.json()) as { headers: Record<string, string> }).headers.authorization, "Bearer token");
});
