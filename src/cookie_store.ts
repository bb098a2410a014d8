/**
 * The cookie jar's store: tough-cookie's in-memory store with the limits of
 * RFC 6265 section 6.1, as browsers apply them. Without them one site can
 * store thousands of cookies, or a 100 kB one, for a parent domain, and every
 * later request to a sibling host fails (431 Request Header Fields Too Large).
 * The limits sit in the store because every way a cookie is stored (Set-Cookie,
 * `updateCookies` with a URL, `CookieJar.load`) ends in `putCookie`, and every
 * way one is removed (expiry, `clear`) in the remove methods.
 */
import type { Cookie, ErrorCallback, MemoryCookieStore } from "tough-cookie";
import { toughCookie } from "./runtime/cookie_library.ts";

/** The limits a {@link boundedCookieStore} keeps; 0 is no limit. */
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
  return toughCookie().getPublicSuffix(domain, { allowSpecialUseDomain: true, ignoreError: true }) ?? domain;
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
 * The bookkeeping of {@link CookieLimits} for a store: every cookie by id,
 * with its site, oldest first. A new cookie past a count limit evicts the
 * oldest cookies of its site, or of the store: expired ones first, then by
 * creation. Insertion order of a Map is creation order here: a replaced
 * cookie keeps its place (tough-cookie keeps its `creation`), and a restored
 * jar is put back oldest first. Apart from the store so that it needs nothing
 * of tough-cookie until a store exists.
 */
class CookieLimiter {
  readonly #limits: CookieLimits;
  /** Removes an evicted cookie from the store. */
  readonly #remove: (domain: string, path: string, key: string) => void;
  /** Every cookie by id, oldest first, with its site. */
  readonly #all = new Map<string, { cookie: Cookie; site: string }>();
  /** The ids of each site's cookies, oldest first. */
  readonly #sites = new Map<string, Set<string>>();

  constructor(limits: CookieLimits, remove: (domain: string, path: string, key: string) => void) {
    this.#limits = limits;
    this.#remove = remove;
  }

  /** False for a cookie too large to store. */
  accepts(cookie: Cookie): boolean {
    const { maxCookieSize } = this.#limits;
    return cookie.domain != null && cookie.path != null && (!maxCookieSize || fitsIn(cookie, maxCookieSize));
  }

  /** Counts a cookie just stored (accepted, so with a domain and a path), then evicts what the count limits require. */
  stored(cookie: Cookie): void {
    const id = idOf(cookie.domain!, cookie.path!, cookie.key);
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

  /** Forgets one cookie, removed from the store. */
  forget(domain: string, path: string, key: string): void {
    const id = idOf(domain, path, key);
    const known = this.#all.get(id);
    if (!known) return;
    this.#all.delete(id);
    const ids = this.#sites.get(known.site)!;
    ids.delete(id);
    if (!ids.size) this.#sites.delete(known.site);
  }

  /** Forgets every cookie. */
  clear(): void {
    this.#all.clear();
    this.#sites.clear();
  }

  /** Evicts from `ids` (oldest first) until `max` are left: expired ones first, then the oldest. */
  #evict(ids: Iterable<string>, max: number): void {
    const scope = [...ids];
    let excess = scope.length - max;
    const now = Date.now();
    for (const id of scope) {
      if (excess <= 0) return;
      if (isExpired(this.#all.get(id)!.cookie, now)) {
        this.#evictOne(id);
        excess--;
      }
    }
    for (const id of scope) {
      if (excess <= 0) return;
      if (this.#all.has(id)) {
        this.#evictOne(id);
        excess--;
      }
    }
  }

  #evictOne(id: string): void {
    const { domain, path, key } = this.#all.get(id)!.cookie;
    this.forget(domain!, path!, key);
    this.#remove(domain!, path!, key);
  }
}

/** A class of stores keeping limits, as {@link boundedCookieStore} makes them. */
type BoundedStoreClass = new (limits: CookieLimits) => MemoryCookieStore;

let boundedStoreClass: BoundedStoreClass | undefined;

/**
 * A new MemoryCookieStore that keeps `limits`, through a {@link CookieLimiter}.
 * The class extends tough-cookie's, so it is made on the first call, once
 * the library is loaded (src/runtime/cookie_library.ts).
 */
export function boundedCookieStore(limits: CookieLimits): MemoryCookieStore {
  boundedStoreClass ??= defineBoundedStore(toughCookie().MemoryCookieStore);
  return new boundedStoreClass(limits);
}

/** The store class on `Base`: each way of storing or removing a cookie told to the limiter. */
function defineBoundedStore(Base: typeof MemoryCookieStore): BoundedStoreClass {
  return class BoundedCookieStore extends Base {
    readonly #limiter: CookieLimiter;

    /** An empty store keeping `limits`. */
    constructor(limits: CookieLimits) {
      super();
      this.#limiter = new CookieLimiter(limits, (domain, path, key) => void super.removeCookie(domain, path, key));
    }

    /** Stores `cookie` unless it is too large, then evicts what the count limits require. */
    override putCookie(cookie: Cookie): Promise<void>;
    override putCookie(cookie: Cookie, callback: ErrorCallback): void;
    override putCookie(cookie: Cookie, callback?: ErrorCallback): Promise<void> | void {
      if (this.#limiter.accepts(cookie)) {
        // MemoryCookieStore stores synchronously, so the cookie is in place before the limits are applied.
        void super.putCookie(cookie);
        this.#limiter.stored(cookie);
      }
      if (!callback) return Promise.resolve();
      callback(null);
    }

    /** Removes one cookie. */
    override removeCookie(domain: string, path: string, key: string): Promise<void>;
    override removeCookie(domain: string, path: string, key: string, callback: ErrorCallback): void;
    override removeCookie(domain: string, path: string, key: string, callback?: ErrorCallback): Promise<void> | void {
      this.#limiter.forget(domain, path, key);
      return callback ? super.removeCookie(domain, path, key, callback) : super.removeCookie(domain, path, key);
    }

    /** Removes the cookies of `domain`, or of `domain` and `path` when a path is given. */
    override removeCookies(domain: string, path: string): Promise<void>;
    override removeCookies(domain: string, path: string, callback: ErrorCallback): void;
    override removeCookies(domain: string, path: string, callback?: ErrorCallback): Promise<void> | void {
      const paths = this.idx[domain] ?? {};
      for (const cookiePath of path ? [path] : Object.keys(paths)) {
        for (const key of Object.keys(paths[cookiePath] ?? {})) this.#limiter.forget(domain, cookiePath, key);
      }
      return callback ? super.removeCookies(domain, path, callback) : super.removeCookies(domain, path);
    }

    /** Removes every cookie. */
    override removeAllCookies(): Promise<void>;
    override removeAllCookies(callback: ErrorCallback): void;
    override removeAllCookies(callback?: ErrorCallback): Promise<void> | void {
      this.#limiter.clear();
      return callback ? super.removeAllCookies(callback) : super.removeAllCookies();
    }
  };
}
