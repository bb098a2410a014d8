import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AbstractCookieJar, ClientSession, type CookieInfo, CookieJar, DummyCookieJar } from "../mod.ts";
import { startServer } from "./server/mod.ts";

const server = await startServer();
after(() => server.close());

const url = (text: string) => new URL(text);
/** The cookies `filterCookies` returned, as name → value. */
const valuesOf = (cookies: Record<string, CookieInfo>) => Object.fromEntries(Object.values(cookies).map((cookie) => [cookie.name, cookie.value]));
const setCookies = (jar: CookieJar, from: string, ...lines: string[]) => jar.updateFromSetCookie(lines, url(from));

async function sentCookies(session: ClientSession<AbstractCookieJar>, base: string, options = {}): Promise<Record<string, string>> {
  const resp = await session.get(`${base}/cookies`, options);
  return ((await resp.json()) as { cookies: Record<string, string> }).cookies;
}

test("a login flow on localhost: cookies are stored from responses and sent back", async () => {
  await using session = new ClientSession();
  const resp = await session.get(`${server.localUrl}/cookies/set`, { params: { token: "abc", theme: "dark" } });
  assert.deepEqual(await resp.json(), { cookies: { token: "abc", theme: "dark" } }, "sent on the redirect hop already");
  assert.equal(resp.history[0]!.cookies.token?.value, "abc");
  assert.deepEqual(await sentCookies(session, server.localUrl), { token: "abc", theme: "dark" });
  assert.equal(session.cookieJar.size, 2);
  const deleted = await session.get(`${server.localUrl}/cookies/delete`, { params: { token: "" } });
  assert.deepEqual(await deleted.json(), { cookies: { theme: "dark" } });
});

test("cookies from an IP-address host are refused unless unsafe: true", async () => {
  await using safe = new ClientSession();
  const refused = await safe.get(`${server.url}/cookies/set`, { params: { a: "1" } });
  assert.deepEqual(await refused.json(), { cookies: {} });
  assert.equal(safe.cookieJar.size, 0);
  await using unsafe = new ClientSession({ cookieJar: new CookieJar({ unsafe: true }) });
  const stored = await unsafe.get(`${server.url}/cookies/set`, { params: { a: "1" } });
  assert.deepEqual(await stored.json(), { cookies: { a: "1" } });
});

test("shared session cookies go to every origin; per-request cookies only with that request", async () => {
  await using session = new ClientSession({ cookies: { shared: "s" } });
  assert.deepEqual(await sentCookies(session, server.url), { shared: "s" }, "IP hosts included, as in aiohttp");
  assert.deepEqual(await sentCookies(session, server.localUrl, { cookies: { once: "1" } }), { shared: "s", once: "1" });
  assert.deepEqual(await sentCookies(session, server.localUrl), { shared: "s" });
  assert.equal([...session.cookieJar].find((c) => c.name === "shared")?.domain, "");
});

test("response.cookies: what that response set, with attributes", async () => {
  await using session = new ClientSession();
  const resp = await session.get(`${server.localUrl}/set-cookie-raw`, {
    params: { line: ["id=42; Path=/app; HttpOnly; Max-Age=60", "lang=en"] },
  });
  assert.deepEqual(Object.keys(resp.cookies).sort(), ["id", "lang"]);
  assert.equal(resp.cookies.id!.value, "42");
  assert.equal(resp.cookies.id!.path, "/app");
  assert.equal(resp.cookies.id!.httpOnly, true);
  assert.ok(resp.cookies.id!.expires instanceof Date);
  await resp.release();
});

test("a malformed Set-Cookie line is skipped, the others kept", async () => {
  await using session = new ClientSession();
  const resp = await session.get(`${server.localUrl}/set-cookie-raw`, { params: { line: ["=novalue", ";;;", "good=1", "noequalsign", "odd=1; Domain=other.org", "weird=1; Expires=not a date; Max-Age=abc"] } });
  assert.equal(resp.status, 200);
  await resp.release();
  assert.deepEqual(await sentCookies(session, server.localUrl), { good: "1", weird: "1" }, "bad attributes are ignored, as in aiohttp");
});

test("DummyCookieJar stores nothing, yet response.cookies still shows what was set", async () => {
  await using session = new ClientSession({ cookieJar: new DummyCookieJar() });
  const resp = await session.get(`${server.localUrl}/set-cookie-raw`, { params: { line: "a=1" } });
  assert.equal(resp.cookies.a!.value, "1");
  await resp.release();
  assert.deepEqual(await sentCookies(session, server.localUrl), {});
  assert.equal(session.cookieJar.size, 0);
  assert.deepEqual([...session.cookieJar], []);
});

