/**
 * The unix-socket connector, as aiohttp's `UnixConnector`: every hop goes
 * over HTTP to one socket, whatever its URL's host, through the runtime's
 * transport for a socket path (runtime/transport.ts).
 */
import { ClientConnectionError, UnixClientConnectorError } from "../errors/connection.ts";
import { describeRequest } from "../errors/describe.ts";
import { HOOKS_ABORTS, hooksAborts } from "../runtime/hop_init.ts";
import { readNetworkFailure, socketFailureCode } from "../runtime/network_errors.ts";
import { keysOf, refuseUnknownOptions } from "../known_options.ts";
import { checkTransport } from "../runtime/transport.ts";
import { BaseConnector, type BaseConnectorOptions, type FetchFunction, type HopTransport } from "./base.ts";
import type { ConnectionRoute } from "./proxy.ts";
import { resolveSocketOptions, type SocketOptions } from "./socket_options.ts";
import { Transports } from "./transports.ts";

/** Options of {@link UnixConnector}: its limits, and keep-alive as on a TCPConnector. */
export interface UnixConnectorOptions extends BaseConnectorOptions, Pick<SocketOptions, "keepaliveTimeout" | "forceClose"> {
  /**
   * The socket's path.
   *
   * @example
   * ```ts
   * const docker = new UnixConnector({ path: "/var/run/docker.sock" });
   * ```
   */
  path: string;
}

const UNIX_OPTIONS = keysOf<UnixConnectorOptions>()(["path", "limit", "limitPerHost", "keepaliveTimeout", "forceClose"]);

/**
 * Sends every hop over HTTP to a unix socket, as aiohttp's `UnixConnector`:
 * the URL's host and port only make the Host header, so `http://localhost/…`
 * is the usual form. Plain HTTP only: an `https:` URL is refused with a
 * ClientConnectionError. Limits as
 * on a {@link TCPConnector}; a socket that cannot be reached is a
 * {@link UnixClientConnectorError}.
 *
 * @example
 * ```ts
 * await using session = new ClientSession({ connector: new UnixConnector({ path: "/var/run/docker.sock" }) });
 * const version = await (await session.get("http://localhost/version")).json();
 * ```
 */
export class UnixConnector extends BaseConnector {
  /** The socket's path. */
  readonly path: string;
  readonly #transports: Transports;
  readonly #fetch: FetchFunction;
  readonly #transport: HopTransport;

  /** A connector for the socket at `options.path`; see {@link UnixConnectorOptions}. */
  constructor(options: UnixConnectorOptions) {
    const what = "new UnixConnector()";
    if (typeof options?.path !== "string" || !options.path) throw new TypeError(`${what}: path must be the socket's path, a non-empty string`);
    refuseUnknownOptions(options, UNIX_OPTIONS, () => what);
    super(options);
    const { socket, forceClose } = resolveSocketOptions(options, () => what);
    checkTransport(what);
    this.path = options.path;
    this.#transports = new Transports(socket, forceClose);
    this.#transport = this.#transports.get({ tls: undefined, socketPath: this.path });
    this.#fetch = this.#transport.fetch;
  }

  /** Whether its transport listens to a hop's AbortHook (runtime/hop_init.ts). */
  get [HOOKS_ABORTS](): boolean {
    return hooksAborts(this.#transport);
  }

  /** Sends one hop over the socket. */
  fetch(url: URL, init: RequestInit & { duplex?: "half" }): Promise<Response> {
    if (url.protocol !== "http:") {
      // Not a connector error: nothing went wrong with the socket, and a retry would fail the same way.
      return Promise.reject(new ClientConnectionError(`${describeRequest(init.method ?? "GET", url)}: a UnixConnector speaks plain HTTP over its socket; use an http: URL`));
    }
    return this.#fetch(url, init).catch((err: unknown) => {
      throw this.#unreachable(err, url, init.method ?? "GET");
    });
  }

  /** Refused: a UnixConnector's requests take no `ssl` and no proxy. */
  transportFor(route: ConnectionRoute, what: () => string): HopTransport {
    const name = route.ssl !== undefined ? "ssl is" : "a proxy is";
    throw new TypeError(`${what()}: ${name} not an option of a UnixConnector's requests: they go over its socket, in plain HTTP`);
  }

  /** Closes the connector (see {@link BaseConnector.close}) and its connections to the socket. */
  override async close(): Promise<void> {
    await super.close();
    await this.#transports.close();
  }

  /** A runtime's failure to reach the socket as a UnixClientConnectorError; any other failure as it is. */
  #unreachable(err: unknown, url: URL, method: string): unknown {
    return unixUnreachable(err, url, method, this.path) ?? err;
  }
}

/**
 * A runtime's failure to reach the unix socket at `path` (for a hop of
 * `method` to `url`) as a UnixClientConnectorError; `undefined` for any
 * other failure.
 */
export function unixUnreachable(err: unknown, url: URL, method: string, path: string): UnixClientConnectorError | undefined {
  const code = socketFailureCode(err);
  if (!code) return undefined;
  const message = `${describeRequest(method, url)}: cannot connect to the unix socket ${path} (${code}): ${readNetworkFailure(err).reason}`;
  return new UnixClientConnectorError(message, { host: url.hostname, port: Number(url.port) || 80, code, path, cause: err });
}
