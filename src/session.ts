import type { BaseConnector } from "./connector/base.ts";
import { TCPConnector } from "./connector/connector.ts";
import { type AbstractCookieJar, CookieJar } from "./cookie_jar.ts";
import { type DownloadOptions, type DownloadResult, runDownload } from "./download.ts";
import { ClientError } from "./errors/client_error.ts";
import { describeRequest } from "./errors/describe.ts";
import { headerNameSet } from "./headers.ts";
import { refuseUnknownOptions } from "./known_options.ts";
import { ONE_SHOT_OPTIONS, SESSION_OPTIONS } from "./option_names.ts";
import type { RequestOptions, SessionOptions } from "./options.ts";
import { resolveRequest, type SessionDefaults, sessionRoute } from "./pipeline/context.ts";
import { OpenBodies } from "./pipeline/open_bodies.ts";
import { runRequest } from "./pipeline/run.ts";
import { resolveUrl } from "./request/url.ts";
import type { ClientResponse } from "./response/response.ts";
import { ClientTimeout } from "./timeout.ts";
import { type OpenSockets, wsConnect } from "./websocket/connect.ts";
import type { WSConnectOptions } from "./websocket/options.ts";
import type { ClientWebSocketResponse } from "./websocket/response.ts";

/** The connector options a session takes as shorthand, refused beside a `connector`. */
const CONNECTOR_SHORTHANDS = ["limit", "limitPerHost", "fetch"] as const;

function connectorOf(options: SessionOptions): BaseConnector {
  if (!options.connector) return new TCPConnector({ limit: options.limit, limitPerHost: options.limitPerHost, fetch: options.fetch });
  for (const name of CONNECTOR_SHORTHANDS) {
    if (options[name] !== undefined) throw new TypeError(`ClientSession: ${name} belongs to the connector: pass it to new TCPConnector({ ${name} }), not beside connector`);
  }
  return options.connector;
}

/**
 * A session, as aiohttp's `ClientSession`: shared headers, auth, cookies,
 * timeouts and concurrency limits across many requests. Close it with
 * `await session.close()`, or `await using session = new ClientSession()`.
 */
export class ClientSession<J extends AbstractCookieJar = CookieJar> {
  /**
   * The session's cookie jar, of the type given as `cookieJar` (a
   * {@link CookieJar} by default, so `session.cookieJar.save(path)` type-checks).
   * A function that takes a session of any jar takes a `ClientSession<AbstractCookieJar>`.
   */
  readonly cookieJar: J;
  /** The default timeout of its requests. */
  readonly timeout: ClientTimeout;
  /** How its requests travel and how many run at once. */
  readonly connector: BaseConnector;
  /** True when {@link ClientSession.close} closes the connector too. */
  readonly connectorOwner: boolean;
  readonly #defaults: SessionDefaults;
  /** The WebSockets open, closed by {@link ClientSession.close}. */
  readonly #sockets: OpenSockets = new Set();
  #closed = false;

  /** A new session; nothing is sent until the first request. See {@link SessionOptions}. */
  constructor(options: SessionOptions<J> = {}) {
    refuseUnknownOptions(options, SESSION_OPTIONS, () => "new ClientSession()");
    this.timeout = options.timeout === undefined ? new ClientTimeout() : ClientTimeout.from(options.timeout);
    this.connector = connectorOf(options);
    this.connectorOwner = options.connectorOwner ?? true;
    // Without a jar given, J is its default, CookieJar.
    this.cookieJar = options.cookieJar ?? (new CookieJar() as AbstractCookieJar as J);
    if (options.cookies) this.cookieJar.updateCookies(options.cookies);
    this.#defaults = {
      baseUrl: options.baseUrl === undefined ? undefined : resolveUrl(options.baseUrl, undefined),
      headers: options.headers,
      auth: options.auth,
      skipAutoHeaders: headerNameSet(options.skipAutoHeaders),
      jsonSerialize: options.jsonSerialize ?? JSON.stringify,
      timeout: this.timeout,
      raiseForStatus: options.raiseForStatus ?? false,
      beforeRedirect: options.beforeRedirect,
      middlewares: options.middlewares ?? [],
      traceConfigs: options.traceConfigs ?? [],
      connector: this.connector,
      ...sessionRoute(this.connector, options),
      cookieJar: this.cookieJar,
      maxBodySize: options.maxBodySize,
      autoDecompress: options.autoDecompress ?? true,
      open: new OpenBodies(),
    };
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
  request(method: string, url: string | URL, options: RequestOptions = {}): Promise<ClientResponse> {
    try {
      if (this.#closed) throw new ClientError(`${describeRequest(String(method).toUpperCase(), url)}: the session is closed`);
      return runRequest(resolveRequest(this.#defaults, method, url, options));
    } catch (err) {
      // Bad input rejects the promise, as every other failure does.
      return Promise.reject(err);
    }
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

  /**
   * Opens a WebSocket, as aiohttp's `ws_connect`: the handshake gets the
   * session's headers, auth, cookies and limits, follows redirects, and is
   * bounded by the session's `timeout`; the socket holds a concurrency slot
   * until it is closed. A refused handshake throws `WSServerHandshakeError`.
   *
   * @example
   * ```ts
   * await using ws = await session.wsConnect("wss://example.com/chat", { heartbeat: 30_000 });
   * await ws.sendStr("hello");
   * for await (const msg of ws) if (msg.type === WSMsgType.TEXT) console.log(msg.data);
   * ```
   */
  wsConnect(url: string | URL, options: WSConnectOptions = {}): Promise<ClientWebSocketResponse> {
    if (this.#closed) return Promise.reject(new ClientError(`${describeRequest("GET", url)}: the session is closed`));
    return wsConnect(this.#defaults, this.#sockets, url, options);
  }

  /** Closes the session: later requests fail, open responses are released, open WebSockets closed (1001), and an owned connector is closed. */
  async close(): Promise<void> {
    this.#closed = true;
    const bodies = this.#defaults.open.takeAll();
    const sockets = [...this.#sockets];
    this.#sockets.clear();
    await Promise.all([...bodies.map((body) => body.cancel()), ...sockets.map((ws) => ws.close({ code: 1001 }))]);
    if (this.connectorOwner) await this.connector.close();
  }

  /** `await using session = new ClientSession()` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** The connector of module-level {@link request} calls: shared, never closed, and without a limit, as one connector per call would be. */
let defaultConnector: TCPConnector | undefined;

/**
 * One request without a session (aiohttp's `aiohttp.request`): cookies live
 * only as long as its redirects. Accepts a `fetch` too. Its session owns
 * nothing that needs closing: requests share one default connector (or, with
 * `fetch`, get one of their own that holds nothing but that function).
 */
export function request(
  method: string,
  url: string | URL,
  options: RequestOptions & Pick<SessionOptions, "fetch"> = {},
): Promise<ClientResponse> {
  try {
    refuseUnknownOptions(options, ONE_SHOT_OPTIONS, () => describeRequest(String(method).toUpperCase(), url));
  } catch (err) {
    return Promise.reject(err);
  }
  const { fetch, ...rest } = options;
  const connector = fetch ? new TCPConnector({ limit: 0, fetch }) : (defaultConnector ??= new TCPConnector({ limit: 0 }));
  return new ClientSession({ connector, connectorOwner: false }).request(method, url, rest);
}
