import { type AbstractCookieJar, CookieJar, type CookiesInit, pairsOf, parseSetCookies } from "./cookie_jar.ts";
import { ClientError } from "./errors/client_error.ts";
import { type DownloadOptions, type DownloadResult, runDownload } from "./download.ts";
import { describeRequest } from "./errors/describe.ts";
import { TooManyRedirects } from "./errors/response.ts";
import { toClientError } from "./errors/classify.ts";
import { copyHeaders, headerNameSet, headersInit } from "./headers.ts";
import { Limiter } from "./connector/limits.ts";
import { nextHop, REDIRECT_STATUSES } from "./pipeline/redirects.ts";
import { type PreparedRequest, prepareRequest, type RequestDefaults } from "./request/prepare.ts";
import { ClientResponse, responseErrorInit } from "./response/response.ts";
import { resolveUrl } from "./request/url.ts";
import type { FetchFunction, RaiseForStatus, RequestOptions, SessionOptions } from "./options.ts";
import { ClientTimeout, Deadline } from "./timeout.ts";
import { hopBody, type UploadProgress } from "./request/upload.ts";

// The URL goes as text: Deno and Bun take a string in faster than a URL object.
const defaultFetch: FetchFunction = (input, init) => globalThis.fetch(input.href, init);

/** The Cookie header's addition: the jar's cookies for the URL, then the request's own; `undefined` if none. */
function cookieLine(jarCookies: Record<string, string>, own: CookiesInit | undefined): string | undefined {
  const pairs: Array<readonly [string, string]> = Object.entries(jarCookies);
  if (own) pairs.push(...pairsOf(own));
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
  get(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request("GET", url, options);
  }

  /** POST to `url`. */
  post(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request("POST", url, options);
  }

  /** PUT to `url`. */
  put(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request("PUT", url, options);
  }

  /** PATCH `url`. */
  patch(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request("PATCH", url, options);
  }

  /** DELETE `url`. */
  delete(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request("DELETE", url, options);
  }

  /** HEAD `url`; redirects are not followed unless `allowRedirects: true` (as in aiohttp). */
  head(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
    return this.request("HEAD", url, { allowRedirects: false, ...options });
  }

  /** OPTIONS `url`. */
  options(url: string | URL, options?: RequestOptions): Promise<ClientResponse> {
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
        throw new TooManyRedirects(responseErrorInit(response, `Too many redirects (maxRedirects = ${maxRedirects})`, history));
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
