/**
 * What the transports take and give (runtime/transport.ts picks one per
 * runtime): a leaf module, so that the runtime files and their selector do
 * not import each other.
 */

/** The fetch of a transport: the connector's {@link FetchFunction} shape. */
export type TransportFetch = (input: URL, init: RequestInit & { duplex?: "half" }) => Promise<Response>;

/** TLS settings as the transports take them: checked, PEM as text. */
export interface TlsConfig {
  /** Trusted CA certificates (PEM); the runtime's own roots when absent. */
  readonly ca: readonly string[] | undefined;
  /** The client certificate chain (PEM), for servers that ask for one. */
  readonly cert: string | undefined;
  /** The client certificate's private key (PEM). */
  readonly key: string | undefined;
  /** Decrypts `key`. */
  readonly passphrase: string | undefined;
  /** Verify the server's certificate chain and name. */
  readonly verify: boolean;
  /** The name sent as SNI and verified, instead of the URL's host. */
  readonly serverName: string | undefined;
  /**
   * The SHA-256 of the server's leaf certificate (DER), lower-case hex: the
   * connection is closed before anything is sent unless it matches. The
   * chain is then not verified (aiohttp's `Fingerprint`).
   */
  readonly fingerprint: string | undefined;
  /** Identifies equal settings: one transport (and pool of connections) serves them all. */
  readonly id: string;
}

/** An HTTP proxy as the transports take it. */
export interface ProxyConfig {
  /** The proxy's origin, `http://host:port`, without credentials. */
  readonly origin: string;
  /** The Proxy-Authorization to send it (from `proxyAuth` or the proxy URL's credentials). */
  readonly authorization: string | undefined;
  /** Headers for the proxy: on each CONNECT, and on each request it forwards. Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Identifies equal proxies. */
  readonly id: string;
}

/** A URL's host name as a socket takes it: an IPv6 address without its brackets. */
export function bareHost(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, "");
}

/** One address a name resolves to. */
export interface ResolvedAddress {
  /** An IPv4 or IPv6 address. */
  readonly address: string;
  readonly family: 4 | 6;
}

/**
 * How a connector's connections are made, beyond TLS: the same for every
 * transport of one connector (connector/socket_options.ts checks them).
 */
export interface SocketConfig {
  /**
   * Resolves a host name the connector's own way: its addresses, or
   * undefined for a name the system is to resolve (one a host map does not
   * list). Absent: the system resolves every name.
   */
  readonly resolve: ((host: string, port: number) => Promise<readonly ResolvedAddress[] | undefined>) | undefined;
  /** Only addresses of this family: 4 or 6; 0 for either. */
  readonly family: 0 | 4 | 6;
  /** The local address connections are made from. */
  readonly localAddress: string | undefined;
  /** How long an idle connection is kept for reuse, in ms; the runtime's default when absent. */
  readonly keepAliveTimeout: number | undefined;
  /** The most connections per origin where the runtime can cap them (Node); 0 for no cap. */
  readonly connectionsPerOrigin: number;
}

/** What a transport is made for. */
export interface TransportConfig {
  /** TLS settings; the runtime's defaults when absent. */
  readonly tls: TlsConfig | undefined;
  /** An HTTP proxy: https targets through CONNECT, http ones forwarded in absolute form. */
  readonly proxy?: ProxyConfig;
  /** A unix socket every connection goes to, whatever the URL's host (plain HTTP only). */
  readonly socketPath?: string;
  /** How connections are made; the runtime's defaults when absent. */
  readonly socket?: SocketConfig;
}

/** A runtime's way of sending hops with one {@link TransportConfig}. */
export interface Transport {
  readonly fetch: TransportFetch;
  /** Its fetch listens to a hop's AbortHook (runtime/hop_init.ts, HOOKS_ABORTS). */
  readonly hooksAborts?: boolean;
  /** Closes its connections; hops in flight finish first. */
  close(): Promise<void>;
}

/**
 * A failure to set up TLS before any connection: a client key that cannot be
 * decrypted, a certificate the runtime cannot read. Read as a TLS failure
 * (runtime/network_errors.ts).
 */
export class TlsSetupError extends Error {
  /** The code network_errors.ts reads. */
  readonly code = "ERR_TLS_SETUP";
}

/**
 * The proxy refused: a CONNECT answered with a status other than 2xx, or a
 * forwarded request answered 407 (transport_proxy.ts, transport_bun.ts).
 * Read into ClientHttpProxyError (runtime/network_errors.ts).
 */
export class ProxyRefusal extends Error {
  /** The code network_errors.ts reads: Bun's own for the same failure. */
  readonly code = "ERR_PROXY_TUNNEL";
  /** The proxy's status. */
  readonly status: number;
  /** The proxy's reason phrase. */
  readonly statusText: string;

  constructor(status: number, statusText: string) {
    super(`the proxy answered ${status} ${statusText}`);
    this.status = status;
    this.statusText = statusText;
  }
}

/**
 * A proxy's 407 to a forwarded (http) request as its refusal, as on Node,
 * whose fetch cannot hand a 407 over (the fetch standard makes it a network
 * error); Bun's and Deno's own would.
 */
export function refusing407(send: TransportFetch): TransportFetch {
  return async (url, init) => {
    const response = await send(url, init);
    if (response.status !== 407 || url.protocol !== "http:") return response;
    await response.body?.cancel();
    throw new ProxyRefusal(407, response.statusText || "Proxy Authentication Required");
  };
}

/**
 * The server's certificate is not the pinned one: what a transport's
 * connector fails the connection with, read into ServerFingerprintMismatch
 * (runtime/network_errors.ts). The runtimes hand it on as the cause.
 */
export class PeerFingerprintMismatch extends Error {
  /** The code network_errors.ts reads. */
  readonly code = "ERR_TLS_FINGERPRINT_MISMATCH";
  /** The pinned SHA-256, lower-case hex. */
  readonly expected: string;
  /** The server certificate's SHA-256, lower-case hex. */
  readonly got: string;

  constructor(expected: string, got: string) {
    super(`the server's certificate has the SHA-256 ${got}, not the one pinned, ${expected}`);
    this.expected = expected;
    this.got = got;
  }
}

/**
 * A host name the connector's `resolve` did not resolve (it threw, or gave
 * no address of the family asked for): read as a DNS failure
 * (runtime/network_errors.ts reads the code).
 */
function unresolved(host: string, cause?: unknown): Error {
  const reason = cause === undefined ? "no address of the family asked for" : cause instanceof Error ? cause.message : String(cause);
  return Object.assign(new Error(`cannot resolve ${host} (${reason})`, { cause }), { code: "ENOTFOUND" });
}

/**
 * The addresses `socket`'s resolver gives for `host`, of its family, to be
 * tried in order; undefined where the system resolves the name (no
 * resolver, or a host map that does not list it). Rejects with a DNS
 * failure when there is none.
 */
export async function resolvedAddresses(socket: SocketConfig | undefined, host: string, port: number): Promise<readonly ResolvedAddress[] | undefined> {
  if (!socket?.resolve) return undefined;
  let found: readonly ResolvedAddress[] | undefined;
  try {
    found = await socket.resolve(host, port);
  } catch (err) {
    throw unresolved(host, err);
  }
  if (found === undefined) return undefined;
  const addresses = socket.family ? found.filter((entry) => entry.family === socket.family) : found;
  if (!addresses.length) throw unresolved(host);
  return addresses;
}
