/**
 * The public options of sessions and requests, in one place. Types only, and
 * imported from leaf modules only, so that every module can read them
 * without an import cycle.
 */
import type { BasicAuth } from "./auth.ts";
import type { BaseConnector } from "./connector/base.ts";
import type { FetchFunction } from "./connector/connector.ts";
import type { SSLSetting } from "./connector/ssl.ts";
import type { ConnectionRoute } from "./connector/proxy.ts";
import type { AbstractCookieJar, CookiesInit } from "./cookie_jar.ts";
import type { HeadersLike } from "./headers.ts";
import type { ClientMiddleware } from "./pipeline/middleware.ts";
import type { TraceConfig } from "./trace.ts";
import type { RequestData } from "./request/body.ts";
import type { Params } from "./request/params.ts";
import type { UploadProgress } from "./request/upload.ts";
import type { DownloadProgress } from "./response/body_source.ts";
import type { ClientResponse } from "./response/response.ts";
import type { ClientTimeout, ClientTimeoutOptions } from "./timeout.ts";

/** See {@link RequestOptions.beforeRedirect}. */
export type BeforeRedirect = (target: URL, response: ClientResponse) => void | Promise<void>;

/** `true` raises for status ≥ 400; a function is awaited with every response and may throw. */
export type RaiseForStatus = boolean | ((response: ClientResponse) => void | Promise<void>);

/** Options of {@link ClientSession.request}. Keys are aiofetch's own, apart from `headers` and `signal`. */
export interface RequestOptions {
  /** Query parameters, appended to any query the URL already has. */
  params?: Params;
  /** The body: form fields, text, bytes, a Blob, FormData or a stream (see {@link RequestData}). */
  data?: RequestData;
  /** A value sent as JSON (with the session's `jsonSerialize`); not together with `data`. */
  json?: unknown;
  /** Headers that replace the session's, key by key. */
  headers?: HeadersLike;
  /** Basic auth for this request, replacing the session's. */
  auth?: BasicAuth;
  /** Auto headers not to send, in addition to the session's list. */
  skipAutoHeaders?: Iterable<string>;
  /**
   * Cookies sent with this request only (not stored, dropped on a
   * cross-origin redirect). A name that is not a token or a value that is not
   * RFC 6265 cookie-octets (`;`, `,`, whitespace, CR, LF…) rejects the request
   * with a `TypeError` before anything is sent.
   */
  cookies?: CookiesInit;
  /** Replaces the session's timeout entirely, as in aiohttp; a number is `total` in milliseconds (`0`: none). */
  timeout?: ClientTimeout | ClientTimeoutOptions | number;
  /** Overrides the session's `raiseForStatus`. */
  raiseForStatus?: RaiseForStatus;
  /** Aborts the request; the signal's reason is rethrown as is. Composes with timeouts. */
  signal?: AbortSignal;
  /** Follow redirects (default true; false for `head()`). */
  allowRedirects?: boolean;
  /** Redirects to follow before {@link TooManyRedirects}; default 10, 0 for no limit. */
  maxRedirects?: number;
  /**
   * Called before each redirect is followed, with where it leads and the
   * redirect response (its body already released). Throw to refuse it: the
   * request fails with what you threw, as is. Replaces the session's. Use it
   * to keep redirects away from hosts they must not reach (see the README's
   * "Security" section).
   *
   * @example
   * ```ts
   * await session.get(url, {
   *   beforeRedirect(target) {
   *     if (target.hostname === "localhost") throw new Error(`redirect to ${target.host} refused`);
   *   },
   * });
   * ```
   */
  beforeRedirect?: BeforeRedirect;
  /**
   * Middlewares for this request's hops, outermost first; replaces the
   * session's list (`[]` runs none, for a middleware's own requests).
   */
  middlewares?: readonly ClientMiddleware[];
  /**
   * Fail with ClientPayloadError once the body exceeds this many bytes, however
   * it is read (`read()`/`text()`/`json()`, `body`, `content`). Default: no
   * limit, for `read()` too, as in aiohttp; set one before buffering bodies of
   * untrusted size.
   */
  maxBodySize?: number;
  /** Overrides the session's `autoDecompress`. */
  autoDecompress?: boolean;
  /** Called after every chunk of the response body. What it throws ends the body and is rethrown as is. */
  onDownloadProgress?: (progress: DownloadProgress) => void;
  /**
   * Called each time fetch takes a chunk of the request body. The body is then
   * sent as a stream (chunked on Deno; with its Content-Length where known on
   * Node and Bun); without this option it is handed to fetch as is. A 307/308
   * that sends the body again starts the count again. What it throws aborts
   * the request and is rethrown as is.
   */
  onUploadProgress?: (progress: UploadProgress) => void;
  /**
   * Handed to each trace config's context factory for this request, and
   * found as `context.traceRequestCtx` in its handlers (aiohttp's `trace_request_ctx`).
   *
   * @example
   * ```ts
   * await session.get(url, { traceRequestCtx: { name: "login" } });
   * ```
   */
  traceRequestCtx?: unknown;
  /**
   * TLS for this request's hops, replacing the connector's (aiohttp's
   * `ssl=`): `true` (verify), `false` (no verification), or TLS settings (a
   * CA, a client certificate, a name to verify). Requests with equal
   * settings share one pool of connections.
   *
   * @example
   * ```ts
   * await session.get("https://internal.example/", { ssl: { ca: internalCaPem } });
   * await session.get("https://self-signed.test/", { ssl: false });
   * ```
   */
  ssl?: SSLSetting;
  /**
   * An `http:` proxy for this request (aiohttp's `proxy`), replacing the
   * session's: an https target through a CONNECT tunnel, an http one
   * forwarded in absolute form. Credentials in the URL are percent-decoded
   * and sent as Proxy-Authorization; they never appear in a message.
   *
   * @example
   * ```ts
   * await session.get("https://example.com/", { proxy: "http://user:p%40ss@proxy.internal:3128" });
   * ```
   */
  proxy?: ConnectionRoute["proxy"];
  /** The proxy's Basic credentials (aiohttp's `proxy_auth`); with a request's own `proxy`, only its own are used. */
  proxyAuth?: BasicAuth;
  /** Headers for the proxy (aiohttp's `proxy_headers`): on each CONNECT, and on each request it forwards. */
  proxyHeaders?: HeadersLike;
}

