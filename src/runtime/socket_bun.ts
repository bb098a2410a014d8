/**
 * Bun's sockets (`Bun.connect`) as the {@link ByteSocket}s of aiofetch's
 * own HTTP/1.1 client (h1_client.ts): Bun hands data over in callbacks, and
 * the client pulls it, so what comes is queued, the socket paused while a
 * read's worth waits and resumed when it is taken.
 */
import { type ByteSocket, settingUp } from "./h1_client.ts";
import { bareHost, type TlsConfig, type TransportConfig } from "./transport_types.ts";
import { tunnelThrough } from "./tunnel.ts";

/** The members of Bun's socket aiofetch uses. */
interface BunSocket {
  write(data: Uint8Array): number;
  pause(): void;
  resume(): void;
  terminate(): void;
  ref(): void;
  unref(): void;
  upgradeTLS(options: { tls: BunTlsOptions; socket: BunHandlers }): unknown;
}

/** What Bun's socket handlers are given, as aiofetch reads them. */
interface BunHandlers {
  open(socket: BunSocket): void;
  handshake(socket: BunSocket, success: boolean, authorizationError: Error | null): void;
  data(socket: BunSocket, data: Uint8Array): void;
  drain(socket: BunSocket): void;
  end(socket: BunSocket): void;
  close(socket: BunSocket, error?: Error): void;
  error(socket: BunSocket, error: Error): void;
  connectError(socket: BunSocket, error: Error): void;
}

/** Bun's `tls` option, as aiofetch fills it: for `Bun.connect`, a FetchSession and fetch alike. */
export interface BunTlsOptions {
  ca?: string[];
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
  serverName?: string;
}

/** Bun's `tls` option for `tls` (`undefined`: Bun's defaults, which verify). */
export function bunTlsOptions(tls: TlsConfig | undefined): BunTlsOptions {
  const options: BunTlsOptions = { rejectUnauthorized: tls?.verify ?? true };
  if (tls?.ca) options.ca = [...tls.ca];
  if (tls?.cert !== undefined) options.cert = tls.cert;
  if (tls?.key !== undefined) options.key = tls.key;
  if (tls?.serverName !== undefined) options.serverName = tls.serverName;
  return options;
}

type BunConnect = (options: ({ hostname: string; port: number } | { unix: string }) & { tls?: BunTlsOptions; socket: BunHandlers }) => Promise<BunSocket>;

/** How many bytes wait unread before the socket is paused. */
const HIGH_WATER = 64 * 1024;

/** A Bun socket read by pulling (see the module comment). */
class PulledSocket implements ByteSocket {
  readonly #socket: BunSocket;
  #chunks: Uint8Array[] = [];
  #queued = 0;
  #paused = false;
  #ended = false;
  #failure: Error | undefined;
  #wake: (() => void) | undefined;
  #drained: (() => void) | undefined;

  constructor(socket: BunSocket) {
    this.#socket = socket;
  }

  /** Bun's data: a new buffer on each call (Bun 1.4 does not reuse them), kept as it is. */
  push(data: Uint8Array): void {
    this.#chunks.push(data);
    this.#queued += data.length;
    if (this.#queued >= HIGH_WATER && !this.#paused) {
      this.#paused = true;
      this.#socket.pause();
    }
    this.#woken();
  }

  ended(failure?: Error): void {
    this.#ended = true;
    this.#failure ??= failure;
    this.#woken();
    this.#drained?.();
  }

  drained(): void {
    this.#drained?.();
  }

