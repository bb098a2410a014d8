import type { BasicAuth } from "./auth.ts";
import type { DownloadProgress } from "./response/body_source.ts";
import { type AbstractCookieJar, CookieJar, type CookiesInit, parseSetCookies } from "./cookie_jar.ts";
import { ClientError } from "./errors/client_error.ts";
import { type DownloadOptions, type DownloadResult, runDownload } from "./download.ts";
import { describeRequest } from "./errors/request_info.ts";
import { TooManyRedirects } from "./errors/response.ts";
import { toClientError } from "./errors/classify.ts";
import { copyHeaders, headerNameSet, type HeadersLike, headersInit } from "./headers.ts";
import { Limiter } from "./connector/limits.ts";
import { nextHop, REDIRECT_STATUSES } from "./pipeline/redirects.ts";
import { type PreparedRequest, prepareRequest, type RequestDefaults, type RequestShape, resolveUrl } from "./request/prepare.ts";
import { ClientResponse } from "./response/response.ts";
import { ClientTimeout, type ClientTimeoutOptions, Deadline } from "./timeout.ts";
import { hopBody, type UploadProgress } from "./request/upload.ts";

/** `true` raises for status ≥ 400; a function is awaited with every response and may throw. */
export type RaiseForStatus = boolean | ((response: ClientResponse) => void | Promise<void>);

/**
 * The `fetch` a session calls: `globalThis.fetch` unless given. It gets one
 * call per hop, with `redirect: "manual"` and the headers as a plain record of
 * lower-case names (`new Headers(init.headers)` gives a Headers object).
 */
export type FetchFunction = (input: URL, init: RequestInit & { duplex?: "half" }) => Promise<Response>;

/** Options of {@link ClientSession.request}. Keys are aiofetch's own, apart from `headers` and `signal`. */
export interface RequestOptions extends RequestShape {
  /** Cookies sent with this request only (not stored, dropped on a cross-origin redirect). */
  cookies?: CookiesInit;
  /** Replaces the session's timeout entirely, as in aiohttp. */
  timeout?: ClientTimeout | ClientTimeoutOptions;
  /** Overrides the session's `raiseForStatus`. */
  raiseForStatus?: RaiseForStatus;
  /** Aborts the request; the signal's reason is rethrown as is. Composes with timeouts. */
  signal?: AbortSignal;
  /** Follow redirects (default true; false for `head()`). */
  allowRedirects?: boolean;
  /** Redirects to follow before {@link TooManyRedirects}; default 10, 0 for no limit. */
  maxRedirects?: number;
  /**
   * Fail with ClientPayloadError once the body exceeds this many bytes, however
   * it is read (`read()`/`text()`/`json()`, `body`, `content`). Default: no
   * limit, for `read()` too, as in aiohttp; set one before buffering bodies of
   * untrusted size.
   */
  maxBodySize?: number;
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
}

/** Options of {@link ClientSession}. */
export interface SessionOptions {
  /** An absolute URL that relative request URLs resolve against (end it with `/` to keep its path). */
  baseUrl?: string | URL;
  /** Headers sent with every request; a request's own headers replace them key by key. */
  headers?: HeadersLike;
  /** Basic auth for every request (re-sent across origins only when there is no `baseUrl`). */
  auth?: BasicAuth;
  /** The default timeout; `{ total: 300_000 }` if not given. */
  timeout?: ClientTimeout | ClientTimeoutOptions;
  /** Raise for status ≥ 400 on every response (or run a check); off by default. */
  raiseForStatus?: RaiseForStatus;
  /** Serializes `json` bodies; `JSON.stringify` by default. */
  jsonSerialize?: (value: unknown) => string;
  /** Auto headers (`Accept`, `Accept-Encoding`, `User-Agent`) not to send. */
  skipAutoHeaders?: Iterable<string>;
  /** The fetch to call; `globalThis.fetch` by default. */
  fetch?: FetchFunction;
  /** Shared cookies, sent to every origin. */
  cookies?: CookiesInit;
  /** The cookie jar; a new {@link CookieJar} by default. */
  cookieJar?: AbstractCookieJar;
  /** Requests in flight at once, 0 for no limit; default 100 (aiohttp's connector limit). */
  limit?: number;
  /** Requests in flight at once per origin, 0 (the default) for no limit. */
  limitPerHost?: number;
  /** The default `maxBodySize` of requests. */
  maxBodySize?: number;
}

/** Options of the shortcut methods: like {@link RequestOptions}. */
export type MethodOptions = RequestOptions;

// The URL goes as text: Deno and Bun take a string in faster than a URL object.
const defaultFetch: FetchFunction = (input, init) => globalThis.fetch(input.href, init);

