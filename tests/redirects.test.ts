import { after, test } from "node:test";
import assert from "node:assert/strict";
import {
  BasicAuth,
  ClientPayloadError,
  ClientResponseError,
  ClientSession,
  CookieJar,
  type FetchFunction,
  InvalidUrlRedirectClientError,
  NonHttpUrlRedirectClientError,
  TooManyRedirects,
} from "../mod.ts";
import { type Echo, startServer } from "./server/mod.ts";

const server = await startServer();
const other = await startServer();
after(async () => {
  await server.close();
  await other.close();
});

const redirectTo = (url: string, status: number) => `${server.url}/redirect-to?url=${encodeURIComponent(url)}&status_code=${status}`;

test("history lists every redirect, oldest first; url is the final one", async () => {
  await using session = new ClientSession();
  const resp = await session.get(`${server.url}/redirect/3`);
  assert.equal(resp.status, 200);
  assert.equal(resp.url.href, `${server.url}/get`);
  assert.deepEqual(resp.history.map((r) => [r.status, r.url.pathname]), [[302, "/redirect/3"], [302, "/redirect/2"], [302, "/redirect/1"]]);
  assert.ok(resp.history.every((r) => r.closed), "intermediate bodies are cancelled");
  await resp.release();
});

for (const status of [301, 302, 303]) {
  test(`${status} turns POST into GET and drops the body and its headers`, async () => {
    await using session = new ClientSession();
    const resp = await session.post(redirectTo("/anything", status), { json: { secret: 1 } });
    const echo = (await resp.json()) as Echo;
    assert.equal(echo.method, "GET");
    assert.equal(echo.data, "");
    assert.equal(echo.headers["content-type"], undefined);
    assert.equal(resp.history[0]!.method, "POST");
  });
}

test("each hop's requestInfo keeps the headers that hop sent", async () => {
  await using session = new ClientSession();
  const resp = await session.post(redirectTo(`${other.url}/anything`, 303), {
    json: { a: 1 },
    headers: { authorization: "Bearer t", "x-kept": "1" },
  });
  await resp.release();
  const first = resp.history[0]!.requestInfo.headers;
  assert.equal(first.get("content-type"), "application/json");
  assert.equal(first.get("authorization"), "Bearer t");
  assert.equal(resp.requestInfo.headers.get("content-type"), null);
  assert.equal(resp.requestInfo.headers.get("authorization"), null, "dropped across origins");
  assert.equal(resp.requestInfo.headers.get("x-kept"), "1");
  assert.notEqual(resp.requestInfo.url.href, resp.history[0]!.requestInfo.url.href);
});

test("303 turns PUT into GET; 301/302 keep PUT with its body", async () => {
  await using session = new ClientSession();
  const see = (await (await session.put(redirectTo("/anything", 303), { data: "x" })).json()) as Echo;
  assert.equal(see.method, "GET");
  for (const status of [301, 302]) {
    const kept = (await (await session.put(redirectTo("/anything", status), { data: "payload" })).json()) as Echo;
    assert.equal(kept.method, "PUT");
    assert.equal(kept.data, "payload");
  }
});

for (const status of [307, 308]) {
  test(`${status} keeps the method and the body (bytes, form, FormData, Blob)`, async () => {
    await using session = new ClientSession();
    const json = (await (await session.post(redirectTo("/anything", status), { json: { kept: true } })).json()) as Echo;
    assert.equal(json.method, "POST");
    assert.deepEqual(json.json, { kept: true });
    assert.equal(json.headers["content-type"], "application/json");
    const form = new FormData();
    form.append("f", "v");
    for (const data of [new Uint8Array([65, 66]), { a: "1" }, form, new Blob(["blob!"])]) {
      const echo = (await (await session.patch(redirectTo("/anything", status), { data })).json()) as Echo;
      assert.equal(echo.method, "PATCH");
      assert.ok(echo.data.length > 0 || JSON.stringify(echo).includes('"f":"v"'), `body replayed for ${String(data)}`);
    }
  });
}

