/**
 * An HTTP/1.1 client over the runtime's own sockets, for the transports of
 * runtimes whose fetch costs more than the request (Deno and Bun: a request
 * through it took 0.5-0.9x of fetch's time, bench/README.md). It is an undici-style
 * dispatcher (`dispatch(options, handler)`), so a hop goes through it as it
 * goes through undici's on Node (transport_dispatch.ts): the same handler,
 * the same Response and held body. Keep-alive connections are pooled per
 * origin; one request at a time on each (no pipelining).
 *
 * A reused connection the server had already closed fails before any byte
 * of the answer: a request of an idempotent method is then sent once more
 * on a new connection, as browsers and aiohttp do; any other fails as the
 * server's disconnection. An idle connection is dropped after the
 * connector's `keepaliveTimeout` (aiohttp's default, 15 s), or a second
 * before the server's own Keep-Alive timeout if it says an earlier one.
 */
import { concatBytes } from "../streams.ts";
import { startTimer, stopTimer, type TimerHandle } from "./timers.ts";
import { ChunkedReader, type Framing, headBytes, headEnd, HttpParseError, MAX_HEAD, parseHead, requestHead, type ResponseHead } from "./h1_wire.ts";
import type { ProxyConfig } from "./transport_types.ts";
import type { DispatchHandler, Dispatcher } from "./undici.ts";

/** A connected byte stream, as `Deno.Conn` is one. */
export interface ByteSocket {
  /** Reads into `into`; the count read, or null at the end. */
  read(into: Uint8Array): Promise<number | null>;
  /** Writes some of `bytes`; the count written, at once where the socket took them at once (Bun's). */
  write(bytes: Uint8Array): Promise<number> | number;
  close(): void;
  /**
   * Whether the connection holds the process open (Bun's sockets do until
   * told not to); absent where an idle connection never does (Deno's hold
   * it only while a read waits).
   */
  hold?(holding: boolean): void;
}

/**
 * `steps` on a connection just made (a tunnel, TLS): the connection closed
 * if they fail, or when `signal` aborts them, so that nothing waits on it.
 */
export async function settingUp(socket: ByteSocket, signal: AbortSignal, steps: () => Promise<ByteSocket>): Promise<ByteSocket> {
  const close = () => {
    try {
      socket.close();
    } catch {
      // Closed already, or taken over by the TLS connection (Deno's), which the failed step closed.
    }
  };
  signal.addEventListener("abort", close, { once: true });
  try {
    return await steps();
  } catch (err) {
    close();
    throw err;
  } finally {
    signal.removeEventListener("abort", close);
  }
}

/** What a {@link SocketClient} is made with. */
export interface SocketClientOptions {
  /** Opens a connection for `origin` (`http://host:port`, `https://host:port`); `signal` aborts it while it is made. */
  readonly connect: (origin: string, signal: AbortSignal) => Promise<ByteSocket>;
  /** How long an idle connection is kept, in ms. */
  readonly keepAliveTimeout: number | undefined;
  /**
   * The proxy `connect` goes through: http targets are then sent to it in
   * absolute form, with its headers and credentials; https ones go through
   * the tunnel `connect` opens, with neither.
   */
  readonly proxy?: ProxyConfig;
}

/** The request a hop hands the client: undici's dispatch options, as transport_dispatch.ts makes them. */
interface SocketRequest {
  readonly origin: string;
  readonly path: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array | null;
}

/** aiohttp's `keepalive_timeout` default. */
const KEEP_ALIVE = 15_000;
/** How much sooner than the server says an idle connection is dropped: its close may be on the way. */
const KEEP_ALIVE_MARGIN = 1000;
const READ_SIZE = 64 * 1024;
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);

/** The connection ended before the answer did: read as a disconnection (network_errors.ts). */
function closedEarly(what: string): Error {
  return Object.assign(new Error(`the server closed the connection ${what}`), { code: "ECONNRESET" });
}

/** One connection and what has been read from it but not yet taken. */
class Connection {
  readonly socket: ByteSocket;
  buffer = new Uint8Array(READ_SIZE);
  start = 0;
  end = 0;
  /** Served an earlier request: the server may have closed it while it was idle. */
  reused = false;
  /** Bytes arrived during the current request. */
  answered = false;
  dead = false;
  /** When it may no longer be reused (performance.now()), while it is idle. */
  expires = 0;
  /** Wakes a body paused for its reader; rejects it when the connection dies. */
  waiting: { resolve(): void; reject(err: unknown): void } | undefined;

  constructor(socket: ByteSocket) {
    this.socket = socket;
  }

  /** Reads more after what is buffered; false at the connection's end. */
  async fill(): Promise<boolean> {
    if (this.start === this.end) this.start = this.end = 0;
    else if (this.end === this.buffer.length) this.#make(this.end - this.start);
    // The buffer itself where a read starts it, the usual case: a view of it is one more object per read.
    const count = await this.socket.read(this.end === 0 ? this.buffer : this.buffer.subarray(this.end));
    if (count === null) return false;
    this.end += count;
    this.answered = true;
    return true;
  }

