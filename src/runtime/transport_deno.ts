/**
 * Deno's transport: `Deno.createHttpClient`, passed as fetch's `client`, for
 * a CA, a client certificate, a unix socket (its `unix` proxy transport), a
 * local address and an idle timeout. Deno has no way to skip verification
 * (its client silently ignores unknown options, and the CLI flag is
 * process-wide), to send another name as SNI, to see the server's
 * certificate (for a fingerprint), to resolve a name another way or to keep
 * to one address family, so those go through npm undici's fetch
 * (transport_undici.ts), which needs `--allow-env`; so do https targets
 * through a proxy with credentials or headers (`proxiedTransport`), and
 * every proxy where the environment's NO_PROXY may apply (env.ts, `noProxySet`).
 */
import { noProxySet } from "./env.ts";
import { closedUnanswered, refusal } from "./tunnel.ts";
import { type ProxyConfig, ProxyRefusal, refusing407, type Transport, type TransportConfig, type TransportFetch, TlsSetupError } from "./transport_types.ts";
import { undiciFetchTransport } from "./transport_undici.ts";

/** The options of `Deno.createHttpClient` aiofetch gives. */
interface HttpClientOptions {
  caCerts?: string[];
  cert?: string;
  key?: string;
  proxy?: { transport: "unix"; path: string } | { url: string };
  poolIdleTimeout?: number;
  localAddress?: string;
}

interface DenoHttp {
  createHttpClient(options: HttpClientOptions): { close(): void };
}

/**
 * True when Deno's own client can carry `config`: it cannot skip
 * verification, send another name, or show the peer's certificate (a proxy
 * is `proxiedTransport`'s).
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

/** Deno's own client for `options`, its fetch and its closing. */
function nativeTransport(options: HttpClientOptions): Transport {
  const deno = (globalThis as unknown as { Deno: DenoHttp }).Deno;
  let client: { close(): void };
  try {
    client = deno.createHttpClient(options);
  } catch (err) {
    // A certificate or key Deno cannot read: "No keys found in key data", …
    throw new TlsSetupError(`cannot set up TLS (${err instanceof Error ? err.message : String(err)})`);
  }
  return {
    fetch: (url, init) => globalThis.fetch(url.href, { ...init, client } as RequestInit),
    close: () => Promise.resolve(client.close()),
  };
}

/**
 * What Deno's client says of a tunnel it could not open, as the other
 * runtimes report it: a 407 as the proxy's refusal, a CONNECT closed
 * unanswered as the proxy closing the connection. Any other refusal it
 * names only "unsuccessful tunnel", so the proxy is asked once more, by
 * aiofetch itself, for its status (tunnel.ts). Anything else is as thrown.
 */
async function tunnelFailure(err: unknown, proxy: ProxyConfig, url: URL, signal: AbortSignal | null | undefined): Promise<unknown> {
  const said = (err as { cause?: unknown } | undefined)?.cause;
  const text = said instanceof Error ? said.message : "";
  // Not Deno's error as the cause: the most precise message in the chain is taken as the failure's, and it says less.
  if (text.endsWith("proxy authentication required")) return new ProxyRefusal(407, "Proxy Authentication Required");
  if (text.endsWith("unexpected eof while tunneling")) return closedUnanswered();
  if (!text.endsWith("unsuccessful tunnel")) return err;
  return (await refusal(proxy, url, signal).catch(() => undefined)) ?? err;
}

/**
 * Through a proxy, on Deno's own client: http targets forwarded (absolute
 * form, the proxy's headers and credentials among the request's, which go
 * to the proxy; its 407 read as the refusal it is on the other runtimes),
 * and https targets tunnelled, unless the proxy has credentials or headers
 * to be sent: Deno's client would send its credentials on to the origin,
 * inside the tunnel, and has no headers for a CONNECT. Those go through npm
 * undici, opened on the first.
 */
function proxiedTransport(config: TransportConfig & { proxy: ProxyConfig }): Transport {
  const { proxy } = config;
  const native = nativeTransport({ ...clientOptions(config), proxy: { url: proxy.origin } });
  const extra: Record<string, string> = { ...proxy.headers };
  if (proxy.authorization !== undefined) extra["proxy-authorization"] = proxy.authorization;
  const forward = refusing407((url, init) => native.fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), ...extra } }));
  const tunnel: TransportFetch = async (url, init) => {
    try {
      return await native.fetch(url, init);
    } catch (err) {
      throw await tunnelFailure(err, proxy, url, init.signal);
    }
  };
  const bare = proxy.authorization === undefined && !Object.keys(proxy.headers).length;
  let tunnelling: Promise<Transport> | undefined;
  return {
    fetch: (url, init) => {
      if (url.protocol === "http:") return forward(url, init);
      if (bare) return tunnel(url, init);
      return (tunnelling ??= undiciFetchTransport(config)).then((transport) => transport.fetch(url, init));
    },
    close: async () => {
      const tunnels = await tunnelling?.catch(() => undefined);
      await Promise.all([native.close(), tunnels?.close()]);
    },
  };
}

/** The transport for `config` on Deno. */
export async function openDenoTransport(config: TransportConfig): Promise<Transport> {
  // Deno's client goes around any proxy for the hosts NO_PROXY lists, and a proxy of aiofetch's serves every host
  // (aiohttp's rule): with the variable set, or unreadable without asking, the proxy goes through npm undici.
  if (config.proxy && native({ ...config, proxy: undefined }) && noProxySet() === false) return proxiedTransport({ ...config, proxy: config.proxy });
  if (!native(config)) return await undiciFetchTransport(config);
  return nativeTransport(clientOptions(config));
}