test("307 with a one-shot stream body is a ClientPayloadError saying it cannot be replayed", async () => {
  await using session = new ClientSession();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode("once"));
      controller.close();
    },
  });
  await assert.rejects(session.post(redirectTo("/anything", 307), { data: stream }), (err: unknown) => {
    assert.ok(err instanceof ClientPayloadError);
    assert.match((err as Error).message, /POST .*redirect-to.*: a 307 redirect needs the body sent again, but a one-shot stream cannot be replayed/);
    return true;
  });
  async function* generator() {
    yield "chunk";
  }
  await assert.rejects(session.put(redirectTo("/anything", 308), { data: generator() }), ClientPayloadError);
});

test("a loop is a TooManyRedirects carrying the history", async () => {
  await using session = new ClientSession();
  await assert.rejects(session.get(`${server.url}/loop`, { maxRedirects: 4 }), (err: unknown) => {
    assert.ok(err instanceof TooManyRedirects);
    assert.ok(err instanceof ClientResponseError);
    assert.equal(err.status, 302);
    assert.equal(err.history.length, 5, "the four followed and the one refused");
    assert.deepEqual(err.history.map((hop) => `${hop.status} ${hop.url.pathname} → ${hop.headers.get("location")}`), Array(5).fill("302 /loop → /loop"));
    assert.match(err.message, /Too many redirects \(maxRedirects = 4\)/);
    return true;
  });
  await assert.rejects(session.get(`${server.url}/loop`), (err: unknown) => err instanceof TooManyRedirects && err.history.length === 11);
});

test("maxRedirects is the number of redirects followed; 0 means no limit", async () => {
  await using session = new ClientSession();
  const exact = await session.get(`${server.url}/redirect/3`, { maxRedirects: 3 });
  assert.equal(exact.history.length, 3);
  await exact.release();
  await assert.rejects(session.get(`${server.url}/redirect/3`, { maxRedirects: 2 }), TooManyRedirects);
  const unlimited = await session.get(`${server.url}/redirect/15`, { maxRedirects: 0 });
  assert.equal(unlimited.history.length, 15);
  await unlimited.release();
});

test("allowRedirects: false returns the 3xx; head() does not follow by default", async () => {
  await using session = new ClientSession();
  const resp = await session.get(`${server.url}/redirect/1`, { allowRedirects: false });
  assert.equal(resp.status, 302);
  assert.equal(resp.headers.get("location"), "/get");
  assert.deepEqual(resp.history, []);
  await resp.release();
  const head = await session.head(`${server.url}/redirect/1`);
  assert.equal(head.status, 302);
  const followed = await session.head(`${server.url}/redirect/1`, { allowRedirects: true });
  assert.equal(followed.status, 200);
  assert.equal(followed.method, "HEAD");
});

test("a relative Location resolves against the current URL", async () => {
  await using session = new ClientSession();
  const resp = await session.get(`${server.url}/relative-redirect/3`);
  assert.equal(resp.url.href, `${server.url}/get`);
  assert.deepEqual(resp.history.map((r) => r.url.pathname), ["/relative-redirect/3", "/relative-redirect/2", "/relative-redirect/1"]);
  await resp.release();
});

test("a 3xx without Location is returned as is", async () => {
  await using session = new ClientSession();
  const resp = await session.get(`${server.url}/redirect-to?status_code=302`);
  assert.equal(resp.status, 302);
  assert.deepEqual(resp.history, []);
  await resp.release();
});

test("the fragment is dropped and params are not applied again", async () => {
  await using session = new ClientSession();
  const resp = await session.get(`${server.url}/redirect-to`, { params: { url: "/get?from=location#frag", extra: "1" } });
  assert.equal(resp.url.href, `${server.url}/get?from=location`);
  assert.deepEqual(((await resp.json()) as Echo).args, { from: "location" });
});

