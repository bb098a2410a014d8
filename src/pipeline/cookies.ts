/**
 * A hop's cookies, outside any hop logic as in aiohttp: the Cookie header
 * comes from the jar and the request's own cookies before the hop is sent,
 * and the response's Set-Cookie lines go to the jar after it.
 */
import type { AbstractCookieJar, CookiePair } from "../cookie_jar.ts";
import type { ClientResponse } from "../response/response.ts";

/**
 * The Cookie header's addition for `url`: the jar's cookies, then the
 * request's own; `undefined` if none. Nothing is checked here, per hop: the
 * jar checked its cookies when it stored them, and the request's own were
 * checked once when the request was resolved.
 */
export function cookieHeader(jar: AbstractCookieJar, url: URL, own: readonly CookiePair[] | undefined): string | undefined {
  const pairs: CookiePair[] = Object.values(jar.filterCookies(url)).map(({ name, value }) => [name, value]);
  if (own) pairs.push(...own);
  return pairs.length ? pairs.map(([name, value]) => `${name}=${value}`).join("; ") : undefined;
}

/** Stores what the hop's response set, for the URL the hop went to. `response.cookies` parses the lines only if read. */
export function storeCookies(jar: AbstractCookieJar, response: ClientResponse, url: URL): void {
  jar.updateFromSetCookie(response.headers.getSetCookie(), url);
}
