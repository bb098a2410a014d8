/**
 * HTTP Digest authentication (RFC 7616) as a client middleware, after
 * aiohttp's `DigestAuthMiddleware`: a 401 with a Digest challenge is answered
 * once, and later requests to the same origin authenticate up front.
 *
 * The credentials are pinned to one origin: the one given as
 * `options.origin`, or else the first that sends a challenge this middleware
 * answers. Requests to any other origin pass through untouched: their
 * challenges are not answered, and no Authorization is added to them, even
 * when a challenge's `domain` names them. A digest is not the password, but
 * it lets whoever receives it guess the password offline, so it goes to one
 * origin only.
 */
import { type DigestQop, digestResponse, hashOf } from "./digest_response.ts";
import { DigestAuthError } from "./errors/response.ts";
import type { ClientHandler, ClientMiddleware, ClientRequest } from "./pipeline/middleware.ts";
import { encodeData, type RequestData } from "./request/body.ts";
import { type ClientResponse, responseErrorInit } from "./response/response.ts";
import { hasHash, randomHex } from "./runtime/hash.ts";
import { isAsyncIterable, isReadableStreamLike } from "./streams.ts";
import { parseChallenges } from "./www_authenticate.ts";

/** Nonces whose counts are kept: enough for the few a server has in play at once. */
const KEPT_NONCES = 8;

/** A Digest challenge this middleware can answer. */
interface Challenge {
  readonly realm: string;
  readonly nonce: string;
  readonly opaque: string | undefined;
  /** As the server wrote it, since it is echoed: `MD5`, `SHA-256-sess`… */
  readonly algorithm: string;
  /** The qops offered that aiofetch knows; empty for an RFC 2069 challenge, which has none. */
  readonly qops: readonly DigestQop[];
  readonly stale: boolean;
  /** The paths of the origin that preemptive auth covers (from `domain`); `["/"]` is all of it. */
  readonly space: readonly string[];
}

/** The same-origin paths a challenge's `domain` lists; all of the origin without one. */
function protectionSpace(domain: string | undefined, url: URL): string[] {
  if (!domain?.trim()) return ["/"];
  const paths: string[] = [];
  for (const uri of domain.trim().split(/\s+/)) {
    try {
      const resolved = new URL(uri, url);
      // Other origins stay out: the credentials are pinned to this one.
      if (resolved.origin === url.origin) paths.push(resolved.pathname);
    } catch {
      // Not a URI: it covers nothing.
    }
  }
  return paths;
}

function inSpace(space: readonly string[], url: URL): boolean {
  const path = url.pathname;
  return space.some((prefix) => path === prefix || path.startsWith(prefix.endsWith("/") ? prefix : `${prefix}/`));
}

/** A challenge's parameters read as one this middleware can answer, or what is wrong with it. */
function readChallenge(params: Record<string, string>, url: URL): Challenge | string {
  const { realm, nonce, qop } = params;
  if (realm === undefined) return "the Digest challenge has no realm";
  if (!nonce) return "the Digest challenge has no nonce";
  const algorithm = params.algorithm ?? "MD5";
  if (!hashOf(algorithm)) return `aiofetch does not support the Digest algorithm ${algorithm}`;
  const qops = (qop ?? "").split(",").map((name) => name.trim().toLowerCase()).filter((name): name is DigestQop => name === "auth" || name === "auth-int");
  if (qop !== undefined && !qops.length) return `the Digest challenge offers qop=${qop}, neither auth nor auth-int`;
  // A -sess hash takes the cnonce, which is sent only with a qop (RFC 2617 section 3.2.2).
  if (!qops.length && hashOf(algorithm)!.session) return `the Digest algorithm ${algorithm} needs a qop, and the challenge has none`;
  const stale = params.stale?.toLowerCase() === "true";
  return { realm, nonce, opaque: params.opaque, algorithm, qops, stale, space: protectionSpace(params.domain, url) };
}

/**
 * The body's bytes as fetch sends them, for `auth-int`; undefined for a body
 * that cannot be hashed before it is sent: a stream, and FormData, whose
 * multipart boundary fetch picks.
 */
async function entityOf(body: RequestData | undefined): Promise<string | Uint8Array | undefined> {
  if (body === undefined) return "";
  if (isReadableStreamLike(body) || isAsyncIterable(body)) return undefined;
  if (typeof FormData !== "undefined" && body instanceof FormData) return undefined;
  const sent = encodeData(body).body;
  if (typeof sent === "string" || sent instanceof Uint8Array) return sent;
  if (typeof Blob !== "undefined" && sent instanceof Blob) return new Uint8Array(await sent.arrayBuffer());
  return undefined;
}

