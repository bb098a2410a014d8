/**
 * The TCPConnector options that say how its connections are made, as
 * aiohttp's: `resolve` (a host map, like curl's `--resolve`, or a resolver
 * function, aiohttp's `resolver=`), `family`, `localAddr`,
 * `keepaliveTimeout` and `forceClose`. Checked here, once, into what the
 * transports take (runtime/transport_types.ts).
 */
import type { ResolvedAddress, SocketConfig } from "../runtime/transport_types.ts";

/**
 * A resolver of one's own, as aiohttp's `resolver=`: the addresses (IPv4 or
 * IPv6) to connect to for `host`, best first. Throwing, or returning none,
 * fails the request with a `ClientConnectorDNSError`.
 *
 * @example
 * ```ts
 * const resolver: Resolver = async (host) => (host.endsWith(".internal") ? ["10.0.0.7"] : await systemLookup(host));
 * ```
 */
export type Resolver = (
  host: string,
  options: { readonly port: number; readonly family: 0 | 4 | 6 },
) => string | readonly string[] | Promise<string | readonly string[]>;

/**
 * Where connections go: a map from host name to address (or addresses),
 * like curl's `--resolve`, for the names it lists (the others resolve as
 * usual); or a {@link Resolver} for every name.
 *
 * @example
 * ```ts
 * const resolve: ResolveSetting = { "api.example.test": "127.0.0.1" };
 * ```
 */
export type ResolveSetting = Readonly<Record<string, string | readonly string[]>> | Resolver;