/** The Cookie header's addition: the jar's cookies for the URL, then the request's own; `undefined` if none. */
function cookieLine(jarCookies: Record<string, string>, own: CookiesInit | undefined): string | undefined {
  const pairs = Object.entries(jarCookies);
  if (own) pairs.push(...(Symbol.iterator in own ? own as Iterable<[string, string]> : Object.entries(own)));
  return pairs.length ? pairs.map(([name, value]) => `${name}=${value}`).join("; ") : undefined;
}

/**
 * The upload progress callback, made to abort the request with what it throws:
 * fetch would otherwise report the exception as a failure of its own.
 */
function abortingOnThrow(onProgress: (progress: UploadProgress) => void, deadline: Deadline): (progress: UploadProgress) => void {
  return (progress) => {
    try {
      onProgress(progress);
    } catch (err) {
      deadline.abort(err);
      throw err;
    }
  };
}

/**
 * A session, as aiohttp's `ClientSession`: shared headers, auth, cookies,
 * timeouts and concurrency limits across many requests. Close it with
 * `await session.close()`, or `await using session = new ClientSession()`.
 */
export class ClientSession {
  /** The session's cookie jar. */
  readonly cookieJar: AbstractCookieJar;
  /** The default timeout of its requests. */
  readonly timeout: ClientTimeout;
  readonly #defaults: RequestDefaults;
  readonly #raiseForStatus: RaiseForStatus;
  readonly #fetch: FetchFunction;
  readonly #limiter: Limiter;
  readonly #maxBodySize: number | undefined;
  readonly #open = new Set<ClientResponse>();
  #closed = false;