test("a javascript: Location is a NonHttpUrlRedirectClientError; an unparseable one an InvalidUrlRedirectClientError", async () => {
  await using session = new ClientSession();
  await assert.rejects(session.get(redirectTo("javascript:alert(1)", 302)), (err: unknown) => {
    assert.ok(err instanceof NonHttpUrlRedirectClientError);
    assert.ok(err instanceof TypeError);
    assert.match((err as Error).message, /GET .*redirect-to.*: redirect to a non-http URL: javascript:alert\(1\)/);
    return true;
  });
  await assert.rejects(session.get(redirectTo("http://[::1", 302)), InvalidUrlRedirectClientError);
});

test("cross-origin (port change): Authorization, Cookie, per-request auth and cookies are dropped", async () => {
  await using session = new ClientSession({ cookieJar: new CookieJar({ unsafe: true }) });
  const target = `${other.url}/anything`;
  const resp = await session.get(redirectTo(target, 302), {
    headers: [["Authorization", "Bearer one"], ["authorization", "Bearer two"], ["Cookie", "manual=1"], ["Proxy-Authorization", "x"], ["X-Kept", "1"]],
    cookies: { perRequest: "1" },
  });
  const echo = (await resp.json()) as Echo;
  assert.equal(echo.headers.authorization, undefined);
  assert.equal(echo.headers["proxy-authorization"], undefined);
  assert.deepEqual(echo.cookies, {});
  assert.equal(echo.headers["x-kept"], "1", "other headers go along");
  const withAuth = await session.get(redirectTo(`${other.url}/headers`, 302), { auth: new BasicAuth("a", "b") });
  assert.equal(((await withAuth.json()) as Echo).headers.authorization, undefined);
});

test("same origin keeps auth and per-request cookies across hops", async () => {
  await using session = new ClientSession();
  const resp = await session.get(redirectTo("/anything", 302), { auth: new BasicAuth("a", "b"), cookies: { mine: "1" } });
  const echo = (await resp.json()) as Echo;
  assert.equal(echo.headers.authorization, new BasicAuth("a", "b").encode());
  assert.deepEqual(echo.cookies, { mine: "1" });
});

test("auth of any source goes only to the first request's origin: never to another origin, again on coming back", async () => {
  const auth = new BasicAuth("sess", "pw");
  await using plain = new ClientSession({ auth });
  const away = (await (await plain.get(redirectTo(`${other.url}/headers`, 302))).json()) as Echo;
  assert.equal(away.headers.authorization, undefined, "the session's auth stays home, with or without a baseUrl");
  await using based = new ClientSession({ auth, baseUrl: `${server.url}/` });
  const dropped = (await (await based.get(redirectTo(`${other.url}/headers`, 302))).json()) as Echo;
  assert.equal(dropped.headers.authorization, undefined);
  const back = `${other.url}/redirect-to?url=${encodeURIComponent(`${server.url}/headers`)}&status_code=302`;
  const home = (await (await based.get(redirectTo(back, 302))).json()) as Echo;
  assert.equal(home.headers.authorization, auth.encode(), "back on the first origin, the session's auth is sent again");
  const own = (await (await plain.get(redirectTo(back, 302), { auth: new BasicAuth("own", "pw") })).json()) as Echo;
  assert.equal(own.headers.authorization, new BasicAuth("own", "pw").encode());
});

test("a Location with user:pass@ is followed without them: never sent, never shown", async () => {
  await using session = new ClientSession();
  const target = `${other.url.replace("http://", "http://user:secret@")}/headers`;
  const resp = await session.get(redirectTo(target, 302));
  const echo = (await resp.json()) as Echo;
  assert.equal(echo.headers.authorization, undefined, "no Basic auth made of the Location's userinfo");
  assert.equal(resp.url.href, `${other.url}/headers`);
  assert.ok(!resp.url.href.includes("secret"));
  const bad = await session.get(redirectTo("http://user:secret@[::1", 302)).catch((e: unknown) => e);
  assert.ok(bad instanceof InvalidUrlRedirectClientError, `got ${String(bad)}`);
  assert.ok(bad.message.endsWith("invalid redirect Location: http://***@[::1"), bad.message);
  assert.equal(bad.url, "http://***@[::1");
  for (const shown of [String(bad.cause), JSON.stringify(bad.cause), JSON.stringify(bad)]) assert.ok(!shown.includes("user:secret"), shown);
});