/** The options of this module, as TCPConnector takes them. */
export interface SocketOptions {
  /**
   * Resolves host names the connector's own way: a map of names to
   * addresses (`{ "example.test": "127.0.0.1" }`, like curl's `--resolve`;
   * names it does not list resolve as usual), or a {@link Resolver} function
   * (aiohttp's `resolver=`). The URL keeps its name: the Host header, SNI
   * and the certificate check use it, and so do cookies and redirects.
   * Through a proxy, it resolves the proxy's name (the proxy resolves the
   * origin's).
   *
   * @example
   * ```ts
   * const connector = new TCPConnector({ resolve: { "api.example.test": "127.0.0.1" } });
   * await using session = new ClientSession({ connector });
   * await session.get("https://api.example.test:8443/"); // to 127.0.0.1, verified as api.example.test
   * ```
   */
  resolve?: ResolveSetting;
  /**
   * Connect over IPv4 only (4) or IPv6 only (6); 0, the default, for either.
   *
   * @example
   * ```ts
   * const ipv4 = new TCPConnector({ family: 4 });
   * ```
   */
  family?: 0 | 4 | 6;
  /**
   * The local address connections are made from (aiohttp's `local_addr`,
   * without the port): one of this machine's addresses.
   *
   * @example
   * ```ts
   * const connector = new TCPConnector({ localAddr: "192.0.2.10" });
   * ```
   */
  localAddr?: string;
  /**
   * How long an idle connection is kept for the next request, in
   * milliseconds (aiohttp's `keepalive_timeout`, in seconds there). Unset,
   * the runtime's own: undici's 4 s on Node (or less, if the server says
   * so), 90 s on Deno.
   *
   * @example
   * ```ts
   * const connector = new TCPConnector({ keepaliveTimeout: 30_000 });
   * ```
   */
  keepaliveTimeout?: number;
  /**
   * No connection reuse (aiohttp's `force_close`): every request asks for
   * `Connection: close`, and the connection ends with its response. Not
   * together with `keepaliveTimeout`.
   *
   * @example
   * ```ts
   * const connector = new TCPConnector({ forceClose: true });
   * ```
   */
  forceClose?: boolean;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** 4 or 6 for an IP address, 0 for anything else. */
function ipFamily(value: string): 0 | 4 | 6 {
  if (IPV4.test(value)) return 4;
  if (!value.includes(":")) return 0;
  try {
    return new URL(`http://[${value}]/`).hostname.length > 2 ? 6 : 0;
  } catch {
    return 0;
  }
}

/** The addresses of `value`, each checked to be an IP address; `where` names it in errors. */
function addresses(value: unknown, where: () => string): ResolvedAddress[] {
  const list = typeof value === "string" ? [value] : Array.isArray(value) ? value : undefined;
  if (!list) throw new TypeError(`${where()} must be an IP address or a list of them, got ${typeof value}`);
  return list.map((address: unknown) => {
    const family = typeof address === "string" ? ipFamily(address) : 0;
    if (!family) throw new TypeError(`${where()} must be an IP address, got ${JSON.stringify(address)}`);
    return { address: address as string, family };
  });
}

/** The resolve function for a host map: the names it lists, lower-case; undefined for the others (the system resolves those). */
function hostMap(map: Readonly<Record<string, unknown>>, what: () => string): (host: string) => readonly ResolvedAddress[] | undefined {
  const byName = new Map<string, ResolvedAddress[]>();
  for (const [name, value] of Object.entries(map)) {
    byName.set(name.toLowerCase().replace(/^\[|\]$/g, ""), addresses(value, () => `${what()}: resolve[${JSON.stringify(name)}]`));
  }
  return (host) => byName.get(host.toLowerCase());
}

/** The resolve of a connector: the map's addresses or the resolver's, undefined where the system resolves. */
function resolving(setting: ResolveSetting, family: 0 | 4 | 6, what: () => string): SocketConfig["resolve"] {
  if (typeof setting !== "function") {
    if (setting === null || typeof setting !== "object") throw new TypeError(`${what()}: resolve must be a map of host names to addresses, or a resolver function`);
    const lookup = hostMap(setting, what);
    return (host) => Promise.resolve(lookup(host));
  }
  return async (host, port) => {
    const answer = await setting(host, { port, family });
    return addresses(answer, () => `the resolver's answer for ${host}`);
  };
}

/**
 * `options` checked: the socket settings of a connector (undefined when it
 * sets none, so that it needs no transport), and whether it closes every
 * connection after its response.
 */
export function resolveSocketOptions(options: SocketOptions & { limitPerHost?: number }, what: () => string): { socket: SocketConfig | undefined; forceClose: boolean } {
  const { resolve, family = 0, localAddr, keepaliveTimeout, forceClose = false } = options;
  if (family !== 0 && family !== 4 && family !== 6) throw new TypeError(`${what()}: family must be 0, 4 or 6, got ${String(family)}`);
  if (localAddr !== undefined && (typeof localAddr !== "string" || !ipFamily(localAddr))) {
    throw new TypeError(`${what()}: localAddr must be one of this machine's IP addresses, got ${JSON.stringify(localAddr)}`);
  }
  if (keepaliveTimeout !== undefined && !(typeof keepaliveTimeout === "number" && keepaliveTimeout > 0 && Number.isFinite(keepaliveTimeout))) {
    throw new TypeError(`${what()}: keepaliveTimeout must be a positive number of milliseconds, got ${String(keepaliveTimeout)}`);
  }
  if (typeof forceClose !== "boolean") throw new TypeError(`${what()}: forceClose must be true or false`);
  if (forceClose && keepaliveTimeout !== undefined) throw new TypeError(`${what()}: keepaliveTimeout cannot be set with forceClose, which keeps no connection alive`);
  if (resolve === undefined && family === 0 && localAddr === undefined && keepaliveTimeout === undefined) return { socket: undefined, forceClose };
  const socket: SocketConfig = {
    resolve: resolve === undefined ? undefined : resolving(resolve, family, what),
    family,
    localAddress: localAddr,
    keepAliveTimeout: keepaliveTimeout,
    connectionsPerOrigin: options.limitPerHost ?? 0,
  };
  return { socket, forceClose };
}