/** The qop to answer with: auth-int when offered and the body can be hashed, else auth; null when neither will do. */
async function chooseQop(qops: readonly DigestQop[], body: RequestData | undefined): Promise<{ qop: DigestQop | undefined; entity: string | Uint8Array } | null> {
  if (!qops.length) return { qop: undefined, entity: "" };
  if (qops.includes("auth-int")) {
    const entity = await entityOf(body);
    if (entity !== undefined) return { qop: "auth-int", entity };
  }
  return qops.includes("auth") ? { qop: "auth", entity: "" } : null;
}

/** A quoted-string (RFC 9110 section 5.6.4). */
function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, "\\$&")}"`;
}

/** The username field: quoted when it is printable ASCII, else RFC 8187's `username*` (RFC 7616 section 3.4.4). */
function usernameField(login: string): string {
  if (/^[\x20-\x7e]*$/.test(login)) return `username=${quote(login)}`;
  const encoded = encodeURIComponent(login).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return `username*=UTF-8''${encoded}`;
}

/**
 * Options of a {@link DigestAuthMiddleware}.
 *
 * @example
 * ```ts
 * const digest = new DigestAuthMiddleware("user", "secret", { origin: "https://api.example.com", preemptive: false });
 * ```
 */
export interface DigestAuthOptions {
  /**
   * After a challenge is answered with success, send Authorization with the
   * next requests to the same origin (within the challenge's `domain`), so
   * they take one round trip instead of two; a request that carries its own
   * Authorization is left as it is. On by default, as in aiohttp.
   */
  preemptive?: boolean;
  /**
   * The only origin the credentials are for. By default it is the first
   * origin whose challenge is answered; name it here when a session talks to
   * several hosts, so that no other can be the first to ask.
   */
  origin?: string | URL;
}

function originOf(value: string | URL): string {
  let url: URL | undefined;
  try {
    url = new URL(String(value));
  } catch {
    // Reported below, without the value: it may hold user info.
  }
  if (url?.protocol !== "http:" && url?.protocol !== "https:") throw new TypeError("DigestAuthMiddleware: origin must be an http or https URL");
  return url.origin;
}

/**
 * HTTP Digest authentication (RFC 7616), as aiohttp's `DigestAuthMiddleware`:
 * a 401 with a Digest challenge is answered once (a `stale=true` one once
 * more), and later requests to that origin authenticate up front. Algorithms:
 * MD5, SHA-256 and SHA-512-256, each also `-sess`; qop `auth` and `auth-int`.
 * The credentials go to one origin only (see {@link DigestAuthOptions.origin}).
 *
 * @example
 * ```ts
 * const digest = new DigestAuthMiddleware("user", "secret");
 * await using session = new ClientSession({ middlewares: [digest.middleware] });
 * const resp = await session.get("https://example.com/protected");
 * ```
 */
export class DigestAuthMiddleware {
  /** The user name. */
  readonly login: string;
  /** The middleware to list in a session's or a request's `middlewares`. */
  readonly middleware: ClientMiddleware;
  // Private, so that printing the middleware never shows it.
  readonly #password: string;
  readonly #preemptive: boolean;
  #origin: string | undefined;
  /** The challenge last answered with success: preemptive auth answers it again. */
  #accepted: Challenge | undefined;
  /** The latest nonces' counts: a nonce sent twice with one count is a replay to the server. */
  readonly #counts = new Map<string, number>();

  /**
   * Throws `TypeError` for a login or password that is not a string, a `:`
   * or a lone surrogate in the login, or an origin that is not an http(s) URL.
   */
  constructor(login: string, password: string, options: DigestAuthOptions = {}) {
    if (typeof login !== "string" || typeof password !== "string") {
      throw new TypeError("DigestAuthMiddleware: login and password must be strings");
    }
    // A1 is login:realm:password, so a colon in the login would make it ambiguous (aiohttp refuses it too).
    if (login.includes(":")) throw new TypeError('DigestAuthMiddleware: a ":" is not allowed in the login');
    // A lone surrogate could be neither hashed as UTF-8 nor sent as username*.
    if (/\p{Cs}/u.test(login)) throw new TypeError("DigestAuthMiddleware: the login is not well-formed Unicode");
    this.login = login;
    this.#password = password;
    this.#preemptive = options.preemptive ?? true;
    this.#origin = options.origin === undefined ? undefined : originOf(options.origin);
    this.middleware = (request, handler) => this.#send(request, handler);
  }

  /** The origin the credentials are pinned to; undefined until one is given or first challenges. */
  get origin(): string | undefined {
    return this.#origin;
  }