/** A fetch that answers from a script and records what each hop sent: for https hops without a TLS server. */
function scriptedFetch(script: Record<string, Response | (() => Response)>, seen: Array<[string, Headers]>): FetchFunction {
  return (input, init) => {
    seen.push([input.href, new Headers(init.headers)]);
    const answer = script[input.href];
    if (!answer) return Promise.resolve(new Response("not scripted", { status: 599 }));
    return Promise.resolve(typeof answer === "function" ? answer() : answer);
  };
}

test("http → https on the same host counts as another origin", async () => {
  const seen: Array<[string, Headers]> = [];
  await using session = new ClientSession({
    fetch: scriptedFetch({
      "http://example.com/start": new Response(null, { status: 302, headers: { location: "https://example.com/next" } }),
      "https://example.com/next": new Response("done"),
    }, seen),
  });
  const resp = await session.get("http://example.com/start", { headers: { Authorization: "Bearer t" } });
  assert.equal(await resp.text(), "done");
  assert.equal(seen[0]![1].get("authorization"), "Bearer t");
  assert.equal(seen[1]![1].get("authorization"), null);
});

test("cookies set on an intermediate redirect are sent on the next hop", async () => {
  await using session = new ClientSession();
  const resp = await session.get(`${server.localUrl}/redirect-to`, { params: { url: "/cookies", set_cookie: "hop=1; Path=/" } });
  assert.deepEqual(await resp.json(), { cookies: { hop: "1" } });
  assert.deepEqual(resp.history[0]!.cookies.hop?.value, "1");
});

test("a downgrade to http never carries Secure cookies", async () => {
  const seen: Array<[string, Headers]> = [];
  await using session = new ClientSession({
    fetch: scriptedFetch({
      "https://shop.example/login": () =>
        new Response(null, {
          status: 302,
          headers: [["location", "http://shop.example/home"], ["set-cookie", "sid=secret; Secure; Path=/"], ["set-cookie", "pref=blue; Path=/"]],
        }),
      "http://shop.example/home": new Response("home"),
      "https://shop.example/again": new Response("again"),
    }, seen),
  });
  await (await session.get("https://shop.example/login")).release();
  assert.equal(seen[1]![1].get("cookie"), "pref=blue");
  await (await session.get("https://shop.example/again")).release();
  assert.equal(seen[2]![1].get("cookie"), "sid=secret; pref=blue");
});

test("beforeRedirect sees every redirect before it is followed, and what it throws refuses it as is", async () => {
  const seen: string[] = [];
  await using session = new ClientSession({ beforeRedirect: (target, response) => void seen.push(`${response.status} ${target.pathname}`) });
  const resp = await session.get(`${server.url}/redirect/2`);
  assert.equal(resp.status, 200);
  await resp.release();
  assert.deepEqual(seen, ["302 /redirect/1", "302 /get"]);

  const refusal = new Error("redirect to a private address refused");
  const refuse = (target: URL) => {
    if (target.origin === other.url) throw refusal;
  };
  await assert.rejects(session.get(redirectTo(`${other.url}/get`, 302), { beforeRedirect: refuse }), (err) => err === refusal);
  const allowed = await session.get(redirectTo(`${server.url}/get`, 302), { beforeRedirect: refuse });
  assert.equal(allowed.url.href, `${server.url}/get`, "a request's hook replaces the session's");
  await allowed.release();
  assert.equal(seen.length, 2);
});
