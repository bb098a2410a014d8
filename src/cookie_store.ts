/**
 * The cookie jar's store: tough-cookie's in-memory store with the limits of
 * RFC 6265 section 6.1, as browsers apply them. Without them one site can
 * store thousands of cookies, or a 100 kB one, for a parent domain, and every
 * later request to a sibling host fails (431 Request Header Fields Too Large).
 * The limits sit in the store because every way a cookie is stored (Set-Cookie,
 * `updateCookies` with a URL, `CookieJar.load`) ends in `putCookie`, and every
 * way one is removed (expiry, `clear`) in the remove methods.
 */
import { type Cookie, type ErrorCallback, getPublicSuffix, MemoryCookieStore } from "tough-cookie";

/** The limits a {@link BoundedCookieStore} applies; 0 is no limit. */
export interface CookieLimits {
  /** Bytes of name and value (UTF-8); a larger cookie is ignored. */
  readonly maxCookieSize: number;
  /** Cookies per site (registrable domain); the oldest go first. */
  readonly maxCookiesPerDomain: number;
  /** Cookies in all; the oldest go first. */
  readonly maxCookies: number;
}

/**
 * RFC 6265's minimums: 4096 bytes a cookie (Chrome's and Firefox's limit
 * too), 50 a domain, 3000 in all. Browsers keep up to 180 a domain; 50 is
 * chosen so that a request carries at most 50 cookies of one site.
 */
export const DEFAULT_COOKIE_LIMITS: CookieLimits = { maxCookieSize: 4096, maxCookiesPerDomain: 50, maxCookies: 3000 };

/** The limits given, checked, with the defaults for those not given. Throws a `TypeError` naming a bad one. */
export function cookieLimits(given: Partial<CookieLimits>): CookieLimits {
  const limits = { ...DEFAULT_COOKIE_LIMITS };
  for (const name of Object.keys(limits) as Array<keyof CookieLimits>) {
    const value = given[name];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new TypeError(`CookieJar: ${name} must be a non-negative integer (0 for no limit), not ${String(value)}`);
    }
    limits[name] = value;
  }
  return limits;
}

const encoder = new TextEncoder();

/** The UTF-8 size of name and value, encoded only when the length alone cannot tell. */
function fitsIn(cookie: Cookie, max: number): boolean {
  const length = cookie.key.length + cookie.value.length;
  // A UTF-16 code unit is at most 3 bytes of UTF-8, and at least 1.
  if (length * 3 <= max) return true;
  return length <= max && encoder.encode(cookie.key + cookie.value).length <= max;
}

/** The site a domain belongs to, as browsers count cookies: its registrable domain, else the domain itself. */
function siteOf(domain: string): string {
  return getPublicSuffix(domain, { allowSpecialUseDomain: true, ignoreError: true }) ?? domain;
}

/** One cookie's identity in the store. Domain, path and name cannot hold NUL (tough-cookie refuses controls). */
function idOf(domain: string, path: string, key: string): string {
  return `${domain}\0${path}\0${key}`;
}

function isExpired(cookie: Cookie, now: number): boolean {
  const expiry = cookie.expiryTime();
  return expiry !== undefined && expiry <= now;
}

/**
 * A MemoryCookieStore that keeps {@link CookieLimits}. A new cookie past a
 * count limit evicts the oldest cookies of its site, or of the store:
 * expired ones first, then by creation. Insertion order of a Map is creation
 * order here: a replaced cookie keeps its place (tough-cookie keeps its
 * `creation`), and a restored jar is put back oldest first.
 */
export class BoundedCookieStore extends MemoryCookieStore {
  readonly #limits: CookieLimits;
  /** Every cookie by id, oldest first, with its site. */
  readonly #all = new Map<string, { cookie: Cookie; site: string }>();
  /** The ids of each site's cookies, oldest first. */
  readonly #sites = new Map<string, Set<string>>();

  /** An empty store keeping `limits`. */
  constructor(limits: CookieLimits) {
    super();
    this.#limits = limits;
  }