test("expiry: Max-Age=0 and past Expires remove; Max-Age wins over Expires", () => {
  const jar = new CookieJar();
  setCookies(jar, "http://example.com/", "keep=1; Max-Age=3600; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "gone=1", "old=1");
  setCookies(jar, "http://example.com/", "gone=; Max-Age=0", "old=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
  assert.deepEqual(valuesOf(jar.filterCookies("http://example.com/")), { keep: "1" });
  assert.equal(jar.size, 1);
});

test("path matching: a cookie is sent under its path only; the default path is the response's directory", () => {
  const jar = new CookieJar();
  setCookies(jar, "http://example.com/app/login", "explicit=1; Path=/app", "implicit=1");
  assert.deepEqual(valuesOf(jar.filterCookies("http://example.com/app/page")), { explicit: "1", implicit: "1" });
  assert.deepEqual(valuesOf(jar.filterCookies("http://example.com/application")), {});
  assert.deepEqual(valuesOf(jar.filterCookies("http://example.com/")), {});
});

test("domain matching: Domain covers subdomains, host-only does not; foreign domains are refused", () => {
  const jar = new CookieJar();
  setCookies(jar, "http://www.example.com/", "wide=1; Domain=example.com", "narrow=1", "foreign=1; Domain=other.org");
  assert.deepEqual(valuesOf(jar.filterCookies("http://api.example.com/")), { wide: "1" });
  assert.deepEqual(valuesOf(jar.filterCookies("http://www.example.com/")), { wide: "1", narrow: "1" });
  assert.deepEqual(valuesOf(jar.filterCookies("http://other.org/")), {});
  const wide = [...jar].find((c) => c.name === "wide")!;
  assert.equal(wide.domain, "example.com");
  assert.equal(wide.hostOnly, false);
});

test("a public-suffix Domain is rejected", () => {
  const jar = new CookieJar();
  setCookies(jar, "http://shop.example.co.uk/", "evil=1; Domain=co.uk", "ok=1; Domain=example.co.uk");
  setCookies(jar, "http://a.com/", "tld=1; Domain=com");
  assert.deepEqual(valuesOf(jar.filterCookies("http://other.co.uk/")), {});
  assert.deepEqual(valuesOf(jar.filterCookies("http://shop.example.co.uk/")), { ok: "1" });
  assert.deepEqual(valuesOf(jar.filterCookies("http://b.com/")), {});
});

test("Secure cookies go to https, localhost and treatAsSecureOrigin only", () => {
  const jar = new CookieJar({ treatAsSecureOrigin: ["http://intranet.test:8080"] });
  setCookies(jar, "https://example.com/", "s=1; Secure", "p=1");
  assert.deepEqual(valuesOf(jar.filterCookies("https://example.com/")), { s: "1", p: "1" });
  assert.deepEqual(valuesOf(jar.filterCookies("http://example.com/")), { p: "1" });
  setCookies(jar, "http://localhost/", "local=1; Secure");
  assert.deepEqual(valuesOf(jar.filterCookies("http://localhost:3000/")), { local: "1" });
  setCookies(jar, "http://intranet.test:8080/", "corp=1; Secure");
  assert.deepEqual(valuesOf(jar.filterCookies("http://intranet.test:8080/x")), { corp: "1" });
  assert.deepEqual(valuesOf(jar.filterCookies("http://intranet.test:9090/x")), {}, "another port is another origin");
});

test("updateCookies: shared without a URL, host-only with one", () => {
  const jar = new CookieJar();
  jar.updateCookies({ everywhere: "1" });
  jar.updateCookies([["scoped", "2"]], "http://example.com/");
  assert.deepEqual(valuesOf(jar.filterCookies("http://example.com/")), { everywhere: "1", scoped: "2" });
  assert.deepEqual(valuesOf(jar.filterCookies("http://other.com/")), { everywhere: "1" });
});

test("clear(predicate), clear(), clearDomain() with subdomains", () => {
  const jar = new CookieJar();
  setCookies(jar, "http://example.com/", "a=1; Domain=example.com", "b=2");
  setCookies(jar, "http://sub.example.com/", "c=3");
  setCookies(jar, "http://other.com/", "d=4");
  jar.clear((cookie) => cookie.name === "b");
  assert.deepEqual([...jar].map((c) => c.name).sort(), ["a", "c", "d"]);
  jar.clearDomain("example.com");
  assert.deepEqual([...jar].map((c) => c.name), ["d"]);
  jar.updateCookies({ shared: "x" });
  jar.clear();
  assert.equal(jar.size, 0);
});

test("save → load round trip, written with mode 0600", async () => {
  const dir = await mkdtemp(join(tmpdir(), "aiofetch-jar-"));
  try {
    const jar = new CookieJar({ unsafe: true });
    jar.updateCookies({ shared: "s" });
    setCookies(jar, "http://example.com/", "a=1; Path=/; Max-Age=3600; HttpOnly", "b=2; Domain=example.com");
    const path = join(dir, "cookies.json");
    await jar.save(path);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const loaded = await CookieJar.load(path);
    assert.deepEqual(valuesOf(loaded.filterCookies("http://example.com/")), { shared: "s", a: "1", b: "2" });
    assert.deepEqual([...loaded].map((c) => [c.name, c.httpOnly]), [...jar].map((c) => [c.name, c.httpOnly]));
    await jar.save(path);
    assert.equal((await stat(path)).mode & 0o777, 0o600, "still 0600 when overwritten");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("loading a file that is not a saved jar is a clear TypeError; the jar in use is untouched", async () => {
  const dir = await mkdtemp(join(tmpdir(), "aiofetch-jar-"));
  try {
    const jar = new CookieJar();
    setCookies(jar, "http://example.com/", "keep=1");
    const notJson = join(dir, "broken.json");
    await writeFile(notJson, "{ this is not json");
    await assert.rejects(CookieJar.load(notJson), (err: unknown) => {
      assert.ok(err instanceof TypeError);
      assert.match((err as Error).message, /CookieJar\.load: .*broken\.json is not JSON/);
      return true;
    });
    const wrongShape = join(dir, "other.json");
    await writeFile(wrongShape, JSON.stringify({ hello: "world" }));
    await assert.rejects(CookieJar.load(wrongShape), /is not a saved aiofetch cookie jar/);
    const injected = join(dir, "injected.json");
    await writeFile(injected, JSON.stringify({ format: "aiofetch-cookie-jar", version: 1, shared: { sess: "a; admin=1" }, cookies: [] }));
    await assert.rejects(CookieJar.load(injected), /^TypeError: CookieJar\.load: .*injected\.json: the value of cookie "sess" is not RFC 6265 cookie-octets/);
    assert.deepEqual(valuesOf(jar.filterCookies("http://example.com/")), { keep: "1" });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// Values that would end the cookie, add one, or split the header (RFC 6265 cookie-octets leave them out).
const BAD_VALUES = [
  ["a semicolon", "abc; admin=true"],
  ["a comma", "abc, admin=true"],
  ["a space", "abc admin"],
  ["CR/LF", "abc\r\nX-Injected: 1"],
  ["NUL", "abc\0admin"],
  ["a quote inside", 'ab"c'],
  ["a backslash", "abc\\admin"],
] as const;

for (const [label, value] of BAD_VALUES) {
  test(`a request cookie with ${label} is a TypeError naming the request and the cookie, not the value; nothing is sent`, async () => {
    let calls = 0;
    await using session = new ClientSession({ fetch: (input, init) => (calls++, fetch(input, init)) });
    await assert.rejects(session.get(`${server.localUrl}/cookies`, { cookies: { sess: value } }), (err: unknown) => {
      assert.ok(err instanceof TypeError);
      assert.match((err as Error).message, /^GET http:\/\/localhost:\d+\/cookies: the value of cookie "sess" is not RFC 6265 cookie-octets/);
      assert.ok(!(err as Error).message.includes("abc"), "the value is never shown");
      return true;
    });
    assert.equal(calls, 0);
  });
}

test("a request cookie whose name is not a token is a TypeError naming it; nothing is sent", async () => {
  let calls = 0;
  await using session = new ClientSession({ fetch: (input, init) => (calls++, fetch(input, init)) });
  for (const name of ["a=b", "a;b", "a b", "a\r\nb", ""]) {
    await assert.rejects(session.post(`${server.localUrl}/cookies`, { cookies: [[name, "1"]] }), (err: unknown) => {
      assert.ok(err instanceof TypeError);
      assert.equal((err as Error).message, `POST ${server.localUrl}/cookies: cookie name ${JSON.stringify(name)} is not an RFC 6265 token`);
      return true;
    });
  }
  assert.equal(calls, 0);
});

test("valid cookie-octets, a quoted value and an empty value are sent verbatim; an iterator serves every hop", async () => {
  await using session = new ClientSession();
  const odd = "!#$%&'()*+-./:<=>?@[]^_`{|}~";
  function* pairs(): Generator<[string, string]> {
    yield ["odd", odd];
    yield ["quoted", '"x"'];
    yield ["empty", ""];
  }
  const resp = await session.get(`${server.localUrl}/redirect-to`, { params: { url: "/cookies" }, cookies: pairs() });
  assert.equal(resp.history.length, 1);
  assert.deepEqual(await resp.json(), { cookies: { odd, quoted: '"x"', empty: "" } }, "sent again on the redirect hop");
});

test("the session's cookies option and jar.updateCookies refuse invalid cookies when they are stored, storing none of the call", () => {
  assert.throws(() => new ClientSession({ cookies: { sess: "abc; admin=true" } }), (err: unknown) => {
    assert.ok(err instanceof TypeError);
    assert.match((err as Error).message, /^CookieJar\.updateCookies: the value of cookie "sess" is not RFC 6265 cookie-octets/);
    return true;
  });
  const jar = new CookieJar();
  assert.throws(() => jar.updateCookies({ ok: "1", sess: "abc\r\nX: 1" }), TypeError);
  assert.throws(() => jar.updateCookies({ ok: "1", sess: "abc; Domain=example.com" }, "http://www.example.com/"), TypeError);
  assert.throws(() => jar.updateCookies([["a b", "1"]], "http://www.example.com/"), /cookie name "a b" is not an RFC 6265 token/);
  assert.equal(jar.size, 0);
  assert.deepEqual(valuesOf(jar.filterCookies("http://api.example.com/")), {});
});