/** Options of {@link ClientSession}; `J` is the cookie jar's type. */
export interface SessionOptions<J extends AbstractCookieJar = AbstractCookieJar> {
  /** An absolute URL that relative request URLs resolve against (end it with `/` to keep its path). */
  baseUrl?: string | URL;
  /** Headers sent with every request; a request's own headers replace them key by key. */
  headers?: HeadersLike;
  /** Basic auth for every request (re-sent across origins only when there is no `baseUrl`). */
  auth?: BasicAuth;
  /** The default timeout; `{ total: 300_000 }` if not given. A number is `total` in milliseconds (`0`: none), not aiohttp's seconds. */
  timeout?: ClientTimeout | ClientTimeoutOptions | number;
  /** Raise for status ≥ 400 on every response (or run a check); off by default. */
  raiseForStatus?: RaiseForStatus;
  /** Called before every redirect of every request; see {@link RequestOptions.beforeRedirect}. */
  beforeRedirect?: BeforeRedirect;
  /**
   * Middlewares around every hop of every request, outermost first (aiohttp's
   * `middlewares`): each gets the hop's request and the handler that sends it.
   * They run inside the redirect loop, so they see every hop; cookies are
   * added before them and stored after them.
   *
   * @example
   * ```ts
   * const bearer: ClientMiddleware = (request, handler) => {
   *   request.headers.set("authorization", `Bearer ${token}`);
   *   return handler(request);
   * };
   * const session = new ClientSession({ middlewares: [bearer] });
   * ```
   */
  middlewares?: readonly ClientMiddleware[];
  /**
   * Trace hooks called as each request goes by (aiohttp's `trace_configs`);
   * see {@link TraceConfig} for the signals and their order.
   *
   * @example
   * ```ts
   * const config = new TraceConfig();
   * config.onRequestEnd.push((_ctx, { method, url, response }) => console.log(method, url.href, response.status));
   * const session = new ClientSession({ traceConfigs: [config] });
   * ```
   */
  traceConfigs?: readonly TraceConfig<object>[];
  /** Serializes `json` bodies; `JSON.stringify` by default. */
  jsonSerialize?: (value: unknown) => string;
  /** Auto headers (`Accept`, `Accept-Encoding`, `User-Agent`) not to send. */
  skipAutoHeaders?: Iterable<string>;
  /** The fetch hops are sent with; `globalThis.fetch` by default. Shorthand for the connector's `fetch`. */
  fetch?: FetchFunction;
  /** Shared cookies, sent to every origin; stored with `cookieJar.updateCookies`, which refuses invalid ones with a `TypeError`. */
  cookies?: CookiesInit;
  /** The cookie jar; a new {@link CookieJar} by default. `session.cookieJar` has its type. */
  cookieJar?: J;
  /** Hops in flight at once, 0 for no limit; default 100 (aiohttp's connector limit). Shorthand for the connector's `limit`. */
  limit?: number;
  /** Hops in flight at once per origin, 0 (the default) for no limit. Shorthand for the connector's `limitPerHost`. */
  limitPerHost?: number;
  /**
   * How requests travel and how many run at once; made from `limit`,
   * `limitPerHost` and `fetch` when not given (which then cannot be given
   * beside it). One connector may serve several sessions.
   *
   * @example
   * ```ts
   * const connector = new TCPConnector({ limit: 10 });
   * const a = new ClientSession({ connector });                        // closes it
   * const b = new ClientSession({ connector, connectorOwner: false }); // borrows it
   * ```
   */
  connector?: BaseConnector;
  /** Whether `close()` closes the connector too: true by default, as in aiohttp (`connector_owner`). */
  connectorOwner?: boolean;
  /** The default `maxBodySize` of requests. */
  maxBodySize?: number;
  /**
   * An `http:` proxy for every request (aiohttp's `proxy`); see
   * {@link RequestOptions.proxy}. A request's own `proxy` replaces it, with
   * the request's own `proxyAuth` and `proxyHeaders` only.
   *
   * @example
   * ```ts
   * const session = new ClientSession({ proxy: "http://proxy.internal:3128", proxyAuth: new BasicAuth("crawler", "secret") });
   * ```
   */
  proxy?: ConnectionRoute["proxy"];
  /** The proxy's Basic credentials, for every request (aiohttp's `proxy_auth`). */
  proxyAuth?: BasicAuth;
  /** Headers for the proxy, for every request (aiohttp's `proxy_headers`). */
  proxyHeaders?: HeadersLike;
  /**
   * Take proxies from the environment (aiohttp's `trust_env`): `http_proxy`
   * for http URLs, `https_proxy` for https ones (lower-case names first),
   * `all_proxy` when those are unset, none for the hosts `no_proxy` lists
   * (`*`, a name and the names under it, `host:port`). Read once, when the
   * session is made; a `proxy` of the session or the request wins, and a
   * UnixConnector's requests take none. Off by default, as in aiohttp: then
   * aiofetch reads no variable (Deno's own fetch still reads them; see the
   * README).
   *
   * @example
   * ```ts
   * // HTTPS_PROXY=http://proxy.corp:3128 NO_PROXY=localhost,.internal node crawl.js
   * const session = new ClientSession({ trustEnv: true });
   * ```
   */
  trustEnv?: boolean;
  /**
   * Decode compressed bodies (gzip, deflate, br, and zstd where the runtime
   * has a decoder): true by default, as aiohttp's `auto_decompress`. With
   * `false`, a body comes back as the server sent it, Content-Encoding and
   * Content-Length with it. Deno's fetch decodes gzip and br by itself with no
   * way to stop it; such a body comes back decoded, without those two headers.
   *
   * @example
   * ```ts
   * // A proxy: the upstream body goes on as it came, compressed or not, with the headers that describe it.
   * await using session = new ClientSession({ autoDecompress: false });
   * const upstream = await session.get("https://example.com/app.js");
   * const forwarded = new Response(upstream.body, { status: upstream.status, headers: upstream.headers });
   * ```
   */
  autoDecompress?: boolean;
}