  /** Writes all of `bytes`; undefined when they were taken at once, with no wait. */
  writeAll(bytes: Uint8Array): Promise<void> | undefined {
    const count = this.socket.write(bytes);
    if (typeof count === "number" && count === bytes.length) return undefined;
    return this.#writeRest(bytes, count);
  }

  async #writeRest(bytes: Uint8Array, first: Promise<number> | number): Promise<void> {
    for (let at = await first; at < bytes.length;) at += await this.socket.write(bytes.subarray(at));
  }

  destroy(reason?: unknown): void {
    if (this.dead) return;
    this.dead = true;
    this.waiting?.reject(reason ?? closedEarly("during the response"));
    try {
      this.socket.close();
    } catch {
      // Closed already.
    }
  }

  /** Room for `kept` bytes and a read after them: the unread ones moved to the front, the buffer grown if need be. */
  #make(kept: number): void {
    if (kept * 2 > this.buffer.length) {
      const grown = new Uint8Array(this.buffer.length * 2);
      grown.set(this.buffer.subarray(this.start, this.end));
      this.buffer = grown;
    } else {
      this.buffer.copyWithin(0, this.start, this.end);
    }
    this.start = 0;
    this.end = kept;
  }
}

/** The head of the answer on `connection` to a `method` request, informational answers skipped. */
async function readHead(connection: Connection, method: string): Promise<ResponseHead> {
  for (;;) {
    let at: number;
    while ((at = headEnd(connection.buffer, connection.start, connection.end)) < 0) {
      if (connection.end - connection.start > MAX_HEAD) throw new HttpParseError(`the server's response head is over ${MAX_HEAD} bytes`);
      if (!(await connection.fill())) throw closedEarly(connection.answered ? "during the response head" : "without answering");
    }
    const head = parseHead(connection.buffer.subarray(connection.start, at), method);
    connection.start = at + 4;
    // 100 Continue, 103 Early Hints: the answer is still to come. A 101 ends the exchange (no upgrade here).
    if (head.status >= 200 || head.status === 101) return head;
  }
}

/** The body of `framing` from `connection`, each part handed to `deliver`, which waits while the reader is behind. */
async function readBody(connection: Connection, framing: Framing, deliver: (chunk: Uint8Array) => Promise<void> | undefined): Promise<void> {
  if (framing.kind === "length") {
    for (let left = framing.length; left > 0;) {
      if (connection.start === connection.end && !(await connection.fill())) throw closedEarly(`with ${left} bytes of the body still to come`);
      const take = Math.min(left, connection.end - connection.start);
      const chunk = connection.buffer.slice(connection.start, connection.start + take);
      connection.start += take;
      left -= take;
      const wait = deliver(chunk);
      if (wait) await wait;
    }
  } else if (framing.kind === "chunked") {
    const reader = new ChunkedReader();
    for (;;) {
      const { data, at } = reader.read(connection.buffer, connection.start, connection.end);
      const chunk = data.length === 1 ? data[0]!.slice() : data.length ? joined(data) : undefined;
      connection.start = at;
      const wait = chunk?.length ? deliver(chunk) : undefined;
      if (wait) await wait;
      if (reader.done) return;
      if (!(await connection.fill())) throw closedEarly("before the chunked body's last chunk");
    }
  } else if (framing.kind === "close") {
    do {
      if (connection.start < connection.end) {
        const chunk = connection.buffer.slice(connection.start, connection.end);
        connection.start = connection.end;
        const wait = deliver(chunk);
        if (wait) await wait;
      }
    } while (await connection.fill());
  }
}

function joined(parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts, parts.reduce((sum, part) => sum + part.length, 0));
}

/** An HTTP/1.1 dispatcher over {@link ByteSocket}s (see the module comment). */
export class SocketClient implements Dispatcher {
  readonly #options: SocketClientOptions;
  readonly #idle = new Map<string, Connection[]>();
  /** Closes the idle connections that expired; one timer for them all, not one per request. */
  #sweeper: TimerHandle | undefined;
  #closed = false;

  /** What an http target's requests carry for the proxy. */
  readonly #proxyHeaders: Readonly<Record<string, string>>;

  constructor(options: SocketClientOptions) {
    this.#options = options;
    const proxy = options.proxy;
    this.#proxyHeaders = proxy?.authorization === undefined ? { ...proxy?.headers } : { ...proxy.headers, "proxy-authorization": proxy.authorization };
  }

