import type { Cookie, CookieJar as ToughCookieJar, SerializedCookie } from "tough-cookie";
import { boundedCookieStore, type CookieLimits, cookieLimits } from "./cookie_store.ts";
import { TOKEN } from "./headers.ts";
import { keysOf, refuseUnknownOptions } from "./known_options.ts";
import { toughCookie } from "./runtime/cookie_library.ts";
import { readTextFile, writeFileAtomic } from "./runtime/fs.ts";

/** One cookie as the jar holds it. */
export interface CookieInfo {
  /** The cookie's name. */
  name: string;
  /** The cookie's value. */
  value: string;
  /** The domain it is sent to; `""` for shared cookies (sent everywhere). */
  domain: string;
  /** The path prefix it is sent under. */
  path: string;
  /** When it expires; `undefined` for a session cookie. */
  expires: Date | undefined;
  /** Sent only over secure origins. */
  secure: boolean;
  /** Hidden from scripts (informational here). */
  httpOnly: boolean;
  /** The SameSite attribute, if any. */
  sameSite: string | undefined;
  /** Sent only to the exact host that set it (no Domain attribute). */
  hostOnly: boolean;
}

/** Cookies given by name and value: an object or pairs. */
export type CookiesInit = Record<string, string> | Iterable<readonly [string, string]>;

/** What a session needs of a cookie jar; {@link CookieJar} and {@link DummyCookieJar} implement it. */
export interface AbstractCookieJar extends Iterable<CookieInfo> {
  /**
   * The cookies to send to `url`, by name: the same objects as
   * `response.cookies` holds (`.value`, `.domain`, …), as aiohttp's Morsels.
   *
   * @example
   * ```ts
   * const token = session.cookieJar.filterCookies("https://example.com/")["token"]?.value;
   * ```
   */
  filterCookies(url: string | URL): Record<string, CookieInfo>;
  /**
   * Stores cookies by name and value: for `responseUrl`'s host, or shared
   * (sent everywhere) without it. What {@link AbstractCookieJar.filterCookies}
   * returns goes into the Cookie header as is, so a jar refuses here what
   * is not a valid cookie (as {@link CookieJar} does, with a `TypeError`).
   */
  updateCookies(cookies: CookiesInit, responseUrl?: string | URL): void;
  /** Stores the `Set-Cookie` lines of a response from `url`; invalid lines are skipped. */
  updateFromSetCookie(lines: readonly string[], url: URL): void;
  /** Removes the cookies `predicate` selects, or all of them. */
  clear(predicate?: (cookie: CookieInfo) => boolean): void;
  /** Removes the cookies of `domain` and its subdomains. */
  clearDomain(domain: string): void;
  /** The number of cookies held (expired ones excluded). */
  readonly size: number;
}

/**
 * Options of {@link CookieJar}.
 *
 * The three limits are RFC 6265 section 6.1's, applied as browsers apply
 * them, so that no site can grow the Cookie header of later requests without
 * bound; each is a non-negative integer (0 for no limit), or the constructor
 * throws a `TypeError`. They cover every cookie stored for a domain: from
 * `Set-Cookie`, from `updateCookies` with a URL, and from
 * {@link CookieJar.load}. Shared cookies (`updateCookies` without a URL, and
 * so the session's `cookies` option) are the program's own: they are neither
 * counted nor limited. {@link CookieJar.save} keeps the limits, and
 * {@link CookieJar.load} applies them again.
 *
 * @example
 * ```ts
 * // A crawler of many sites keeps more cookies in all, and as many per site as Chrome does.
 * const jar = new CookieJar({ maxCookies: 10_000, maxCookiesPerDomain: 180 });
 * const session = new ClientSession({ cookieJar: jar });
 * ```
 */
export interface CookieJarOptions {
  /** Accept cookies from hosts that are IP addresses (refused by default, as in aiohttp). */
  unsafe?: boolean;
  /** Origins (`http://host:port`) whose Secure cookies are sent over plain http too. */
  treatAsSecureOrigin?: Iterable<string | URL>;
  /** The largest cookie stored, in UTF-8 bytes of name and value; a larger one is ignored. Default 4096 (RFC 6265's minimum, and Chrome's and Firefox's limit). */
  maxCookieSize?: number;
  /**
   * The most cookies stored for one site: a registrable domain such as
   * `example.com`, which holds the cookies of `www.example.com`,
   * `api.example.com` and `Domain=example.com` alike (as browsers count).
   * A new cookie past it evicts the site's oldest: expired ones first, then
   * the least recently created (replacing a cookie keeps its creation time).
   * Default 50, RFC 6265's minimum (Chrome and Firefox keep 180).
   */
  maxCookiesPerDomain?: number;
  /** The most cookies stored in all; a new cookie past it evicts the oldest in the jar, as `maxCookiesPerDomain` does. Default 3000, RFC 6265's minimum (Chrome keeps 3300). */
  maxCookies?: number;
}

