/**
 * The connection under a WebSocket whose session asks for more than `ws`'s
 * own way of connecting: TLS settings, an HTTP proxy, a unix socket. It is
 * opened here with node:net and node:tls, which Node 18+, Deno and Bun all
 * have with the same options, made ready (the tunnel answered, the TLS
 * handshake done, a pinned certificate checked before a byte of the
 * WebSocket handshake is written), and handed to `ws` as its
 * `createConnection`, which npm `ws` and Bun's built-in copy both take.
 *
 * Through a proxy, a ws: URL goes through a CONNECT tunnel as a wss: one
 * does. aiohttp forwards a ws: handshake to the proxy in absolute form
 * instead; a tunnel reaches the origin through any proxy that allows
 * CONNECT, whether or not it passes an Upgrade on, and keeps the
 * Proxy-Authorization on the CONNECT, out of the origin's sight.
 *
 * Imported on the first such connection only (runtime/websocket.ts).
 */
import type { Socket } from "node:net";
import type { ConnectionOptions } from "node:tls";
import { pinFailure } from "./pin.ts";
import { decrypted } from "./transport.ts";
import { bareHost, type ProxyConfig, resolvedAddresses, type SocketConfig, type TlsConfig, type TransportConfig } from "./transport_types.ts";
import { answer, connectHead } from "./tunnel.ts";

// Imported when this module loads rather than declared as static imports: the npm build is one bundle, which hoists
// a builtin's static import to load with aiofetch itself, while this module loads on first need only.
const [net, tls] = await Promise.all([import("node:net"), import("node:tls")]);

/** Resolves once `socket` is connected (`connect`) or its TLS handshake is done (`secureConnect`). */
function ready(socket: Socket, event: "connect" | "secureConnect"): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      socket.off(event, onReady);
      reject(err);
    };
    const onReady = () => {
      socket.off("error", onError);
      resolve();
    };
    socket.once(event, onReady).once("error", onError);
  });
}

/** A connection aiofetch opened, ready for the WebSocket handshake. */
export interface OwnConnection {
  readonly socket: Socket;
  /**
   * The first error the connection reports once it is handed over: `ws`
   * listens only once its request takes the socket, and Deno reports a TLS
   * alert (a client certificate refused) just after the handshake ends.
   */
  readonly failed: Promise<Error>;
}

/**
 * A TCP connection to `host`:`port` with the connector's socket settings:
 * its resolver's addresses tried in order, its address family, its local
 * address.
 */
async function connectTcp(host: string, port: number, settings: SocketConfig | undefined, track: (socket: Socket) => Socket): Promise<Socket> {
  const local = settings?.localAddress === undefined ? {} : { localAddress: settings.localAddress };
  const addresses = await resolvedAddresses(settings, host, port);
  if (addresses === undefined) {
    const socket = track(net.connect({ host, port, ...local, ...(settings?.family ? { family: settings.family } : {}) }));
    await ready(socket, "connect");
    return socket;
  }
  for (let index = 0; ; index++) {
    const socket = track(net.connect({ host: addresses[index]!.address, port, ...local }));
    try {
      await ready(socket, "connect");
      return socket;
    } catch (err) {
      socket.destroy();
      if (index + 1 >= addresses.length) throw err;
    }
  }
}

/** A connection to the proxy, through which a CONNECT tunnel to `url`'s origin is open. */
async function tunnel(proxy: ProxyConfig, url: URL, hostname: string, settings: SocketConfig | undefined, track: (socket: Socket) => Socket): Promise<Socket> {
  const at = new URL(proxy.origin);
  const socket = await connectTcp(bareHost(at.hostname), Number(at.port) || 80, settings, track);
  socket.write(connectHead(proxy, { hostname, port: url.port, protocol: url.protocol }));
  await answer(socket);
  return socket;
}

/** node:tls's options for `settings` (`undefined`: the runtime's defaults, which verify). */
function tlsOptions(settings: TlsConfig | undefined, hostname: string): ConnectionOptions {
  // SNI names a host, never an address (Node warns about one); the certificate is verified against `host` then.
  const servername = settings?.serverName ?? (net.isIP(hostname) ? undefined : hostname);
  if (!settings) return { host: hostname, servername };
  const { ca, cert, key, verify } = settings;
  return { host: hostname, servername, ca: ca && [...ca], cert, key, rejectUnauthorized: verify };
}

/**
 * Opens the connection `config` asks for to `url`'s origin (ws: or wss:)
 * and resolves once the WebSocket handshake can be written on it;
 * `undefined` when `ws`'s own connection is what `config` asks for (a ws:
 * URL, with TLS settings only). Through a proxy, the socket settings apply
 * to the connection to the proxy, as for requests. A failure rejects with the runtime's error
 * (or aiofetch's ProxyRefusal, PeerFingerprintMismatch, TlsSetupError), for
 * the caller to classify; `signal` destroys the connection and rejects with
 * its reason.
 */
export async function openConnection(url: URL, config: TransportConfig, signal: AbortSignal): Promise<OwnConnection | undefined> {
  const secure = url.protocol === "wss:";
  const settings = secure && config.tls ? await decrypted(config.tls) : undefined;
  const hostname = bareHost(url.hostname);
  const opened: Socket[] = [];
  let fail!: (err: Error) => void;
  const failed = new Promise<Error>((resolve) => (fail = resolve));
  // Listened to from the start, so that no error of these sockets is ever thrown.
  const track = (socket: Socket) => (opened.push(socket), socket.on("error", (err) => fail(err)));
  // Destroyed with an error, so that whatever waits on the socket hears of it.
  const onAbort = () => opened.forEach((socket) => socket.destroy(new Error("aborted")));
  signal.throwIfAborted();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    let socket: Socket | undefined;
    if (config.socketPath !== undefined) {
      socket = track(net.connect({ path: config.socketPath }));
      await ready(socket, "connect");
    } else if (config.proxy) {
      socket = await tunnel(config.proxy, url, hostname, config.socket, track);
    } else if (config.socket) {
      socket = await connectTcp(hostname, Number(url.port) || (secure ? 443 : 80), config.socket, track);
    }
    if (secure) {
      const under = socket;
      socket = track(tls.connect({ ...tlsOptions(settings, hostname), ...(under ? { socket: under } : { port: Number(url.port) || 443 }) }));
      // The tunnel goes with the TLS connection over it.
      if (under) socket.once("close", () => under.destroy());
      await ready(socket, "secureConnect");
      const mismatch = settings?.fingerprint !== undefined ? pinFailure(socket, settings) : undefined;
      if (mismatch) throw mismatch;
    }
    return socket && { socket, failed };
  } catch (err) {
    for (const socket of opened) socket.destroy();
    throw signal.aborted ? signal.reason : err;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
