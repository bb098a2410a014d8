/**
 * Cookies: a form login whose session cookie the jar keeps for later
 * requests (the login answers 303, and the cookie set on the way is stored
 * before the redirect is followed), cookies the server sets and reads back,
 * per-request cookies that are never stored, and the jar saved to a file and
 * loaded again.
 *
 * aiohttp:
 *   async with aiohttp.ClientSession(cookies={"theme": "dark"}) as session:
 *       await session.post(url + "/login", data={"username": ..., "password": ...})
 *       session.cookie_jar.filter_cookies(url)
 *       session.cookie_jar.save("cookies.pickle")
 *
 * Run: deno run -A examples/cookies.ts, bun examples/cookies.ts, or
 * npx tsc -p tsconfig.json && node .build/examples/cookies.js
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClientSession, CookieJar } from "../mod.ts";
import { DEMO_USER, SESSION_COOKIE } from "./demo_server.ts";
import { exampleServer } from "./example_server.ts";

await using server = await exampleServer(); // on http://localhost: the jar refuses cookies from IP hosts
const jar = new CookieJar();
await using session = new ClientSession({ baseUrl: `${server.url}/`, cookieJar: jar, cookies: { theme: "dark" } });
const folder = await mkdtemp(join(tmpdir(), "aiofetch-cookies-"));
try {
  const landing = await session.post("login", { data: DEMO_USER }); // 303 See Other, then GET /account
  await landing.release();
  console.log("login:", landing.history.map((hop) => `${hop.status} ${hop.url.pathname}`), "→", landing.status, landing.url.pathname);
  console.log("set by the 303:", Object.keys(landing.history[0]?.cookies ?? {}), "by the last response:", Object.keys(landing.cookies));

  const account = await session.get("account"); // the jar sends the session cookie by itself
  assert.equal(account.status, 200);
  await account.release();

  const set = await session.get("cookies/set", { params: { flavour: "oatmeal" } }); // sets it, redirects to /cookies
  const { cookies } = await set.json<{ cookies: Record<string, string> }>();
  console.log("the server read:", cookies);
  assert.equal(cookies.flavour, "oatmeal");

  const once = await session.get("cookies", { cookies: { once: "1" } }); // sent with this request only
  assert.equal((await once.json<{ cookies: Record<string, string> }>()).cookies.once, "1");
  assert.equal(jar.filterCookies(server.url).once, undefined);

  const path = join(folder, "cookies.json");
  await jar.save(path); // JSON, mode 0600, written atomically
  const restored = await CookieJar.load(path);
  console.log("restored:", Object.keys(restored.filterCookies(server.url)));
  assert.ok(restored.filterCookies(server.url)[SESSION_COOKIE]);
} finally {
  await rm(folder, { recursive: true, force: true });
}