  async #send(request: ClientRequest, handler: ClientHandler): Promise<ClientResponse> {
    if (!this.#mayAnswer(request.url)) return handler(request);
    let used = await this.#preempt(request);
    // Whether `used` came from a 401 to this very request: then a 401 again means the credentials are wrong.
    let fresh = false;
    let staleRetried = false;
    for (;;) {
      const response = await handler(request);
      if (response.status !== 401) {
        if (used) this.#accepted = used;
        return response;
      }
      if (used && used === this.#accepted) this.#accepted = undefined;
      // The pin is checked again: another request may have set it meanwhile.
      const challenge = this.#mayAnswer(request.url) ? await this.#challengeOf(response, request.url) : undefined;
      if (!challenge) return response;
      if (fresh && (!challenge.stale || staleRetried)) return response;
      staleRetried ||= fresh;
      // A one-shot body is gone once sent: the 401 is the answer.
      if (!request.replayable || !(await this.#authorize(request, challenge))) return response;
      used = challenge;
      fresh = true;
    }
  }

  #mayAnswer(url: URL): boolean {
    return this.#origin === undefined || this.#origin === url.origin;
  }

  /** Authorizes `request` ahead of any challenge with the one accepted before, where that may be done. */
  async #preempt(request: ClientRequest): Promise<Challenge | undefined> {
    const known = this.#accepted;
    // Only with a qop: its nonce count is what lets a server take a nonce again without seeing a replay.
    if (!this.#preemptive || !known?.qops.length || request.headers.has("authorization")) return undefined;
    if (request.url.origin !== this.#origin || !inSpace(known.space, request.url)) return undefined;
    return (await this.#authorize(request, known)) ? known : undefined;
  }

  /**
   * The first Digest challenge of a 401 that can be answered here, undefined
   * without any. Digest offered with none answerable throws, so that an
   * algorithm this runtime lacks is said, never a silent 401.
   */
  async #challengeOf(response: ClientResponse, url: URL): Promise<Challenge | undefined> {
    const offered = parseChallenges(response.headers.get("www-authenticate") ?? "").filter((c) => c.scheme === "digest");
    const problems: string[] = [];
    // RFC 7616 section 3.7: the server lists its challenges by preference, and the client takes the first it supports.
    for (const { params } of offered) {
      const challenge = readChallenge(params, url);
      if (typeof challenge === "string") problems.push(challenge);
      else if (await hasHash(hashOf(challenge.algorithm)!.hash)) return challenge;
      else problems.push(`this runtime's node:crypto lacks the hash of the Digest algorithm ${challenge.algorithm}`);
    }
    if (problems.length) throw new DigestAuthError(responseErrorInit(response, `Digest auth: ${problems.join("; ")}`));
    return undefined;
  }

  /** Sets Authorization on `request` for `challenge`; false when that cannot be done (a body auth-int cannot hash, another origin). */
  async #authorize(request: ClientRequest, challenge: Challenge): Promise<boolean> {
    const chosen = await chooseQop(challenge.qops, request.body);
    const { origin } = request.url;
    // The first challenge answered pins the origin, checked after the await: a request to another origin may have pinned it meanwhile.
    if (!chosen || (this.#origin ??= origin) !== origin) return false;
    const { realm, nonce, opaque, algorithm } = challenge;
    const { qop, entity } = chosen;
    const method = request.method.toUpperCase();
    const uri = request.url.pathname + request.url.search;
    const cnonce = await randomHex(16);
    const nc = this.#nextCount(nonce);
    const response = await digestResponse({ algorithm, username: this.login, password: this.#password, realm, method, uri, nonce, cnonce, nc, qop, entity });
    const fields = [usernameField(this.login), `realm=${quote(realm)}`, `nonce=${quote(nonce)}`, `uri=${quote(uri)}`, `algorithm=${algorithm}`, `response=${quote(response)}`];
    if (opaque !== undefined) fields.push(`opaque=${quote(opaque)}`);
    if (qop) fields.push(`qop=${qop}`, `nc=${nc}`, `cnonce=${quote(cnonce)}`);
    request.headers.set("authorization", `Digest ${fields.join(", ")}`);
    return true;
  }

  /** The next nonce count of `nonce`, as 8 hex digits. */
  #nextCount(nonce: string): string {
    const count = (this.#counts.get(nonce) ?? 0) + 1;
    // Re-inserted, so that the Map's first key is the nonce used longest ago, the one to forget.
    this.#counts.delete(nonce);
    this.#counts.set(nonce, count);
    if (this.#counts.size > KEPT_NONCES) this.#counts.delete(this.#counts.keys().next().value!);
    return count.toString(16).padStart(8, "0");
  }
}
