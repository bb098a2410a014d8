/**
 * The transports of one connector: one per distinct connection setting, made
 * on first use (its runtime module imported then), shared by every hop that
 * asks for the same setting, so that they share its pool of connections, and
 * closed with the connector.
 */
import { openTransport, type Transport, type TransportConfig, type TransportFetch } from "../runtime/transport.ts";
import { HOOKS_ABORTS } from "../runtime/hop_init.ts";
import type { SocketConfig } from "../runtime/transport_types.ts";
import type { FetchFunction, HopTransport } from "./base.ts";

/**
 * `send`, with every hop asking for `Connection: close` (`forceClose`): the
 * one way to end a connection after its response that every runtime's fetch
 * takes, with no import.
 */
export function closingFetch(send: FetchFunction): FetchFunction {
  return (url, init) => send(url, { ...init, headers: { ...(init.headers as Record<string, string>), connection: "close" } });
}

/** One transport, opened on its first hop. */
class LazyTransport implements HopTransport {
  readonly #proxy: string | undefined;
  readonly #config: TransportConfig;
  #opened: Promise<Transport> | undefined;
  #fetch: TransportFetch | undefined;
  #hooks = false;

  constructor(config: TransportConfig, forceClose: boolean) {
    this.#config = config;
    this.#proxy = config.proxy?.origin;
    if (forceClose) this.fetch = closingFetch(this.fetch);
  }

  readonly fetch: TransportFetch = (url, init) => {
    // Once open, hops go straight to the runtime's fetch.
    if (this.#fetch) return this.#fetch(url, init);
    this.#opened ??= openTransport(this.#config);
    return this.#opened.then((transport) => {
      this.#hooks = transport.hooksAborts === true;
      return (this.#fetch = transport.fetch)(url, init);
    });
  };

  /** Whether the runtime's transport, once open, listens to a hop's AbortHook. */
  get [HOOKS_ABORTS](): boolean {
    return this.#hooks;
  }

  /** The origin of the proxy this transport goes through, if any. */
  proxyFor(): string | undefined {
    return this.#proxy;
  }

  async close(): Promise<void> {
    // A transport that failed to open has nothing to close.
    const transport = await this.#opened?.catch(() => undefined);
    await transport?.close();
  }
}

/** A connector's transports, by setting. */
export class Transports {
  readonly #byId = new Map<string, LazyTransport>();
  readonly #socket: SocketConfig | undefined;
  readonly #forceClose: boolean;

  /** The transports of a connector whose connections follow `socket`, and end after one response with `forceClose`. */
  constructor(socket?: SocketConfig, forceClose = false) {
    this.#socket = socket;
    this.#forceClose = forceClose;
  }

  /** The transport for `config`, with the connector's socket settings. */
  get(config: Omit<TransportConfig, "socket">): HopTransport {
    const id = `${config.tls?.id ?? ""}|${config.proxy?.id ?? ""}|${config.socketPath ?? ""}`;
    let transport = this.#byId.get(id);
    if (!transport) this.#byId.set(id, (transport = new LazyTransport({ ...config, socket: this.#socket }, this.#forceClose)));
    return transport;
  }

  /** Closes every transport; hops in flight finish first. */
  async close(): Promise<void> {
    const all = [...this.#byId.values()];
    this.#byId.clear();
    await Promise.all(all.map((transport) => transport.close()));
  }
}
