/**
 * What npm undici 6 brings: an `Agent` whose connector takes TLS settings
 * or a unix socket path, and goes through a proxy (transport_proxy.ts). Node sends through it with its global fetch (a
 * `dispatcher`); Deno and Bun, for what their own fetch cannot do, with
 * undici's fetch. undici 6 is the line that still runs on Node 18 (7 needs
 * Node 20.18, 8 Node 22). It is imported as "undici/index.js": Bun maps the
 * bare "undici" to a built-in stub whose Agent does nothing.
 */
import type { Socket } from "node:net";
import { pinFailure } from "./pin.ts";
import { proxyAgent } from "./transport_proxy.ts";
import { resolvedAddresses, type SocketConfig, type TransportConfig, type TransportFetch } from "./transport_types.ts";
import { rawDispatcher } from "./undici.ts";
import type { AgentOptions, ConnectOptions, Connector, UndiciAgent, UndiciModule } from "./undici_types.ts";

let loaded: Promise<UndiciModule> | undefined;

/** npm undici, imported on first use. */
export function loadUndici(): Promise<UndiciModule> {
  return (loaded ??= import("undici/index.js") as unknown as Promise<UndiciModule>);
}

/**
 * undici reads the end of a socket that failed with a TLS alert (the server
 * refusing the client certificate, which TLS 1.3 reports after the
 * handshake) as "other side closed", which hides the alert. Destroying the
 * socket on the alert's error keeps that error as the one reported.
 */
function keepTlsAlert(this: Socket, err: Error & { code?: unknown }): void {
  if (typeof err.code === "string" && err.code.startsWith("ERR_SSL_")) this.destroy();
}

/** The connector options of undici for `config`: TLS as node:tls takes it, the address family. */
function connectorOptions({ tls, socketPath, socket }: TransportConfig): Record<string, unknown> {
  const options: Record<string, unknown> = socketPath === undefined ? {} : { socketPath };
  // Read by net.connect for the names the system resolves.
  if (socket?.family) options.family = socket.family;
  if (!tls) return options;
  Object.assign(options, { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.verify });
  // A resumed TLS session shows no peer certificate, and a pinned one must be seen on every connection.
  if (tls.fingerprint !== undefined) options.maxCachedSessions = 0;
  return options;
}

/**
 * `connect` with the connector's socket settings: its local address, and
 * its own resolver. A resolved name is connected to by address, the first
 * that answers; SNI and the certificate check keep the name, which undici
 * takes from `host`.
 */
function withSocket(connect: Connector, socket: SocketConfig | undefined): Connector {
  if (!socket) return connect;
  const { localAddress } = socket;
  const local = (options: ConnectOptions) => (localAddress === undefined ? options : { ...options, localAddress });
  if (!socket.resolve) return (options, callback) => connect(local(options), callback);
  return (options, callback) => {
    const port = Number(options.port) || (options.protocol === "https:" ? 443 : 80);
    resolvedAddresses(socket, options.hostname, port).then((addresses) => {
      if (addresses === undefined) return connect(local(options), callback);
      const attempt = (index: number) => {
        connect(local({ ...options, hostname: addresses[index]!.address }), (err, connected) => {
          if (connected || index + 1 >= addresses.length) return callback(err, connected);
          attempt(index + 1);
        });
      };
      attempt(0);
    }, (err: Error) => callback(err, null));
  };
}

/** The Agent options of `socket`: how long idle connections live, how many per origin. */
function agentOptions(socket: SocketConfig | undefined, perOrigin: boolean): AgentOptions {
  const options: AgentOptions = {};
  if (socket?.keepAliveTimeout !== undefined) {
    // Both: a server's Keep-Alive: timeout=… would otherwise win over keepAliveTimeout.
    options.keepAliveTimeout = options.keepAliveMaxTimeout = socket.keepAliveTimeout;
  }
  if (perOrigin && socket?.connectionsPerOrigin) options.connections = socket.connectionsPerOrigin;
  return options;
}

/** An undici Agent whose connections follow `config`. */
export async function undiciAgent(config: TransportConfig): Promise<UndiciAgent> {
  const undici = await loadUndici();
  const base = undici.buildConnector(connectorOptions(config));
  const { tls, socket } = config;
  const serverName = tls?.serverName;
  const connect: Connector = (options, callback) => {
    // undici would send the URL's host as SNI, and verify against it, before any `servername` of ours.
    base(serverName === undefined ? options : { ...options, servername: serverName }, (err, connected) => {
      if (!connected) return callback(err, connected);
      const mismatch = tls?.fingerprint !== undefined && options.protocol === "https:" ? pinFailure(connected, tls) : undefined;
      if (mismatch) {
        // Closed before a byte of the request is written to it.
        connected.destroy();
        return callback(mismatch, null);
      }
      connected.on("error", keepTlsAlert);
      callback(err, connected);
    });
  };
  if (config.proxy) return proxyAgent(undici, config.proxy, { tls: connect, toProxy: withSocket(undici.buildConnector(connectorOptions({ tls: undefined, socket })), socket), agent: (perOrigin) => agentOptions(socket, perOrigin) });
  return new undici.Agent({ connect: withSocket(connect, socket), ...agentOptions(socket, true) });
}

/**
 * A transport on undici's own fetch, for Deno and Bun: its Response is
 * undici's class, so the body is handed over in the runtime's own. Bodies
 * come as sent (undici.ts), as aiofetch decodes them itself.
 */
export async function undiciFetchTransport(config: TransportConfig): Promise<{ fetch: TransportFetch; close(): Promise<void> }> {
  const undici = await loadUndici();
  const agent = await undiciAgent(config);
  const dispatcher = rawDispatcher(agent);
  return {
    fetch: async (url, init) => {
      const response = await undici.fetch(url.href, { ...init, dispatcher });
      return new Response(response.body, { status: response.status, statusText: response.statusText, headers: response.headers });
    },
    close: () => agent.close(),
  };
}
