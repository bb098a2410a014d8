import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClientSession, type CookieInfo, CookieJar } from "../mod.ts";
import { startServer } from "./server/mod.ts";

const server = await startServer();
after(() => server.close());

/** `count` cookies named `<prefix>0`…, set by one response of the test server. */
async function setBulk(session: ClientSession, count: number, options: { size?: number; prefix?: string } = {}): Promise<void> {
  const resp = await session.get(`${server.localUrl}/cookies/bulk`, { params: { count, size: options.size ?? 1, prefix: options.prefix ?? "c" } });
  assert.equal(resp.status, 200);
  await resp.release();
}

async function sentCookieNames(session: ClientSession): Promise<string[]> {
  const resp = await session.get(`${server.localUrl}/cookies`);
  assert.equal(resp.status, 200);
  return Object.keys(((await resp.json()) as { cookies: Record<string, string> }).cookies);
}

/** The cookies `filterCookies` returned, as name → value. */
const valuesOf = (cookies: Record<string, CookieInfo>) => Object.fromEntries(Object.values(cookies).map((cookie) => [cookie.name, cookie.value]));
const names = (prefix: string, from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);
const lines = (prefix: string, count: number, attributes = "") => names(prefix, 0, count).map((name) => `${name}=1${attributes}`);

test("a response setting 60 cookies for one site leaves the newest 50; the oldest go first across responses too", async () => {
  await using session = new ClientSession();
  await setBulk(session, 60);
  assert.equal(session.cookieJar.size, 50);
  assert.deepEqual(await sentCookieNames(session), names("c", 10, 60));
  await setBulk(session, 20, { prefix: "d" });
  assert.deepEqual(await sentCookieNames(session), [...names("c", 30, 60), ...names("d", 0, 20)]);
});

test("a cookie over 4096 bytes of name and value is ignored, and the requests after it succeed", async () => {
  await using session = new ClientSession();
  // Four of them would be a 20 kB Cookie header: over a 16 kB header limit such as Node's.
  for (const prefix of ["a", "b", "c", "d"]) await setBulk(session, 1, { size: 5000, prefix });
  assert.equal(session.cookieJar.size, 0);
  assert.deepEqual(await sentCookieNames(session), []);
  await setBulk(session, 1, { size: 4094, prefix: "ok" }); // "ok0" + 4094 bytes: 4097, one too many
  await setBulk(session, 1, { size: 4093, prefix: "ok" }); // exactly 4096
  assert.deepEqual(await sentCookieNames(session), ["ok0"]);
});

test("the size is counted in UTF-8 bytes; a too large cookie leaves the one it would replace", () => {
  const jar = new CookieJar();
  const url = new URL("http://example.com/");
  jar.updateFromSetCookie(["name=old"], url);
  jar.updateFromSetCookie([`name=${"é".repeat(2047)}`], url); // 2051 characters, 4098 bytes
  assert.deepEqual(valuesOf(jar.filterCookies(url)), { name: "old" });
  jar.updateFromSetCookie([`name=${"é".repeat(2045)}`], url); // 4094 bytes
  assert.equal(jar.filterCookies(url).name?.value, "é".repeat(2045));
});

test("a site's hosts and its Domain cookies count together; other sites and shared cookies are not touched", () => {
  const jar = new CookieJar({ maxCookiesPerDomain: 3 });
  jar.updateCookies({ shared: "s".repeat(5000) });
  jar.updateFromSetCookie(["other=1"], new URL("http://other.org/"));
  jar.updateFromSetCookie(["www=1"], new URL("http://www.example.com/"));
  jar.updateFromSetCookie(["api=1"], new URL("http://api.example.com/"));
  jar.updateFromSetCookie(["wide=1; Domain=example.com", "www=2"], new URL("http://www.example.com/"));
  // www was replaced, and keeps its creation time: it is still the oldest.
  jar.updateFromSetCookie(["late=1"], new URL("http://api.example.com/"));
  assert.deepEqual(valuesOf(jar.filterCookies("http://www.example.com/")), { shared: "s".repeat(5000), wide: "1" });
  assert.deepEqual(valuesOf(jar.filterCookies("http://api.example.com/")), { shared: "s".repeat(5000), api: "1", wide: "1", late: "1" });
  assert.deepEqual(valuesOf(jar.filterCookies("http://other.org/")), { shared: "s".repeat(5000), other: "1" });
});

test("maxCookies evicts the oldest in the whole jar; expired cookies are evicted before live ones", () => {
  const jar = new CookieJar({ maxCookies: 3 });
  for (const host of ["a.com", "b.com", "c.com", "d.com"]) jar.updateFromSetCookie(["x=1"], new URL(`http://${host}/`));
  assert.deepEqual([...jar].map((cookie) => cookie.domain), ["b.com", "c.com", "d.com"]);

  const site = new CookieJar();
  const url = new URL("http://example.com/");
  site.updateFromSetCookie(lines("c", 50), url);
  // Deleted cookies stay in tough-cookie's store, expired, until a lookup drops them; these are the newest.
  site.updateFromSetCookie(names("c", 40, 50).map((name) => `${name}=; Max-Age=0`), url);
  site.updateFromSetCookie(lines("d", 10), url);
  assert.deepEqual(Object.keys(site.filterCookies(url)), [...names("c", 0, 40), ...names("d", 0, 10)]);
});

test("limits are validated; 0 is no limit", () => {
  for (const [name, value] of [["maxCookies", -1], ["maxCookiesPerDomain", 1.5], ["maxCookieSize", Number.NaN], ["maxCookies", Infinity]] as const) {
    assert.throws(() => new CookieJar({ [name]: value }), (err: unknown) => {
      assert.ok(err instanceof TypeError);
      assert.equal((err as Error).message, `CookieJar: ${name} must be a non-negative integer (0 for no limit), not ${value}`);
      return true;
    });
  }
  const jar = new CookieJar({ maxCookieSize: 0, maxCookiesPerDomain: 0, maxCookies: 0 });
  const url = new URL("http://example.com/");
  jar.updateFromSetCookie([...lines("c", 60), `big=${"v".repeat(5000)}`], url);
  assert.equal(jar.size, 61);
});

test("save keeps the limits and load applies them; a file without them gets the defaults", async () => {
  const dir = await mkdtemp(join(tmpdir(), "aiofetch-jar-"));
  try {
    const jar = new CookieJar({ maxCookiesPerDomain: 100 });
    jar.updateFromSetCookie(lines("c", 60), new URL("http://example.com/"));
    const path = join(dir, "cookies.json");
    await jar.save(path);
    const loaded = await CookieJar.load(path);
    assert.equal(loaded.size, 60);
    loaded.updateFromSetCookie(lines("d", 50), new URL("http://example.com/"));
    assert.equal(loaded.size, 100);

    const { maxCookiesPerDomain: _, ...older } = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
    await writeFile(path, JSON.stringify(older));
    assert.deepEqual(Object.keys((await CookieJar.load(path)).filterCookies("http://example.com/")), names("c", 10, 60));
    await writeFile(path, JSON.stringify({ ...older, maxCookies: -5 }));
    await assert.rejects(CookieJar.load(path), /^TypeError: CookieJar\.load: .*cookies\.json is not a valid saved jar: CookieJar: maxCookies must be/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