  /** Whether requests to `origin` go to the proxy as they are (absolute form), not through a tunnel. */
  #forwards(origin: string): boolean {
    return this.#options.proxy !== undefined && origin.startsWith("http:");
  }

  dispatch(options: object, handler: DispatchHandler): boolean {
    void this.#send(options as SocketRequest, handler);
    return true;
  }

  /** Closes the idle connections, and each busy one when its response is over. */
  close(): Promise<void> {
    this.#closed = true;
    stopTimer(this.#sweeper);
    for (const list of this.#idle.values()) for (const connection of list) connection.destroy();
    this.#idle.clear();
    return Promise.resolve();
  }

  async #send(request: SocketRequest, handler: DispatchHandler): Promise<void> {
    let connection: Connection | undefined;
    let aborted: { reason: unknown } | undefined;
    // Made only for a new connection: a kept one needs none.
    let connecting: AbortController | undefined;
    handler.onConnect?.((reason) => {
      aborted = { reason };
      connecting?.abort(reason);
      connection?.destroy(reason);
    });
    let bytes: Uint8Array;
    try {
      bytes = this.#requestBytes(request);
    } catch (err) {
      handler.onError?.(err);
      return;
    }
    for (let attempt = 0; !aborted; attempt++) {
      let started = false;
      try {
        // Sent again: on a new connection, as the other kept ones may be as stale as the first.
        const kept = attempt === 0 ? this.#take(request.origin) : undefined;
        connection = kept ?? new Connection(await this.#options.connect(request.origin, (connecting = new AbortController()).signal));
        if (aborted) return connection.destroy();
        connection.answered = false;
        const writing = connection.writeAll(bytes);
        if (writing) await writing;
        const response = await readHead(connection, request.method);
        started = true;
        await this.#answer(connection, request, response, handler);
        return;
      } catch (err) {
        connection?.destroy();
        if (aborted) return;
        // A reused connection closed while idle: nothing of this request reached the server's answer.
        const stale = connection?.reused && !connection.answered && !started && attempt === 0 && IDEMPOTENT.has(request.method) && !(err instanceof HttpParseError);
        if (stale) continue;
        handler.onError?.(err);
        return;
      }
    }
  }

  /** The request's head and body, as written: to a proxy in absolute form, with its headers and credentials. */
  #requestBytes(request: SocketRequest): Uint8Array {
    // An origin is scheme://host[:port], its port only if not the scheme's own: what Host is.
    const host = request.origin.slice(request.origin.indexOf("//") + 2);
    const head = this.#forwards(request.origin)
      ? requestHead(request.method, request.origin + request.path, host, { ...request.headers, ...this.#proxyHeaders })
      : requestHead(request.method, request.path, host, request.headers);
    return request.body?.length ? joined([headBytes(head), request.body]) : headBytes(head);
  }

  /** Hands `head` and the body after it to `handler`, then keeps the connection or ends it. */
  async #answer(connection: Connection, request: SocketRequest, head: ResponseHead, handler: DispatchHandler): Promise<void> {
    let paused = false;
    const resume = () => {
      paused = false;
      const waiting = connection.waiting;
      connection.waiting = undefined;
      waiting?.resolve();
    };
    handler.onHeaders?.(head.status, head.headers, resume, head.statusText);
    await readBody(connection, head.framing, (chunk) => {
      if (handler.onData?.(chunk) !== false) return undefined;
      paused = true;
      return new Promise<void>((resolve, reject) => {
        if (!paused) resolve();
        else connection.waiting = { resolve, reject };
      });
    });
    handler.onComplete?.(null);
    // Bytes past the answer, asked for or not, would be read as the next one's: the connection is not kept.
    const keep = !head.closes && head.framing.kind !== "close" && head.status !== 101 && connection.start === connection.end &&
      request.headers.connection?.toLowerCase() !== "close";
    if (keep) this.#keep(request.origin, connection, head.keepAliveMs);
    else connection.destroy();
  }

  /** An idle connection to `origin` that has not expired, the most recently used first. */
  #take(origin: string): Connection | undefined {
    const list = this.#idle.get(origin);
    if (!list?.length) return undefined;
    const now = performance.now();
    for (let connection = list.pop(); connection; connection = list.pop()) {
      if (connection.expires <= now) {
        connection.destroy();
        continue;
      }
      connection.socket.hold?.(true);
      return connection;
    }
    return undefined;
  }

  #keep(origin: string, connection: Connection, serverMs: number | undefined): void {
    if (this.#closed || connection.dead) return connection.destroy();
    const mine = this.#options.keepAliveTimeout ?? KEEP_ALIVE;
    const ms = serverMs === undefined ? mine : Math.min(mine, serverMs - KEEP_ALIVE_MARGIN);
    if (ms <= 0) return connection.destroy();
    connection.reused = true;
    connection.expires = performance.now() + ms;
    // An idle connection lets the process exit.
    connection.socket.hold?.(false);
    let list = this.#idle.get(origin);
    if (!list) this.#idle.set(origin, list = []);
    list.push(connection);
    this.#sweeper ??= startTimer(() => this.#sweep(), ms);
  }

  /** Closes the expired idle connections, and comes back for the next to expire while any is left. */
  #sweep(): void {
    this.#sweeper = undefined;
    const now = performance.now();
    let next = Infinity;
    for (const [origin, list] of this.#idle) {
      const kept = list.filter((connection) => connection.expires > now || void connection.destroy());
      if (kept.length) this.#idle.set(origin, kept);
      else this.#idle.delete(origin);
      for (const connection of kept) next = Math.min(next, connection.expires);
    }
    if (next !== Infinity) this.#sweeper = startTimer(() => this.#sweep(), Math.max(1, next - now));
  }
}