  async read(into: Uint8Array): Promise<number | null> {
    while (!this.#chunks.length && !this.#ended) await new Promise<void>((resolve) => (this.#wake = resolve));
    const chunk = this.#chunks[0];
    if (!chunk) {
      if (this.#failure) throw this.#failure;
      return null;
    }
    const count = Math.min(chunk.length, into.length);
    into.set(count === chunk.length ? chunk : chunk.subarray(0, count));
    if (count === chunk.length) this.#chunks.shift();
    else this.#chunks[0] = chunk.subarray(count);
    this.#queued -= count;
    if (this.#paused && this.#queued < HIGH_WATER) {
      this.#paused = false;
      this.#socket.resume();
    }
    return count;
  }

  write(bytes: Uint8Array): Promise<number> | number {
    const count = this.#ended ? 0 : this.#socket.write(bytes);
    return count > 0 ? count : this.#writeLater(bytes);
  }

  async #writeLater(bytes: Uint8Array): Promise<number> {
    for (;;) {
      if (this.#ended) throw this.#failure ?? Object.assign(new Error("the connection is closed"), { code: "EPIPE" });
      const count = this.#socket.write(bytes);
      if (count > 0) return count;
      // Nothing taken: Bun's buffer is full until it drains.
      await new Promise<void>((resolve) => (this.#drained = resolve));
      this.#drained = undefined;
    }
  }

  close(): void {
    this.#ended = true;
    this.#socket.terminate();
    this.#woken();
  }

  /** Starts TLS on this connection (a tunnel), with `options.socket` the new connection's handlers. */
  upgrade(options: { tls: BunTlsOptions; socket: BunHandlers }): unknown {
    return this.#socket.upgradeTLS(options);
  }

  hold(holding: boolean): void {
    if (holding) this.#socket.ref();
    else this.#socket.unref();
  }

  #woken(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

const IP = /^(?:\d{1,3}(?:\.\d{1,3}){3}|.*:.*)$/;

const closedError = () => Object.assign(new Error("the server closed the connection"), { code: "ECONNRESET" });

/**
 * A connection `start` makes with the handlers it is given (a `Bun.connect`,
 * or TLS started on a socket with `upgradeTLS`), once it is open, or once
 * its TLS is set up when `tls` is given: a certificate refused fails it
 * unless `tls.rejectUnauthorized` is false. `signal` aborts it meanwhile.
 */
function pulled(start: (handlers: BunHandlers) => Promise<unknown> | unknown, tls: BunTlsOptions | undefined, signal: AbortSignal): Promise<PulledSocket> {
  return new Promise<PulledSocket>((resolve, reject) => {
    let socket: PulledSocket | undefined;
    const onAbort = () => {
      reject(signal.reason);
      socket?.close();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    const settled = () => signal.removeEventListener("abort", onAbort);
    const handlers: BunHandlers = {
      open(raw) {
        socket = new PulledSocket(raw);
        if (!tls) resolve(socket), settled();
      },
      handshake(raw, _success, authorizationError) {
        socket ??= new PulledSocket(raw);
        settled();
        if (authorizationError && tls!.rejectUnauthorized) {
          reject(authorizationError);
          socket.close();
        } else resolve(socket);
      },
      data: (_raw, data) => socket?.push(data),
      drain: () => socket?.drained(),
      end: () => socket?.ended(),
      close(_raw, error) {
        settled();
        reject(error ?? closedError());
        // A close after the end is the end: a read gets null, not an error.
        socket?.ended(error);
      },
      error(_raw, error) {
        reject(error);
        socket?.ended(error);
      },
      connectError: (_raw, error) => (settled(), reject(error)),
    };
    Promise.resolve().then(() => start(handlers)).catch((err: Error) => (settled(), reject(err)));
  });
}

/**
 * How aiofetch's own client connects on Bun for `config`: to its unix
 * socket, or over TCP, with TLS for https (the name sent as SNI and
 * verified: `serverName`, or the URL's host name); through a proxy, to it,
 * and for https through a tunnel opened with its own CONNECT.
 */
export function bunConnector({ tls, socketPath, proxy }: TransportConfig): (origin: string, signal: AbortSignal) => Promise<ByteSocket> {
  const connect = (globalThis as unknown as { Bun: { connect: BunConnect } }).Bun.connect;
  return async (origin, signal) => {
    const url = new URL(origin);
    const hostname = bareHost(url.hostname);
    let options: BunTlsOptions | undefined;
    if (url.protocol === "https:") {
      options = bunTlsOptions(tls);
      // SNI names a host, never an address: `serverName`, else the URL's name.
      const name = options.serverName ?? hostname;
      if (IP.test(name)) delete options.serverName;
      else options.serverName = name;
    }
    if (!proxy) {
      const where = socketPath !== undefined ? { unix: socketPath } : { hostname, port: Number(url.port || (options ? 443 : 80)) };
      return await pulled((socket) => connect({ ...where, ...(options ? { tls: options } : {}), socket }), options, signal);
    }
    const { hostname: proxyHost, port: proxyPort } = new URL(proxy.origin);
    const where = { hostname: bareHost(proxyHost), port: Number(proxyPort || 80) };
    const toProxy = await pulled((socket) => connect({ ...where, socket }), undefined, signal);
    if (!options) return toProxy;
    return await settingUp(toProxy, signal, async () => {
      await tunnelThrough(toProxy, proxy, url);
      return await pulled((socket) => toProxy.upgrade({ tls: options, socket }), options, signal);
    });
  };
}
