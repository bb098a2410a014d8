/**
 * Bun's transport (TLS settings, a unix socket, a proxy, an idle timeout):
 * aiofetch's own HTTP/1.1 client (h1_client.ts) over Bun's sockets
 * (socket_bun.ts), since a request through Bun's fetch costs more
 * (bench/README.md). The hops it does not carry (a streamed, form or Blob
 * body) go through Bun's fetch with the same settings: one
 * `Bun.FetchSession` per setting, whose `close()` closes its connections;
 * where Bun has none, fetch's own `tls` member per request (Bun keys its
 * pool by those settings, so a connection made without verification is
 * never reused by a request that asks for it; the connections then close
 * when idle, not with the connector, and after Bun's own idle timeout, not
 * `keepaliveTimeout`). A fingerprint and the socket settings Bun's sockets
 * cannot take (`resolve`, `family`, `localAddr`) go through npm undici's
 * fetch (transport_undici.ts), as does a proxy while the environment sets
 * NO_PROXY (env.ts, `noProxySet`).
 */
import { noProxySet } from "./env.ts";
import { SocketClient } from "./h1_client.ts";
import { bunConnector, bunTlsOptions, type BunTlsOptions } from "./socket_bun.ts";
import { BUN_FETCH_HEADERS, socketTransport } from "./transport_socket.ts";
import { refusing407, type Transport, type TransportConfig, type TransportFetch } from "./transport_types.ts";
import { undiciFetchTransport } from "./transport_undici.ts";

/** The options of a FetchSession and the extra members of a per-request fetch alike. */
interface BunConnection {
  tls?: BunTlsOptions;
  unix?: string;
  proxy?: { url: string; headers: Record<string, string> } | false;
}

interface FetchSession {
  fetch(input: string, init: RequestInit): Promise<Response>;
  close(): void;
}

type FetchSessionClass = new (options: BunConnection) => FetchSession;

function connection(config: TransportConfig): BunConnection {
  const options: BunConnection = {};
  if (config.tls) options.tls = bunTlsOptions(config.tls);
  if (config.socketPath !== undefined) options.unix = config.socketPath;
  const { proxy } = config;
  if (proxy) {
    const headers = { ...proxy.headers };
    if (proxy.authorization !== undefined) headers["proxy-authorization"] = proxy.authorization;
    options.proxy = { url: proxy.origin, headers };
  } else {
    // Not the environment's proxy: aiofetch picks proxies itself (connector/env_proxy.ts).
    options.proxy = false;
  }
  return options;
}

/** The transport for `config` on Bun. */
export function openBunTransport(config: TransportConfig): Promise<Transport> {
  const { socket } = config;
  // Bun calls tls.checkServerIdentity only for a chain it verified, so a pin without verification goes through npm undici;
  // so do the socket settings Bun's sockets have no way to take (a resolver, a family, a local address).
  // And a proxy while NO_PROXY is set: Bun's fetch would go around it for the hosts listed, where a proxy of aiofetch's
  // serves every host (aiohttp's rule).
  if (config.tls?.fingerprint !== undefined || socket?.resolve || socket?.family || socket?.localAddress !== undefined || (config.proxy && noProxySet())) {
    return undiciFetchTransport(config);
  }
  const native = bunFetchTransport({ ...config, socket: undefined });
  // aiofetch's own HTTP/1.1 client, since a request through Bun's fetch costs more; Bun's fetch for the hops it does not carry.
  const client = new SocketClient({ connect: bunConnector(config), keepAliveTimeout: socket?.keepAliveTimeout, proxy: config.proxy });
  const transport = socketTransport(client, native, BUN_FETCH_HEADERS);
  return Promise.resolve(config.proxy ? { ...transport, fetch: refusing407(transport.fetch) } : transport);
}

/** Bun's own fetch for `config`: a FetchSession, or fetch's own members where Bun has none. */
function bunFetchTransport(config: TransportConfig): Transport {
  const options = connection(config);
  const Session = (globalThis as unknown as { Bun: { FetchSession?: FetchSessionClass } }).Bun.FetchSession;
  const refusals = config.proxy ? refusing407 : (send: TransportFetch) => send;
  if (typeof Session === "function") {
    const session = new Session(options);
    return {
      // The hop's `proxy: false` (runtime/hop_init.ts) is for the global fetch; the session's own proxy setting holds here.
      fetch: refusals((url, { proxy: _, ...init }: RequestInit & { proxy?: unknown }) => session.fetch(url.href, init)),
      close: () => Promise.resolve(session.close()),
    };
  }
  return {
    fetch: refusals((url, init) => globalThis.fetch(url.href, { ...init, ...options } as RequestInit)),
    close: () => Promise.resolve(),
  };
}
