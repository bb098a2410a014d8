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
import type { TransportConfig, TransportFetch } from "./transport_types.ts";
import { rawDispatcher } from "./undici.ts";
import type { Connector, UndiciAgent, UndiciModule } from "./undici_types.ts";

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

/** The connector options of undici for `config`: TLS as node:tls takes it. */
function connectorOptions({ tls, socketPath }: TransportConfig): Record<string, unknown> {
  if (!tls) return socketPath === undefined ? {} : { socketPath };
  const options: Record<string, unknown> = { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.verify };
  // A resumed TLS session shows no peer certificate, and a pinned one must be seen on every connection.
  if (tls.fingerprint !== undefined) options.maxCachedSessions = 0;
  return options;
}

/** An undici Agent whose connections follow `config`. */
export async function undiciAgent(config: TransportConfig): Promise<UndiciAgent> {
  const undici = await loadUndici();
  const base = undici.buildConnector(connectorOptions(config));
  const { tls } = config;
  const serverName = tls?.serverName;
  const connect: Connector = (options, callback) => {
    // undici would send the URL's host as SNI, and verify against it, before any `servername` of ours.
    base(serverName === undefined ? options : { ...options, servername: serverName }, (err, socket) => {
      if (!socket) return callback(err, socket);
      const mismatch = tls?.fingerprint !== undefined && options.protocol === "https:" ? pinFailure(socket, tls) : undefined;
      if (mismatch) {
        // Closed before a byte of the request is written to it.
        socket.destroy();
        return callback(mismatch, null);
      }
      socket.on("error", keepTlsAlert);
      callback(err, socket);
    });
  };
  return config.proxy ? proxyAgent(undici, config.proxy, connect) : new undici.Agent({ connect });
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
