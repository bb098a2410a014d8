/**
 * What every connector is, as aiohttp's `BaseConnector`: the limits, the
 * one place hops go through, and closing. TCPConnector and UnixConnector
 * (connector.ts, unix.ts) decide how hops travel.
 */
import type { ConnectionRoute } from "./proxy.ts";
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

/** Options every connector takes: its limits. */
export interface BaseConnectorOptions {
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
}

/**
 * Where a hop is sent: a connector's own transport, or the one for a
 * request's own `ssl` ({@link BaseConnector.transportFor}).
 *
 * @example
 * ```ts
 * const transport: HopTransport = connector.transportFor({ ca }, () => "GET https://internal.example/");
 * const raw = await transport.fetch(new URL("https://internal.example/"), { method: "GET" });
 * ```
 */
export interface HopTransport {
  /** Sends one hop. */
  readonly fetch: FetchFunction;
  /** The origin of the proxy `url`'s hop goes through, if any (`http://host:port`, no credentials): for the errors. */
  proxyFor?(url: URL): string | undefined;
}

/**
 * What every connector is (aiohttp's `BaseConnector`): limits, a transport
 * and `close()`. Make a {@link TCPConnector} or a {@link UnixConnector}; a
 * session takes either as `connector`.
 *
 * @example
 * ```ts
 * function describe(connector: BaseConnector): string {
 *   return `${connector.limit} hops at once, ${connector.closed ? "closed" : "open"}`;
 * }
 * ```
 */
export abstract class BaseConnector {
  /** Hops in flight at once, over every origin; 0 for no limit. */
  readonly limit: number;
  /** Hops in flight at once per origin; 0 for no limit. */
  readonly limitPerHost: number;
  readonly #limiter: Limiter;
  #closed = false;

  /** The limits of a new connector; see {@link BaseConnectorOptions}. */
  constructor(options: BaseConnectorOptions) {
    this.limit = options.limit ?? 100;
    this.limitPerHost = options.limitPerHost ?? 0;
    this.#limiter = new Limiter(this.limit, this.limitPerHost);
  }

  /** True once {@link BaseConnector.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Waits for a slot for one hop to `origin`; resolves to the function that
   * frees it. Refused once the connector is closed; `signal` ends the wait
   * (or a function that gives the signal, called only when the hop must
   * wait: a free slot is taken without one).
   */
  acquire(origin: string, signal: AbortSignal | (() => AbortSignal)): Promise<() => void> | (() => void) {
    return this.#limiter.acquire(origin, signal);
  }

  /** Sends one hop through the connector's transport. */
  abstract fetch(url: URL, init: RequestInit & { duplex?: "half" }): Promise<Response>;

  /**
   * Where the hops of a request go that asks for TLS settings or a proxy of
   * its own; throws a TypeError, naming the request by `what`, when the
   * connector cannot honour them.
   */
  abstract transportFor(route: ConnectionRoute, what: () => string): HopTransport;

  /**
   * Closes the connector: hops waiting for a slot and every later one fail
   * with a ClientConnectionError; hops in flight finish as usual, and then
   * the connections of its transports are closed.
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