const COOKIE_JAR_OPTIONS = keysOf<CookieJarOptions>()(["unsafe", "treatAsSecureOrigin", "maxCookieSize", "maxCookiesPerDomain", "maxCookies"]);

interface SavedJar extends Partial<CookieLimits> {
  format: "aiofetch-cookie-jar";
  version: 1;
  unsafe: boolean;
  treatAsSecureOrigin: string[];
  shared: Record<string, string>;
  cookies: SerializedCookie[];
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** True when the URL's host is an IP address (v4 or bracketed v6). */
function isIpHost(url: URL): boolean {
  return IPV4.test(url.hostname) || url.hostname.startsWith("[");
}

/** A cookie's name and value, as checked by {@link checkedCookies}. */
export type CookiePair = readonly [name: string, value: string];

/** The name/value pairs of cookies given either way. */
function pairsOf(cookies: CookiesInit): Iterable<readonly [string, string]> {
  return Symbol.iterator in cookies ? cookies as Iterable<readonly [string, string]> : Object.entries(cookies);
}

/**
 * RFC 6265 section 4.1.1 cookie-value: cookie-octets, optionally in double
 * quotes. What it leaves out (`;`, `,`, whitespace, `"`, `\\`, CR, LF, NUL and
 * other controls) is what would end the cookie, add one, or split the header.
 */
const COOKIE_VALUE = /^(?:[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*|"[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*")$/;

/**
 * The cookies as checked pairs, values stringified: a name that is not a
 * token or a value that is not cookie-octets throws a `TypeError` starting
 * with `label()` and naming the cookie, never showing the value (it may be a
 * secret). Taken once, so an iterator given as `cookies` serves every hop.
 */
export function checkedCookies(cookies: CookiesInit, label: () => string): CookiePair[] {
  const pairs: CookiePair[] = [];
  for (const [name, raw] of pairsOf(cookies)) {
    const value = String(raw);
    // RFC 6265's cookie-name is an HTTP token: no `=`, `;`, `,`, whitespace or controls.
    if (!TOKEN.test(name)) throw new TypeError(`${label()}: cookie name ${JSON.stringify(name)} is not an RFC 6265 token`);
    if (!COOKIE_VALUE.test(value)) {
      throw new TypeError(`${label()}: the value of cookie ${JSON.stringify(name)} is not RFC 6265 cookie-octets (no ;, comma, whitespace, quote, backslash or control characters such as CR, LF and NUL)`);
    }
    pairs.push([name, value]);
  }
  return pairs;
}

function toInfo(cookie: Cookie): CookieInfo {
  const expires = cookie.expiryDate();
  return {
    name: cookie.key,
    value: cookie.value,
    domain: cookie.domain ?? "",
    path: cookie.path ?? "/",
    expires: expires && Number.isFinite(expires.getTime()) ? expires : undefined,
    secure: cookie.secure,
    httpOnly: cookie.httpOnly,
    sameSite: cookie.sameSite,
    hostOnly: cookie.hostOnly ?? false,
  };
}

/** Parses `Set-Cookie` lines into cookies by name; invalid lines are skipped. No line, no tough-cookie loaded. */
export function parseSetCookies(lines: readonly string[]): Record<string, CookieInfo> {
  const cookies: Record<string, CookieInfo> = {};
  for (const line of lines) {
    const cookie = toughCookie().Cookie.parse(line);
    if (cookie?.key) cookies[cookie.key] = toInfo(cookie);
  }
  return cookies;
}

/**
 * A cookie jar on tough-cookie (RFC 6265, public-suffix rejection), with
 * aiohttp's surface. Cookies from hosts that are IP addresses are refused
 * unless `unsafe: true`; `localhost` is a host name, so it works by default.
 * tough-cookie is loaded when the jar first stores a cookie, not before: a
 * jar that only ever holds shared cookies, or none, never loads it.
 */
export class CookieJar implements AbstractCookieJar {
  /** Made when the first cookie is stored: until then, `undefined`. */
  #jar: ToughCookieJar | undefined;
  readonly #shared = new Map<string, string>();
  readonly #unsafe: boolean;
  readonly #secureOrigins: ReadonlySet<string>;
  readonly #limits: CookieLimits;
  /** False until something is stored (so `#jar` is made): lets the common empty-jar case skip tough-cookie, even unloaded. */
  #touched = false;

  /** An empty jar; see {@link CookieJarOptions}. */
  constructor(options: CookieJarOptions = {}) {
    refuseUnknownOptions(options, COOKIE_JAR_OPTIONS, () => "new CookieJar()");
    this.#unsafe = options.unsafe ?? false;
    this.#secureOrigins = new Set(Array.from(options.treatAsSecureOrigin ?? [], (origin) => new URL(String(origin)).origin));
    this.#limits = cookieLimits(options);
  }

  #newJar(): ToughCookieJar {
    return new (toughCookie().CookieJar)(boundedCookieStore(this.#limits), { rejectPublicSuffixes: true, allowSecureOnLocal: true });
  }

  /**
   * The URL tough-cookie should see: https for origins treated as secure. A
   * URL object, not its text, which tough-cookie would parse twice per call.
   */
  #cookieUrl(url: URL): URL {
    if (url.protocol === "http:" && this.#secureOrigins.has(url.origin)) {
      return new URL(`https://${url.host}${url.pathname}`);
    }
    return url;
  }

  /** The cookies to send to `url`: shared ones, then those matching its domain, path, scheme and expiry. */
  filterCookies(url: string | URL): Record<string, CookieInfo> {
    const target = typeof url === "string" ? new URL(url) : url;
    const result: Record<string, CookieInfo> = {};
    for (const [name, value] of this.#shared) result[name] = sharedInfo(name, value);
    if (!this.#touched || (!this.#unsafe && isIpHost(target))) return result;
    for (const cookie of this.#jar!.getCookiesSync(this.#cookieUrl(target))) result[cookie.key] = toInfo(cookie);
    return result;
  }

  /**
   * Stores name/value cookies: host-only for `responseUrl`, or shared (sent to
   * every origin) without it. A name that is not a token or a value that is
   * not RFC 6265 cookie-octets (such as `"a; admin=1"`) throws a `TypeError`
   * naming the cookie, and nothing of the call is stored.
   */
  updateCookies(cookies: CookiesInit, responseUrl?: string | URL): void {
    // Checked here, where they are stored, so that what the jar hands out is never checked again per request.
    const pairs = checkedCookies(cookies, () => "CookieJar.updateCookies");
    if (responseUrl === undefined) {
      for (const [name, value] of pairs) this.#shared.set(name, value);
      return;
    }
    const lines = pairs.map(([name, value]) => `${name}=${value}`);
    this.updateFromSetCookie(lines, typeof responseUrl === "string" ? new URL(responseUrl) : responseUrl);
  }

  /** Stores a response's `Set-Cookie` lines; invalid, foreign-domain and public-suffix cookies are skipped. */
  updateFromSetCookie(lines: readonly string[], url: URL): void {
    if (!lines.length || (!this.#unsafe && isIpHost(url))) return;
    const target = this.#cookieUrl(url);
    const jar = (this.#jar ??= this.#newJar());
    for (const line of lines) {
      if (jar.setCookieSync(line, target, { ignoreError: true })) this.#touched = true;
    }
  }

  /** Removes the cookies `predicate` selects (shared ones included), or every cookie. */
  clear(predicate?: (cookie: CookieInfo) => boolean): void {
    if (!predicate) {
      this.#shared.clear();
      this.#jar = undefined;
      this.#touched = false;
      return;
    }
    for (const [name, value] of this.#shared) {
      if (predicate(sharedInfo(name, value))) this.#shared.delete(name);
    }
    this.#keep((cookie) => !predicate(toInfo(cookie)));
  }

  /** Removes the cookies of `domain` and of its subdomains. */
  clearDomain(domain: string): void {
    const target = domain.toLowerCase().replace(/^\./, "");
    this.#keep((cookie) => {
      const own = (cookie.domain ?? "").toLowerCase();
      return own !== target && !own.endsWith(`.${target}`);
    });
  }

  /** The number of cookies held, expired ones excluded. */
  get size(): number {
    let count = 0;
    for (const _ of this) count++;
    return count;
  }

  /** Yields every cookie held: shared ones first, then the stored ones that have not expired. */
  *[Symbol.iterator](): Iterator<CookieInfo> {
    for (const [name, value] of this.#shared) yield sharedInfo(name, value);
    const now = Date.now();
    for (const cookie of this.#allCookies()) {
      if (cookie.TTL(now) > 0) yield toInfo(cookie);
    }
  }

  /** Writes the jar to `path` as JSON, readable by its owner only (mode 0600), atomically. */
  async save(path: string): Promise<void> {
    const saved: SavedJar = {
      format: "aiofetch-cookie-jar",
      version: 1,
      unsafe: this.#unsafe,
      treatAsSecureOrigin: [...this.#secureOrigins],
      ...this.#limits,
      shared: Object.fromEntries(this.#shared),
      cookies: this.#serialized(),
    };
    await writeFileAtomic(path, JSON.stringify(saved, null, 2), 0o600);
  }

  /** Reads a jar written by {@link CookieJar.save}; a file that is not one throws a `TypeError` naming it. */
  static async load(path: string): Promise<CookieJar> {
    const text = await readTextFile(path);
    let saved: SavedJar;
    try {
      saved = JSON.parse(text) as SavedJar;
    } catch (err) {
      throw new TypeError(`CookieJar.load: ${path} is not JSON: ${(err as Error).message}`, { cause: err });
    }
    if (saved?.format !== "aiofetch-cookie-jar" || !Array.isArray(saved.cookies)) {
      throw new TypeError(`CookieJar.load: ${path} is not a saved aiofetch cookie jar`);
    }
    let jar: CookieJar;
    try {
      // A file saved before the limits existed gets the defaults.
      const { maxCookieSize, maxCookiesPerDomain, maxCookies } = saved;
      jar = new CookieJar({ unsafe: saved.unsafe === true, treatAsSecureOrigin: saved.treatAsSecureOrigin ?? [], maxCookieSize, maxCookiesPerDomain, maxCookies });
    } catch (err) {
      throw new TypeError(`CookieJar.load: ${path} is not a valid saved jar: ${(err as Error).message}`, { cause: err });
    }
    for (const [name, value] of checkedCookies(saved.shared ?? {}, () => `CookieJar.load: ${path}`)) jar.#shared.set(name, value);
    jar.#restore(saved.cookies);
    return jar;
  }

  /** The stored cookies as tough-cookie serializes them, oldest first; none (and nothing loaded) if none was stored. */
  #serialized(): SerializedCookie[] {
    return this.#touched ? this.#jar!.serializeSync()?.cookies ?? [] : [];
  }

  *#allCookies(): Generator<Cookie> {
    for (const data of this.#serialized()) {
      const cookie = toughCookie().Cookie.fromJSON(data);
      if (cookie) yield cookie;
    }
  }

  #keep(keep: (cookie: Cookie) => boolean): void {
    if (!this.#touched) return;
    const kept = this.#serialized().filter((data) => {
      const cookie = toughCookie().Cookie.fromJSON(data);
      return cookie !== undefined && keep(cookie);
    });
    this.#restore(kept);
  }

  #restore(cookies: SerializedCookie[]): void {
    this.#touched = cookies.length > 0;
    if (!this.#touched) {
      this.#jar = undefined;
      return;
    }
    const serialized = (this.#jar ?? this.#newJar()).serializeSync()!;
    // Put back oldest first into a bounded store, which applies the limits again.
    this.#jar = toughCookie().CookieJar.deserializeSync({ ...serialized, cookies }, boundedCookieStore(this.#limits));
  }
}

function sharedInfo(name: string, value: string): CookieInfo {
  return {
    name, value, domain: "", path: "/", expires: undefined,
    secure: false, httpOnly: false, sameSite: undefined, hostOnly: false,
  };
}

/** A jar that stores nothing and sends nothing (aiohttp's `DummyCookieJar`): for stateless crawls. */
export class DummyCookieJar implements AbstractCookieJar {
  /** Always empty. */
  filterCookies(_url: string | URL): Record<string, CookieInfo> {
    return {};
  }
  /** Ignores the cookies. */
  updateCookies(_cookies: CookiesInit, _responseUrl?: string | URL): void {}
  /** Ignores the cookies. */
  updateFromSetCookie(_lines: readonly string[], _url: URL): void {}
  /** Nothing to clear. */
  clear(_predicate?: (cookie: CookieInfo) => boolean): void {}
  /** Nothing to clear. */
  clearDomain(_domain: string): void {}
  /** Always 0. */
  get size(): number {
    return 0;
  }
  /** Yields nothing. */
  *[Symbol.iterator](): Iterator<CookieInfo> {}
}
