/**
 * The TCP connector, as aiohttp's: limits (base.ts), and how hops travel:
 * the runtime's default (the global fetch; on Node 18 and 20, undici's
 * dispatcher without fetch where it sends the same, runtime/transport_dispatch.ts),
 * a fetch of the caller's own, or, with `ssl`, a runtime transport
 * (runtime/transport.ts) made on the first hop that needs it. A session owns
 * one; several sessions may share one.
 */
import { keysOf, refuseUnknownOptions } from "../known_options.ts";
import { HOOKS_ABORTS, hooksAborts } from "../runtime/hop_init.ts";
import { checkTransport } from "../runtime/transport.ts";
import { defaultFetch } from "../runtime/transport_dispatch.ts";
import type { SocketConfig, TlsConfig, TransportConfig } from "../runtime/transport_types.ts";
import { BaseConnector, type BaseConnectorOptions, type FetchFunction, type HopTransport } from "./base.ts";
import { type ConnectionRoute, resolveProxy } from "./proxy.ts";
import { resolveSocketOptions, type SocketOptions } from "./socket_options.ts";
import { resolveSsl, type SSLSetting } from "./ssl.ts";
import { closingFetch, Transports } from "./transports.ts";

export type { FetchFunction } from "./base.ts";

/** Options of {@link TCPConnector}. */
export interface TCPConnectorOptions extends BaseConnectorOptions, SocketOptions {
  /**
   * The fetch hops are sent with; `globalThis.fetch` by default (on Node 18
   * and 20, the undici dispatcher it sends with, called directly where that
   * sends the same; a fetch given here always gets every hop). A recorder,
   * a test double, or a fetch bound to runtime-specific options. Not
   * together with `ssl`, `resolve`, `family`, `localAddr` or
   * `keepaliveTimeout`, which pick the runtime's own way of sending.
   *
   * @example
   * ```ts
   * const connector = new TCPConnector({ fetch: (url, init) => fetch(url, { ...init, keepalive: true }) });
   * ```
   */
  fetch?: FetchFunction;
  /**
   * TLS for every hop, as aiohttp's `ssl=`: `true` (verify, the default),
   * `false` (no verification), or {@link SSLOptions} (a CA, a client
   * certificate, a name to verify). A request's own `ssl` replaces it. Read
   * once, when the connector is made.
   *
   * @example
   * ```ts
   * import { readFileSync } from "node:fs";
   *
   * const connector = new TCPConnector({ ssl: { ca: readFileSync("internal-ca.pem") } });
   * await using session = new ClientSession({ connector });
   * ```
   */
  ssl?: SSLSetting;
}

const CONNECTOR_OPTIONS = keysOf<TCPConnectorOptions>()([
  "limit",
  "limitPerHost",
  "fetch",
  "ssl",
  "resolve",
  "family",
  "localAddr",
  "keepaliveTimeout",
  "forceClose",
]);

/** The runtime's defaults: the global fetch, which verifies (on Node 18 and 20, Node's own dispatcher where it sends the same). */
const PLAIN: HopTransport = { fetch: defaultFetch };

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
export class TCPConnector extends BaseConnector {
  readonly #fetch: FetchFunction;
  /** The connector's own TLS settings, which a request's proxy keeps. */
  readonly #tls: TlsConfig | undefined;
  /** Set when the caller gave a fetch: then no request may ask for TLS settings or a proxy. */
  readonly #own: boolean;
  /** How the connector's connections are made (resolve, family, localAddr, keepaliveTimeout), if it says. */
  readonly #socket: SocketConfig | undefined;
  /** Where hops with no TLS settings and no proxy go. */
  readonly #direct: HopTransport;
  /** The transport its hops go to, unless the caller gave a fetch. */
  readonly #sender: HopTransport | undefined;
  readonly #transports: Transports;

  /** A new connector; see {@link TCPConnectorOptions}. */
  constructor(options: TCPConnectorOptions = {}) {
    refuseUnknownOptions(options, CONNECTOR_OPTIONS, () => "new TCPConnector()");
    super(options);
    const what = () => "new TCPConnector()";
    const tls = (this.#tls = resolveSsl(options.ssl, what));
    const { socket, forceClose } = resolveSocketOptions(options, what);
    this.#own = options.fetch !== undefined;
    if (this.#own && (tls || socket)) {
      throw new TypeError(`${what()}: ${tls ? "ssl" : "a socket setting"} and fetch cannot be given together: it picks the runtime's own way of sending`);
    }
    if (tls || socket) checkTransport(what());
    this.#socket = socket;
    this.#transports = new Transports(socket, forceClose);
    this.#direct = socket ? this.#transports.get({ tls: undefined }) : forceClose ? { fetch: closingFetch(defaultFetch) } : PLAIN;
    const own = options.fetch && (forceClose ? closingFetch(options.fetch) : options.fetch);
    this.#sender = own ? undefined : tls ? this.#transports.get({ tls }) : this.#direct;
    this.#fetch = own ?? this.#sender!.fetch;
  }

  /** Whether its transport listens to a hop's AbortHook (runtime/hop_init.ts). */
  get [HOOKS_ABORTS](): boolean {
    return this.#sender !== undefined && hooksAborts(this.#sender);
  }

  /** Sends one hop through the connector's transport. */
  fetch(url: URL, init: RequestInit & { duplex?: "half" }): Promise<Response> {
    return this.#fetch(url, init);
  }

  /**
   * Where the hops of a request go that asks for TLS settings or a proxy of
   * its own: the transport for those, shared by every request that asks for
   * the same. A request's `ssl` replaces the connector's; a proxy keeps the
   * connector's TLS settings for the origin. Refused for a connector with a
   * fetch of the caller's own.
   */
  transportFor(route: ConnectionRoute, what: () => string): HopTransport {
    if (this.#own) {
      const name = route.ssl !== undefined ? "ssl" : "a proxy";
      throw new TypeError(`${what()}: ${name} cannot be given to a request whose connector sends with a fetch of its own`);
    }
    const tls = route.ssl === undefined ? this.#tls : resolveSsl(route.ssl, what);
    const proxy = resolveProxy(route, what);
    if (!tls && !proxy) return this.#direct;
    checkTransport(what());
    return this.#transports.get({ tls, proxy });
  }

  /** Closes the connector (see {@link BaseConnector.close}) and its transports' connections. */
  override async close(): Promise<void> {
    await super.close();
    await this.#transports.close();
  }

  /**
   * The TLS settings, the proxy and the socket settings of a WebSocket's connection, which
   * aiofetch opens itself (websocket/route.ts): resolved as
   * {@link TCPConnector.transportFor} resolves a request's, and refused as
   * there when the connector has a fetch of its own and `route` asks for
   * `ssl` or a proxy.
   *
   * @internal
   */
  socketRoute(route: ConnectionRoute, what: () => string): Omit<TransportConfig, "socketPath"> {
    // transportFor's refusal, word for word.
    if (this.#own && (route.ssl !== undefined || route.proxy !== undefined)) this.transportFor(route, what);
    return { tls: route.ssl === undefined ? this.#tls : resolveSsl(route.ssl, what), proxy: resolveProxy(route, what), socket: this.#socket };
  }
}