  /** A new session; nothing is sent until the first request. See {@link SessionOptions}. */
  constructor(options: SessionOptions = {}) {
    const baseUrl = options.baseUrl === undefined ? undefined : resolveUrl(options.baseUrl, undefined);
    this.#defaults = {
      baseUrl,
      headers: options.headers,
      auth: options.auth,
      skipAutoHeaders: headerNameSet(options.skipAutoHeaders),
      jsonSerialize: options.jsonSerialize ?? JSON.stringify,
    };
    this.timeout = options.timeout ? ClientTimeout.from(options.timeout) : new ClientTimeout();
    this.#raiseForStatus = options.raiseForStatus ?? false;
    this.#fetch = options.fetch ?? defaultFetch;
    this.#limiter = new Limiter(options.limit ?? 100, options.limitPerHost ?? 0);
    this.#maxBodySize = options.maxBodySize;
    this.cookieJar = options.cookieJar ?? new CookieJar();
    if (options.cookies) this.cookieJar.updateCookies(options.cookies);
  }

  /** True once {@link ClientSession.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends a request and resolves with its response once the headers arrive.
   * Redirects are followed here (not by fetch), so every hop's cookies are
   * stored and `response.history` lists the hops.
   */
  async request(method: string, url: string | URL, options: RequestOptions = {}): Promise<ClientResponse> {
    if (this.#closed) throw new ClientError(`${describeRequest(String(method).toUpperCase(), url)}: the session is closed`);
    const prepared = prepareRequest(this.#defaults, method, url, options);
    const timeout = options.timeout ? ClientTimeout.from(options.timeout) : this.timeout;
    const deadline = new Deadline(timeout, prepared.method, prepared.url, options.signal);
    let releaseSlot: (() => void) | undefined;
    let response: ClientResponse | undefined;
    const finish = () => {
      deadline.finish();
      releaseSlot?.();
      if (response) this.#open.delete(response);
    };
    try {
      const slot = this.#limiter.acquire(prepared.url.origin, deadline.signal);
      releaseSlot = typeof slot === "function" ? slot : await slot;
      response = await this.#send(prepared, options, deadline, finish);
    } catch (err) {
      finish();
      throw toClientError(err, prepared.method, prepared.url, deadline.abortReason());
    }
    if (!response.closed) this.#open.add(response);
    const check = options.raiseForStatus ?? this.#raiseForStatus;
    if (check) await this.#checkStatus(response, check);
    return response;
  }

  /** GET `url`. */
  get(url: string | URL, options?: MethodOptions): Promise<ClientResponse> {
    return this.request("GET", url, options);
  }

  /** POST to `url`. */
  post(url: string | URL, options?: MethodOptions): Promise<ClientResponse> {
    return this.request("POST", url, options);
  }

  /** PUT to `url`. */
  put(url: string | URL, options?: MethodOptions): Promise<ClientResponse> {
    return this.request("PUT", url, options);
  }

  /** PATCH `url`. */
  patch(url: string | URL, options?: MethodOptions): Promise<ClientResponse> {
    return this.request("PATCH", url, options);
  }

  /** DELETE `url`. */
  delete(url: string | URL, options?: MethodOptions): Promise<ClientResponse> {
    return this.request("DELETE", url, options);
  }

  /** HEAD `url`; redirects are not followed unless `allowRedirects: true` (as in aiohttp). */
  head(url: string | URL, options?: MethodOptions): Promise<ClientResponse> {
    return this.request("HEAD", url, { allowRedirects: false, ...options });
  }

  /** OPTIONS `url`. */
  options(url: string | URL, options?: MethodOptions): Promise<ClientResponse> {
    return this.request("OPTIONS", url, options);
  }

  /**
   * Downloads `url` into a file or a WritableStream without holding the body in
   * memory. A file is written to `<path>.part` and renamed into place once
   * complete (and checksum-verified), so a failure never leaves a half-written
   * file; `resume: true` continues an interrupted one. `total` in the timeout
   * covers the whole body: large downloads usually want `{ total: 0, sockRead }`.
   */
  download(url: string | URL, destination: string | WritableStream<Uint8Array>, options?: DownloadOptions): Promise<DownloadResult> {
    return runDownload((request) => this.request("GET", url, request), destination, options);
  }

  /** Closes the session: later requests fail, and open responses are released. */
  async close(): Promise<void> {
    this.#closed = true;
    const open = [...this.#open];
    this.#open.clear();
    await Promise.all(open.map((response) => response.release()));
  }

  /** `await using session = new ClientSession()` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Sends each hop, storing cookies and following redirects, until a final response. */
  async #send(prepared: PreparedRequest, options: RequestOptions, deadline: Deadline, finish: () => void): Promise<ClientResponse> {
    const history: ClientResponse[] = [];
    const follow = options.allowRedirects ?? true;
    const maxRedirects = options.maxRedirects ?? 10;
    let { method, url, body, auth, headers } = prepared;
    let ownCookies = options.cookies;
    const onUploadProgress = options.onUploadProgress && abortingOnThrow(options.onUploadProgress, deadline);
    for (;;) {
      const cookies = cookieLine(this.cookieJar.filterCookies(url), ownCookies);
      // The prepared headers go out as they are unless this hop adds to them.
      const sent = auth || cookies || onUploadProgress ? copyHeaders(headers) : headers;
      if (auth) sent.authorization = auth.encode();
      if (cookies) sent.cookie = sent.cookie ? `${sent.cookie}; ${cookies}` : cookies;
      const raw = await this.#fetch(url, {
        method,
        headers: headersInit(sent),
        ...hopBody(body, sent, onUploadProgress),
        redirect: "manual",
        signal: deadline.signal,
      });
      deadline.connected();
      const setCookie = raw.headers.getSetCookie();
      this.cookieJar.updateFromSetCookie(setCookie, url);
      const location = follow && REDIRECT_STATUSES.has(raw.status) ? raw.headers.get("location") : null;
      const final = location === null;
      const response = new ClientResponse(raw, {
        sent: { method, url, headers: sent },
        history: final ? history : [],
        deadline: final ? deadline : undefined,
        maxBodySize: options.maxBodySize ?? this.#maxBodySize,
        onDownloadProgress: final ? options.onDownloadProgress : undefined,
        cookies: setCookie.length ? parseSetCookies(setCookie) : {},
        onFinish: final ? finish : () => {},
      });
      if (final) return response;
      await response.release();
      history.push(response);
      if (maxRedirects && history.length > maxRedirects) {
        throw new TooManyRedirects({
          requestInfo: response.requestInfo,
          history,
          status: response.status,
          message: `Too many redirects (maxRedirects = ${maxRedirects})`,
          headers: response.headers,
        });
      }
      // What the last hop sent stays as it was in its requestInfo.
      if (sent === headers) headers = copyHeaders(headers);
      const next = nextHop(raw.status, location, url, method, body, headers);
      if (next.crossOrigin) {
        for (const name of ["authorization", "cookie", "proxy-authorization"]) delete headers[name];
        ownCookies = undefined;
        // aiohttp re-sends the session's own auth elsewhere only when there is no base URL.
        if (!(auth && auth === this.#defaults.auth && !this.#defaults.baseUrl)) auth = undefined;
      }
      ({ url, method, body } = next);
      deadline.restartConnect();
    }
  }

  async #checkStatus(response: ClientResponse, check: RaiseForStatus): Promise<void> {
    if (!check) return;
    try {
      if (check === true) response.raiseForStatus();
      else await check(response);
    } catch (err) {
      await response.release();
      throw err;
    }
  }
}

/**
 * One request without a session (aiohttp's `aiohttp.request`): cookies live
 * only as long as its redirects. Accepts the session's `fetch` too.
 */
export function request(
  method: string,
  url: string | URL,
  options: RequestOptions & Pick<SessionOptions, "fetch"> = {},
): Promise<ClientResponse> {
  const { fetch, ...rest } = options;
  return new ClientSession({ fetch }).request(method, url, rest);
}