  /** Stores `cookie` unless it is too large, then evicts what the count limits require. */
  override putCookie(cookie: Cookie): Promise<void>;
  override putCookie(cookie: Cookie, callback: ErrorCallback): void;
  override putCookie(cookie: Cookie, callback?: ErrorCallback): Promise<void> | void {
    const { domain, path, key } = cookie;
    const { maxCookieSize } = this.#limits;
    if (domain != null && path != null && (!maxCookieSize || fitsIn(cookie, maxCookieSize))) {
      // MemoryCookieStore stores synchronously, so the cookie is in place before the limits are applied.
      void super.putCookie(cookie);
      this.#track(idOf(domain, path, key), cookie);
    }
    if (!callback) return Promise.resolve();
    callback(null);
  }

  /** Removes one cookie. */
  override removeCookie(domain: string, path: string, key: string): Promise<void>;
  override removeCookie(domain: string, path: string, key: string, callback: ErrorCallback): void;
  override removeCookie(domain: string, path: string, key: string, callback?: ErrorCallback): Promise<void> | void {
    this.#forget(idOf(domain, path, key));
    return callback ? super.removeCookie(domain, path, key, callback) : super.removeCookie(domain, path, key);
  }

  /** Removes the cookies of `domain`, or of `domain` and `path` when a path is given. */
  override removeCookies(domain: string, path: string): Promise<void>;
  override removeCookies(domain: string, path: string, callback: ErrorCallback): void;
  override removeCookies(domain: string, path: string, callback?: ErrorCallback): Promise<void> | void {
    const paths = this.idx[domain] ?? {};
    for (const cookiePath of path ? [path] : Object.keys(paths)) {
      for (const key of Object.keys(paths[cookiePath] ?? {})) this.#forget(idOf(domain, cookiePath, key));
    }
    return callback ? super.removeCookies(domain, path, callback) : super.removeCookies(domain, path);
  }

  /** Removes every cookie. */
  override removeAllCookies(): Promise<void>;
  override removeAllCookies(callback: ErrorCallback): void;
  override removeAllCookies(callback?: ErrorCallback): Promise<void> | void {
    this.#all.clear();
    this.#sites.clear();
    return callback ? super.removeAllCookies(callback) : super.removeAllCookies();
  }

  #track(id: string, cookie: Cookie): void {
    const known = this.#all.get(id);
    if (known) {
      // A replacement: same place, same count.
      known.cookie = cookie;
      return;
    }
    const site = siteOf(cookie.domain!);
    this.#all.set(id, { cookie, site });
    let ids = this.#sites.get(site);
    if (!ids) this.#sites.set(site, ids = new Set());
    ids.add(id);
    const { maxCookiesPerDomain, maxCookies } = this.#limits;
    if (maxCookiesPerDomain && ids.size > maxCookiesPerDomain) this.#evict(ids, maxCookiesPerDomain);
    if (maxCookies && this.#all.size > maxCookies) this.#evict(this.#all.keys(), maxCookies);
  }

  /** Evicts from `ids` (oldest first) until `max` are left: expired ones first, then the oldest. */
  #evict(ids: Iterable<string>, max: number): void {
    const scope = [...ids];
    let excess = scope.length - max;
    const now = Date.now();
    for (const id of scope) {
      if (excess <= 0) return;
      if (isExpired(this.#all.get(id)!.cookie, now)) {
        this.#remove(id);
        excess--;
      }
    }
    for (const id of scope) {
      if (excess <= 0) return;
      if (this.#all.has(id)) {
        this.#remove(id);
        excess--;
      }
    }
  }

  #remove(id: string): void {
    const { domain, path, key } = this.#all.get(id)!.cookie;
    this.#forget(id);
    // Tracked cookies have a domain and a path (putCookie checked).
    void super.removeCookie(domain!, path!, key);
  }

  #forget(id: string): void {
    const known = this.#all.get(id);
    if (!known) return;
    this.#all.delete(id);
    const ids = this.#sites.get(known.site)!;
    ids.delete(id);
    if (!ids.size) this.#sites.delete(known.site);
  }
}
