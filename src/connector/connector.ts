/**
 * The connector, as aiohttp's: the one object that decides how hops travel
 * (the transport, today a `fetch`) and how many run at once (the limits). A
 * session owns one; several sessions may share one.
 */
import { keysOf, refuseUnknownOptions } from "../known_options.ts";
import { Limiter } from "./limits.ts";

/**
 * The `fetch` a connector calls: `globalThis.fetch` unless given. It gets one
 * call per hop, with `redirect: "manual"`, the headers as a plain record of
 * lower-case names (`new Headers(init.headers)` gives a Headers object), and
 * the member that asks the runtime's fetch to hand the body back still
 * encoded (`dispatcher` on Node, `decompress: false` on Bun): aiofetch
 * decodes bodies itself, so a fetch that calls the runtime's passes `init` on
 * as it is (on Bun, `new Request(url, init)` drops `decompress`, and a body
 * Bun decoded would then be decoded twice).
 */
export type FetchFunction = (input: URL, init: RequestInit & { duplex?: "half" }) => Promise<Response>;

/** Options of {@link TCPConnector}. */
export interface TCPConnectorOptions {
  /**
   * Hops in flight at once, over every origin; 0 for no limit. Default 100, as in aiohttp.
   *
   * @example
   * ```ts
   * const connector = new TCPConnector({ limit: 10, limitPerHost: 2 });
   * ```
   */
  limit?: number;
  /** Hops in flight at once per origin (scheme, host and port); 0 (the default) for no limit. */
  limitPerHost?: number;
  /**
   * The fetch hops are sent with; `globalThis.fetch` by default. A recorder,
   * a test double, or a fetch bound to runtime-specific options.
   *
   * @example
   * ```ts
   * const connector = new TCPConnector({ fetch: (url, init) => fetch(url, { ...init, keepalive: true }) });
   * ```
   */
  fetch?: FetchFunction;
}

const CONNECTOR_OPTIONS = keysOf<TCPConnectorOptions>()(["limit", "limitPerHost", "fetch"]);

// The URL goes as text: Deno and Bun take a string in faster than a URL object.
const globalFetch: FetchFunction = (input, init) => globalThis.fetch(input.href, init);

/**
 * How hops travel and how many run at once, as aiohttp's `TCPConnector`. A
 * session makes its own from `limit`/`limitPerHost`/`fetch`, or takes one as
 * `connector`; a connector shared by several sessions is closed by its owner
 * (the session given `connectorOwner: true`, the default) or by `close()`.
 *
 * ```ts
 * const connector = new TCPConnector({ limit: 20 });
 * const api = new ClientSession({ connector, connectorOwner: false });
 * const crawler = new ClientSession({ connector, connectorOwner: false });
 * // … both share the 20 slots …
 * await connector.close();
 * ```
 */
export class TCPConnector {
  /** Hops in flight at once, over every origin; 0 for no limit. */
  readonly limit: number;
  /** Hops in flight at once per origin; 0 for no limit. */
  readonly limitPerHost: number;
  readonly #limiter: Limiter;
  readonly #fetch: FetchFunction;
  #closed = false;

  /** A new connector; see {@link TCPConnectorOptions}. */
  constructor(options: TCPConnectorOptions = {}) {
    refuseUnknownOptions(options, CONNECTOR_OPTIONS, () => "new TCPConnector()");
    this.limit = options.limit ?? 100;
    this.limitPerHost = options.limitPerHost ?? 0;
    this.#limiter = new Limiter(this.limit, this.limitPerHost);
    this.#fetch = options.fetch ?? globalFetch;
  }

  /** True once {@link TCPConnector.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Waits for a slot for one hop to `origin`; resolves to the function that
   * frees it. Refused once the connector is closed; `signal` ends the wait.
   */
  acquire(origin: string, signal: AbortSignal): Promise<() => void> | (() => void) {
    return this.#limiter.acquire(origin, signal);
  }

  /** Sends one hop through the connector's transport. */
  fetch(url: URL, init: RequestInit & { duplex?: "half" }): Promise<Response> {
    return this.#fetch(url, init);
  }

  /**
   * Closes the connector: hops waiting for a slot and every later one fail
   * with a ClientConnectionError; hops in flight finish as usual.
   */
  close(): Promise<void> {
    this.#closed = true;
    // Read by the hop into a ClientConnectionError that names the request.
    this.#limiter.close(new Error("the connector is closed"));
    return Promise.resolve();
  }

  /** `await using connector = new TCPConnector()` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
