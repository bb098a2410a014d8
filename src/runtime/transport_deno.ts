/**
 * Deno's transport: `Deno.createHttpClient`, passed as fetch's `client`, for
 * a CA, a client certificate, a unix socket (its `unix` proxy transport), a
 * local address and an idle timeout. Deno has no way to skip verification
 * (its client silently ignores unknown options, and the CLI flag is
 * process-wide), to send another name as SNI, to see the server's
 * certificate (for a fingerprint), to resolve a name another way or to keep
 * to one address family, so those go through npm undici's fetch
 * (transport_undici.ts), which needs `--allow-env`; so do proxies (see
 * `native`).
 */
import { type Transport, type TransportConfig, TlsSetupError } from "./transport_types.ts";
import { undiciFetchTransport } from "./transport_undici.ts";

/** The options of `Deno.createHttpClient` aiofetch gives. */
interface HttpClientOptions {
  caCerts?: string[];
  cert?: string;
  key?: string;
  proxy?: { transport: "unix"; path: string };
  poolIdleTimeout?: number;
  localAddress?: string;
}

interface DenoHttp {
  createHttpClient(options: HttpClientOptions): { close(): void };
}

/**
 * True when Deno's own client can carry `config`: it cannot skip
 * verification, send another name, or show the peer's certificate; and
 * through a proxy it sends the proxy's credentials on to an https origin,
 * inside the tunnel, and does not say what status a refused CONNECT had.
 */
function native({ tls, proxy, socket }: TransportConfig): boolean {
  // Nor can it resolve a name another way, or keep to one address family.
  if (proxy || socket?.resolve || socket?.family) return false;
  return !tls || (tls.verify && tls.serverName === undefined && tls.fingerprint === undefined);
}

function clientOptions({ tls, socketPath, socket }: TransportConfig): HttpClientOptions {
  const options: HttpClientOptions = {};
  if (socket?.keepAliveTimeout !== undefined) options.poolIdleTimeout = socket.keepAliveTimeout;
  if (socket?.localAddress !== undefined) options.localAddress = socket.localAddress;
  // Its request lines are then in absolute form (GET http://localhost/path), which HTTP/1.1 servers must take.
  if (socketPath !== undefined) options.proxy = { transport: "unix", path: socketPath };
  if (tls?.ca) options.caCerts = [...tls.ca];
  if (tls?.cert !== undefined) options.cert = tls.cert;
  if (tls?.key !== undefined) options.key = tls.key;
  return options;
}

/** The transport for `config` on Deno. */
export async function openDenoTransport(config: TransportConfig): Promise<Transport> {
  if (!native(config)) return await undiciFetchTransport(config);
  const deno = (globalThis as unknown as { Deno: DenoHttp }).Deno;
  let client: { close(): void };
  try {
    client = deno.createHttpClient(clientOptions(config));
  } catch (err) {
    // A certificate or key Deno cannot read: "No keys found in key data", …
    throw new TlsSetupError(`cannot set up TLS (${err instanceof Error ? err.message : String(err)})`);
  }
  return {
    fetch: (url, init) => globalThis.fetch(url.href, { ...init, client } as RequestInit),
    close: () => Promise.resolve(client.close()),
  };
}
