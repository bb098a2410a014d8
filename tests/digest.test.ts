import { after, test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { type ClientMiddleware, type ClientResponse, ClientSession, DigestAuthError, DigestAuthMiddleware, type RequestOptions } from "../mod.ts";
import { digestResponse } from "../src/digest_response.ts";
import { hasHash, hexDigest, randomHex } from "../src/runtime/hash.ts";
import { parseChallenges } from "../src/www_authenticate.ts";
import { type Echo, startServer } from "./server/mod.ts";

const server = await startServer();
after(() => server.close());

let ids = 0;
/** A digest route with its own request counter. */
const route = (path: string, query = "") => `${server.url}/digest-auth/${path}?id=${Date.now()}-${++ids}${query}`;

interface Outcome {
  status: number;
  /** How many requests the route's counter saw so far. */
  requests: number;
  body: { authenticated: boolean; nc?: string; qop?: string; reason?: string };
  /** The Authorization the last hop sent. */
  authorization: string | null;
}

async function send(session: ClientSession, url: string, options: RequestOptions = {}): Promise<Outcome> {
  const resp: ClientResponse = await session.request(options.data === undefined ? "GET" : "POST", url, options);
  return {
    status: resp.status,
    requests: Number(resp.headers.get("x-digest-requests")),
    body: await resp.json(),
    authorization: resp.requestInfo.headers.get("authorization"),
  };
}

function digestSession(login = "user", password = "pass", options?: ConstructorParameters<typeof DigestAuthMiddleware>[2]) {
  const digest = new DigestAuthMiddleware(login, password, options);
  return { digest, session: new ClientSession({ middlewares: [digest.middleware] }) };
}

const RFC_EXAMPLE = {
  username: "Mufasa", password: "Circle of Life", realm: "http-auth@example.org", method: "GET", uri: "/dir/index.html",
  nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
  nc: "00000001", qop: "auth" as const, entity: "",
};

test("digest: the RFC 7616 section 3.9.1 responses, MD5 and SHA-256", async () => {
  assert.equal(await digestResponse({ ...RFC_EXAMPLE, algorithm: "MD5" }), "8ca523f5e9506fed4657c9700eebdbec");
  assert.equal(await digestResponse({ ...RFC_EXAMPLE, algorithm: "SHA-256" }), "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  await assert.rejects(digestResponse({ ...RFC_EXAMPLE, algorithm: "SHA-1" }), TypeError);
});

test("digest: the runtime's hashes: SHA-512/256 and MD5 by name, an unknown name detected, not thrown", async () => {
  assert.equal(await hexDigest("sha512-256", "abc"), "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23");
  assert.equal(await hexDigest("md5", new Uint8Array([0x61, 0x62, 0x63])), "900150983cd24fb0d6963f7d28e17f72");
  assert.equal(await hasHash("sha512-256"), true);
  assert.equal(await hasHash("no-such-hash"), false);
  assert.match(await randomHex(16), /^[0-9a-f]{32}$/);
});

test("digest: WWW-Authenticate parsing: several challenges, quoted strings with escaped quotes and commas, token68", () => {
  const parsed = parseChallenges('Negotiate abc==, Basic realm="basic, fallback", DIGEST realm="a \\"b\\", c", nonce=n1,qop="auth,auth-int" , Realm="ignored"');
  assert.deepEqual(parsed.map((c) => [c.scheme, { ...c.params }, c.token68]), [
    ["negotiate", {}, "abc=="],
    ["basic", { realm: "basic, fallback" }, undefined],
    ["digest", { realm: 'a "b", c', nonce: "n1", qop: "auth,auth-int" }, undefined],
  ]);
  assert.deepEqual(parseChallenges(""), []);
  const [odd] = parseChallenges('Digest __proto__="x", realm=r');
  assert.equal(Object.getPrototypeOf(odd!.params), null);
  assert.deepEqual(Object.entries(odd!.params), [["__proto__", "x"], ["realm", "r"]]);
});

for (const algorithm of ["MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256", "SHA-512-256-sess"]) {
  test(`digest: a 401 answered once with ${algorithm}, qop=auth`, async () => {
    const { session } = digestSession();
    await using _ = session;
    const outcome = await send(session, route(`auth/user/pass/${algorithm}`));
    assert.equal(outcome.status, 200, outcome.body.reason);
    assert.deepEqual([outcome.requests, outcome.body.nc, outcome.body.qop], [2, "00000001", "auth"]);
    assert.match(outcome.authorization!, new RegExp(`^Digest username="user", .*algorithm=${algorithm}, `));
  });
}

test("digest: auth-int hashes a string and a bytes body; auth-int is preferred when both are offered", async () => {
  const { session } = digestSession();
  await using _ = session;
  const text = await send(session, route("auth-int/user/pass/SHA-256"), { data: "héllo, digest" });
  assert.equal(text.status, 200, text.body.reason);
  assert.equal(text.body.qop, "auth-int");
  const bytes = await send(session, route("auth,auth-int/user/pass"), { data: new Uint8Array([0, 1, 2, 255]) });
  assert.equal(bytes.status, 200, bytes.body.reason);
  assert.equal(bytes.body.qop, "auth-int");
});

test("digest: a wrong password gets the 401 back after one answer, never a loop", async () => {
  const { session } = digestSession("user", "wrong");
  await using _ = session;
  const outcome = await send(session, route("auth/user/pass"));
  assert.deepEqual([outcome.status, outcome.requests, outcome.body.reason], [401, 2, "wrong response"]);
});

test("digest: a stale nonce is answered once more with the new nonce", async () => {
  const { session } = digestSession();
  await using _ = session;
  const once = await send(session, route("auth/user/pass", "&stale=once"));
  assert.deepEqual([once.status, once.requests, once.body.nc], [200, 3, "00000001"]);
  // A session of its own: preemptive auth with the good nonce above would skip the challenge.
  const fresh = digestSession();
  await using __ = fresh.session;
  const always = await send(fresh.session, route("auth/user/pass", "&stale=always"));
  assert.deepEqual([always.status, always.requests, always.body.reason], [401, 3, "stale nonce"], "exactly one stale retry");
});

test("digest: a second request to the origin authenticates preemptively: nc=00000002, one round trip", async () => {
  const { session } = digestSession();
  await using _ = session;
  assert.equal((await send(session, route("auth/user/pass"))).status, 200);
  const second = await send(session, route("auth/user/pass"));
  assert.deepEqual([second.status, second.requests, second.body.nc], [200, 1, "00000002"]);
  const off = digestSession("user", "pass", { preemptive: false });
  await using __ = off.session;
  assert.equal((await send(off.session, route("auth/user/pass"))).status, 200);
  assert.equal((await send(off.session, route("auth/user/pass"))).requests, 2, "preemptive: false asks every time");
});

test("digest: preemptive auth stays within the challenge's domain", async () => {
  const { session } = digestSession();
  await using _ = session;
  assert.equal((await send(session, route("auth/user/pass", "&domain=/digest-auth/"))).status, 200);
  const inside = await send(session, route("auth/user/pass", "&domain=/digest-auth/"));
  assert.deepEqual([inside.status, inside.requests], [200, 1]);
  const echo = (await (await session.get(`${server.url}/get`)).json()) as Echo;
  assert.equal(echo.headers.authorization, undefined);
});

test("digest: credentials stay with the origin that challenged first: no answer, no preemptive header elsewhere", async () => {
  const { digest, session } = digestSession();
  await using _ = session;
  assert.equal((await send(session, route("auth/user/pass"))).status, 200);
  assert.equal(digest.origin, server.url);
  const elsewhere = `${server.localUrl}/digest-auth/auth/user/pass?id=${Date.now()}-${++ids}`;
  const redirected = await send(session, `${server.url}/redirect-to?url=${encodeURIComponent(elsewhere)}`);
  assert.deepEqual([redirected.status, redirected.requests, redirected.authorization], [401, 1, null]);
  const echo = (await (await session.get(`${server.url}/redirect-to?url=${encodeURIComponent(`${server.localUrl}/get`)}`)).json()) as Echo;
  assert.equal(echo.headers.authorization, undefined);
  // Pinned up front, the other origin is never answered, even first.
  const pinned = digestSession("user", "pass", { origin: server.localUrl });
  await using __ = pinned.session;
  assert.equal((await send(pinned.session, route("auth/user/pass"))).status, 401);
  assert.equal(pinned.digest.origin, server.localUrl);
});

test("digest: of two origins challenging at once, only the first answered gets the credentials", async () => {
  // Holds each 401 until both have come, so that both reach the middleware before either is answered.
  let arrived = 0;
  let both: () => void;
  const barrier = new Promise<void>((resolve) => (both = resolve));
  const hold: ClientMiddleware = async (request, handler) => {
    const response = await handler(request);
    if (++arrived === 2) both();
    await barrier;
    return response;
  };
  const digest = new DigestAuthMiddleware("user", "pass");
  await using session = new ClientSession({ middlewares: [digest.middleware, hold] });
  const urls = [route("auth/user/pass"), `${server.localUrl}/digest-auth/auth/user/pass?id=${Date.now()}-${++ids}`];
  const outcomes = await Promise.all(urls.map((url) => send(session, url)));
  assert.deepEqual(outcomes.map((o) => o.status).sort(), [200, 401]);
  const refused = outcomes.find((o) => o.status === 401)!;
  assert.deepEqual([refused.requests, refused.authorization], [1, null]);
  assert.equal(digest.origin, urls[outcomes.findIndex((o) => o.status === 200)]!.replace(/(:\d+).*$/, "$1"));
});

test("digest: a stream body is never sent twice; preemptively with qop=auth it needs no second send", async () => {
  const stream = () => new Blob(["streamed"]).stream();
  const { session } = digestSession();
  await using _ = session;
  const first = await send(session, route("auth/user/pass"), { data: stream() });
  assert.deepEqual([first.status, first.requests], [401, 1]);
  assert.equal((await send(session, route("auth/user/pass"))).status, 200);
  const preemptive = await send(session, route("auth,auth-int/user/pass"), { data: stream() });
  assert.deepEqual([preemptive.status, preemptive.requests, preemptive.body.qop], [200, 1, "auth"]);
  const intOnly = digestSession();
  await using __ = intOnly.session;
  assert.equal((await send(intOnly.session, route("auth-int/user/pass"), { data: "x" })).status, 200);
  const refused = await send(intOnly.session, route("auth-int/user/pass"), { data: stream() });
  assert.deepEqual([refused.status, refused.requests, refused.authorization], [401, 1, null], "auth-int cannot hash a stream");
});

test("digest: the first supported challenge is taken, in one header or several", async () => {
  const { session } = digestSession();
  await using _ = session;
  for (const query of ["&before=basic", "&before=unknown", "&before=unknown&split=1", "&before=basic&split=1"]) {
    const outcome = await send(session, route("auth/user/pass", query), { middlewares: [new DigestAuthMiddleware("user", "pass").middleware] });
    assert.deepEqual([outcome.status, outcome.requests], [200, 2], query);
  }
});

test("digest: RFC 2069 challenges (no qop), a non-ASCII login (username*) and realm", async () => {
  const { session } = digestSession();
  await using _ = session;
  const legacy = await send(session, route("none/user/pass"));
  assert.deepEqual([legacy.status, legacy.body.qop], [200, null]);
  assert.doesNotMatch(legacy.authorization!, /nc=|cnonce=/);
  const jason = digestSession("Jäsøn Doe", "Secret, or not?");
  await using __ = jason.session;
  const unicode = await send(jason.session, route(`auth/${encodeURIComponent("Jäsøn Doe")}/${encodeURIComponent("Secret, or not?")}/SHA-512-256`, "&realm=B%C3%BCcher"));
  assert.equal(unicode.status, 200, unicode.body.reason);
  assert.match(unicode.authorization!, /^Digest username\*=UTF-8''J%C3%A4s%C3%B8n%20Doe, /);
});

test("digest: a challenge that cannot be answered throws DigestAuthError naming the request, never the secrets", async () => {
  const { digest, session } = digestSession("user", "hunter2");
  await using _ = session;
  const url = route("auth/user/pass/NO-SUCH-HASH");
  await assert.rejects(session.get(url), (err) => {
    assert.ok(err instanceof DigestAuthError);
    assert.equal(err.status, 401);
    assert.match(err.message, /Digest algorithm NO-SUCH-HASH/);
    assert.ok(err.message.includes(`GET ${url}`), err.message);
    assert.doesNotMatch(err.message + inspect(err), /hunter2/);
    return true;
  });
  await assert.rejects(session.get(route("auth-conf/user/pass")), /offers qop=auth-conf, neither auth nor auth-int/);
  await assert.rejects(session.get(route("none/user/pass/MD5-sess")), /MD5-sess needs a qop/);
  assert.doesNotMatch(inspect(digest, { showHidden: true }), /hunter2/);
});

test("digest: the constructor refuses what it cannot use", () => {
  assert.throws(() => new DigestAuthMiddleware("a:b", "c"), /":" is not allowed in the login/);
  assert.throws(() => new DigestAuthMiddleware("a", undefined as unknown as string), TypeError);
  assert.throws(() => new DigestAuthMiddleware("a\ud800", "b"), /not well-formed Unicode/);
  assert.throws(() => new DigestAuthMiddleware("a", "b", { origin: "ftp://user:secret@example.com" }), (err) => {
    return err instanceof TypeError && !err.message.includes("secret");
  });
  assert.equal(new DigestAuthMiddleware("a", "b", { origin: "https://Example.com/x?y" }).origin, "https://example.com");
});
