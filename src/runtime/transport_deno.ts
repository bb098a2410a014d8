/**
 * Deno's transport. For a CA, a client certificate, a unix socket and an
 * idle timeout, aiofetch's own HTTP/1.1 client (h1_client.ts) over
 * `Deno.connect` and `Deno.connectTls`, since a request through Deno's fetch
 * costs more (bench/README.md); the hops it does not carry (a streamed, form
 * or Blob body) go through `Deno.createHttpClient`, passed as fetch's
 * `client`, with the same settings, as does a local address (Deno's
 * sockets take none). A proxy goes through aiofetch's own client too
 * (`proxiedTransport`), a tunnel with a client certificate excepted
 * (Deno's `startTls` takes none). Deno has no way to skip verification
 * (its client silently ignores unknown options, and the CLI flag is
 * process-wide), to send another name as SNI, to see the server's
 * certificate (for a fingerprint), to resolve a name another way or to keep
 * to one address family, so those go through npm undici's fetch
 * (transport_undici.ts), which needs `--allow-env`; so does every proxy
 * where the environment's NO_PROXY may apply (env.ts, `noProxySet`): Deno's
 * client, which carries some of its hops, would go around it.
 */
import { noProxySet } from "./env.ts";
import { type ByteSocket, settingUp, SocketClient } from "./h1_client.ts";
import { DENO_FETCH_HEADERS, socketTransport } from "./transport_socket.ts";
import { closedUnanswered, refusal, tunnelThrough } from "./tunnel.ts";
import { bareHost, type ProxyConfig, ProxyRefusal, refusing407, type Transport, type TransportConfig, type TransportFetch, TlsSetupError } from "./transport_types.ts";
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
  connect(options: { hostname: string; port: number; signal: AbortSignal } | { transport: "unix"; path: string }): Promise<ByteSocket>;
  connectTls(options: TlsOptions & { port: number; cert: string; key: string }): Promise<TlsSocket>;
  startTls(socket: ByteSocket, options: TlsOptions): Promise<TlsSocket>;
}

interface TlsOptions {
  hostname: string;
  caCerts?: string[];
}

type TlsSocket = ByteSocket & { handshake(): Promise<unknown> };

const deno = () => (globalThis as unknown as { Deno: DenoHttp }).Deno;

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
  let client: { close(): void };
  try {
    client = deno().createHttpClient(options);
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
 * Through a proxy: aiofetch's own HTTP/1.1 client, which forwards http
 * targets (absolute form, with the proxy's headers and credentials) and
 * tunnels https ones itself (the credentials and headers in the CONNECT
 * alone); Deno's own client for the hops it does not carry.
 */
function proxiedTransport(config: TransportConfig & { proxy: ProxyConfig }): Transport {
  const native = nativeProxiedTransport(config);
  // Deno's startTls takes no client certificate: a tunnel with one stays with Deno's client and npm undici.
  if (config.tls?.cert !== undefined) return native;
  const client = new SocketClient({ connect: connector(config), keepAliveTimeout: config.socket?.keepAliveTimeout, proxy: config.proxy });
  const transport = socketTransport(client, native, DENO_FETCH_HEADERS);
  return { ...transport, fetch: refusing407(transport.fetch) };
}

/**
 * Through a proxy, on Deno's own client (for the hops aiofetch's own client
 * does not carry, and tunnels with a client certificate): http targets
 * forwarded (absolute form, the proxy's headers and credentials among the
 * request's, which go to the proxy; its 407 read as the refusal it is on
 * the other runtimes), and https targets tunnelled, unless the proxy has
 * credentials or headers to be sent: Deno's client would send its
 * credentials on to the origin, inside the tunnel, and has no headers for a
 * CONNECT. Those go through npm undici, opened on the first.
 */
function nativeProxiedTransport(config: TransportConfig & { proxy: ProxyConfig }): Transport {
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

/**
 * How aiofetch's own client connects for `config`: to its unix socket, or
 * over TCP, with TLS for https. An abort ends a TCP connection still being
 * made; Deno's TLS connection with a client certificate (`connectTls`, as
 * `startTls` takes none) cannot be told to, and is closed once made.
 */
function connector({ tls, socketPath, proxy }: TransportConfig): (origin: string, signal: AbortSignal) => Promise<ByteSocket> {
  if (socketPath !== undefined) return () => deno().connect({ transport: "unix", path: socketPath });
  return async (origin, signal) => {
    const url = new URL(origin);
    const hostname = bareHost(url.hostname);
    const port = Number(url.port || (url.protocol === "http:" ? 80 : 443));
    if (proxy) {
      const { hostname: proxyHost, port: proxyPort } = new URL(proxy.origin);
      const socket = await deno().connect({ hostname: bareHost(proxyHost), port: Number(proxyPort || 80), signal });
      if (url.protocol === "http:") return socket;
      return await settingUp(socket, signal, async () => {
        await tunnelThrough(socket, proxy, url);
        return await secured(deno().startTls(socket, tlsOptions(tls, hostname)));
      });
    }
    if (url.protocol === "http:") return await deno().connect({ hostname, port, signal });
    if (tls?.cert !== undefined && tls.key !== undefined) {
      return await secured(deno().connectTls({ ...tlsOptions(tls, hostname), port, cert: tls.cert, key: tls.key }));
    }
    const socket = await deno().connect({ hostname, port, signal });
    return await settingUp(socket, signal, () => secured(deno().startTls(socket, tlsOptions(tls, hostname))));
  };
}

function tlsOptions(tls: TransportConfig["tls"], hostname: string): TlsOptions {
  return tls?.ca ? { hostname, caCerts: [...tls.ca] } : { hostname };
}

/** The TLS connection once its handshake is over: a certificate refused fails the connection here, not the first read. */
async function secured(connecting: Promise<TlsSocket>): Promise<ByteSocket> {
  const socket = await connecting;
  try {
    await socket.handshake();
  } catch (err) {
    socket.close();
    throw err;
  }
  return socket;
}

/**
 * aiofetch's own HTTP/1.1 client (h1_client.ts) for the hops it can send,
 * Deno's client for the others: Deno's fetch costs more than the request.
 */
function ownClientTransport(config: TransportConfig): Transport {
  const client = new SocketClient({ connect: connector(config), keepAliveTimeout: config.socket?.keepAliveTimeout });
  return socketTransport(client, nativeTransport(clientOptions(config)), DENO_FETCH_HEADERS);
}

/** The transport for `config` on Deno. */
export async function openDenoTransport(config: TransportConfig): Promise<Transport> {
  // Deno's client goes around any proxy for the hosts NO_PROXY lists, and a proxy of aiofetch's serves every host
  // (aiohttp's rule): with the variable set, or unreadable without asking, the proxy goes through npm undici.
  if (config.proxy && native({ ...config, proxy: undefined }) && noProxySet() === false) return proxiedTransport({ ...config, proxy: config.proxy });
  if (!native(config)) return await undiciFetchTransport(config);
  // Deno's own sockets take no local address.
  if (config.socket?.localAddress === undefined) return ownClientTransport(config);
  return nativeTransport(clientOptions(config));
}
