/**
 * The WebSocket transport: the one file that knows npm `ws`, which does
 * everything aiohttp's client needs on Node 18+, Deno (through its node:http
 * layer) and Bun (whose `import "ws"` is its own built-in copy of the same
 * API). The runtimes' own WebSocket objects cannot: Deno's cannot ping, send
 * a User-Agent or read a refusal's status; Bun's cannot see the handshake
 * response; Node 18 and 20 have none without a flag.
 *
 * `ws` is imported on the first connection only, so a program that opens no
 * WebSocket loads none of it (and, on Deno, needs no `--allow-env` for it).
 * Its types are kept to the small local interfaces below, so none of them
 * reach aiofetch's public types.
 */
import { RuntimePermissionError } from "../errors/permission.ts";
import type { HeaderRecord } from "../headers.ts";

/** What a socket reports once it is open. */
export interface WSListener {
  /** A message: text as a string, binary as bytes. */
  message(data: string | Uint8Array): void;
  ping(data: Uint8Array): void;
  pong(data: Uint8Array): void;
  /** The protocol was broken; `code` is the close code it stands for (1009 too big, 1007 not UTF-8, 1002 otherwise). */
  error(code: number, cause: Error): void;
  /** The connection is gone; `code` is 1006 when no close frame came, 1005 for a close frame without a code. */
  close(code: number, reason: string): void;
}

/** An open WebSocket connection. */
export interface WSTransport {
  /** The subprotocol the server chose; `""` for none. */
  readonly protocol: string;
  /** Bytes queued to be sent. */
  readonly bufferedAmount: number;
  /** Starts reporting to `listener`; what came before it is reported first. */
  listen(listener: WSListener): void;
  /** Resolves once the data is handed to the system (backpressure); rejects if the connection is gone. */
  send(data: string | Uint8Array, binary: boolean): Promise<void>;
  ping(data: Uint8Array): Promise<void>;
  pong(data: Uint8Array): Promise<void>;
  /** Sends a close frame; the connection is dropped after `closeTimeout` if the server does not close it. */
  close(code: number, reason: string): void;
  /** Drops the connection now, without a close frame. */
  terminate(): void;
  /** Stops reading from the connection (the server's sends then wait), until {@link WSTransport.resume}. */
  pause(): void;
  resume(): void;
  /** Whether the open connection keeps the process alive. */
  hold(holding: boolean): void;
}

/** How the server answered the handshake. A network failure rejects instead, with the runtime's error. */
export type Handshake =
  | { readonly kind: "open"; readonly transport: WSTransport; readonly headers: Headers }
  /** A status other than 101 (a redirect or a refusal), with the start of its body. */
  | { readonly kind: "answer"; readonly status: number; readonly headers: Headers; readonly body: Uint8Array }
  /** A 101 that is not a valid upgrade; `reason` is what is wrong with it. */
  | { readonly kind: "invalid"; readonly headers: Headers; readonly reason: string };

/** What one handshake sends and how its socket behaves. */
export interface TransportOptions {
  /** Every header to send but the handshake's own (Sec-WebSocket-*, Upgrade, Connection, Host). */
  readonly headers: HeaderRecord;
  readonly protocols: readonly string[];
  /** The largest message accepted; 0 for no limit. */
  readonly maxPayload: number;
  /** Offer permessage-deflate with this window size; 0 offers none. */
  readonly compress: number;
  /** Answer PINGs by itself. */
  readonly autoPong: boolean;
  /** How long a close waits for the server's close before the connection is dropped; `undefined` for ever. */
  readonly closeTimeout: number | undefined;
  /** Ends the handshake: the socket is dropped and the promise rejects with the signal's reason. */
  readonly signal: AbortSignal;
}

/** The most of a refusal's body kept for its error. */
const REFUSAL_BODY_LIMIT = 64 * 1024;
/** The longest timer there is: "no close timeout" for `ws`, which wants a number. */
const FOREVER = 2 ** 31 - 1;
const DENO_ENV_FLAG = "--allow-env=WS_NO_BUFFER_UTIL,WS_NO_UTF_8_VALIDATE";

interface NodeSocket {
  ref(): void;
  unref(): void;
}

interface IncomingLike {
  readonly statusCode?: number;
  readonly rawHeaders: string[];
  /** Empty on Bun. */
  readonly socket: NodeSocket | null;
  on(event: "data", listener: (chunk: Uint8Array) => void): void;
  on(event: "end" | "close", listener: () => void): void;
  on(event: "error", listener: (err: Error) => void): void;
  destroy(): void;
}

type Callback = (err?: Error) => void;

/** The part of `ws`'s WebSocket used here. */
interface WsSocket {
  readonly protocol: string;
  readonly bufferedAmount: number;
  send(data: string | Uint8Array, options: { binary: boolean }, cb: Callback): void;
  ping(data: Uint8Array, mask: undefined, cb: Callback): void;
  pong(data: Uint8Array, mask: undefined, cb: Callback): void;
  close(code: number, reason: string): void;
  terminate(): void;
  pause(): void;
  resume(): void;
  on(event: "open", listener: () => void): void;
  on(event: "upgrade", listener: (res: IncomingLike) => void): void;
  on(event: "unexpected-response", listener: (req: unknown, res: IncomingLike) => void): void;
  on(event: "message", listener: (data: Uint8Array, isBinary: boolean) => void): void;
  on(event: "ping" | "pong", listener: (data: Uint8Array) => void): void;
  on(event: "error", listener: (err: Error & { code?: string }) => void): void;
  on(event: "close", listener: (code: number, reason: Uint8Array) => void): void;
}

type WsConstructor = new (url: string, protocols: string[], options: Record<string, unknown>) => WsSocket;

let loading: Promise<WsConstructor> | undefined;

/**
 * `ws`'s WebSocket class, imported on first use. On Deno, where `ws` reads
 * two environment variables as it loads, a refused `--allow-env` becomes a
 * {@link RuntimePermissionError} naming the flag.
 */
function loadWs(): Promise<WsConstructor> {
  return (loading ??= import("ws").then(
    (mod) => ((mod as { WebSocket?: unknown }).WebSocket ?? (mod as { default: unknown }).default) as WsConstructor,
    (err: unknown) => {
      loading = undefined;
      throw permissionError(err, DENO_ENV_FLAG) ?? err;
    },
  ));
}

/**
 * A Deno permission error (`NotCapable`, or `PermissionDenied` on older
 * Denos) as a {@link RuntimePermissionError}; `flag` is the flag to name, or
 * the one Deno's message names. `undefined` for any other error.
 */
export function permissionError(err: unknown, flag?: string): RuntimePermissionError | undefined {
  const name = (err as { name?: unknown } | null)?.name;
  if (name !== "NotCapable" && name !== "PermissionDenied") return undefined;
  const message = err instanceof Error ? err.message : String(err);
  const named = flag ?? /--allow-[a-z-]+/.exec(message)?.[0] ?? "--allow-net";
  return new RuntimePermissionError(`WebSocket on Deno needs ${named} (${message})`, named, { cause: err });
}

/** The headers of a node:http message, repeats (Set-Cookie) kept apart. */
function headersOf(res: IncomingLike): Headers {
  const headers = new Headers();
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i]!, raw[i + 1]!);
    } catch {
      // A header fetch's Headers cannot hold is left out, as fetch leaves it out.
    }
  }
  return headers;
}

/** aiohttp's words for what `ws` finds wrong with a 101, its own words after them. */
function invalidReason(message: string): string {
  if (/upgrade header/i.test(message)) return "Invalid upgrade header";
  if (/sec-websocket-accept/i.test(message)) return "Invalid challenge response";
  if (/subprotocol/i.test(message)) return `Invalid subprotocol: ${message}`;
  if (/extension/i.test(message)) return `Invalid extension: ${message}`;
  return `Invalid handshake: ${message}`;
}

/** Reads the start of a refusal's body, then drops the connection. A 1xx, 204 or 304 has no body to wait for. */
function readRefusal(res: IncomingLike, ws: WsSocket): Promise<Uint8Array> {
  const status = res.statusCode ?? 0;
  if (status < 200 || status === 204 || status === 304) {
    ws.terminate();
    return Promise.resolve(new Uint8Array(0));
  }
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      ws.terminate();
      const body = new Uint8Array(size);
      let offset = 0;
      for (const chunk of chunks) {
        body.set(chunk.subarray(0, size - offset), offset);
        offset += chunk.byteLength;
        if (offset >= size) break;
      }
      resolve(body);
    };
    res.on("data", (chunk) => {
      chunks.push(chunk);
      size = Math.min(REFUSAL_BODY_LIMIT, size + chunk.byteLength);
      if (size >= REFUSAL_BODY_LIMIT) res.destroy();
    });
    res.on("end", done);
    res.on("close", done);
    // A connection cut mid-body ends it too ("close"): the refusal keeps what came.
    res.on("error", () => {});
  });
}

/** The close code a `ws` protocol error stands for. */
function closeCodeOf(err: Error & { code?: string }): number {
  if (err.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") return 1009;
  if (err.code === "WS_ERR_INVALID_UTF8") return 1007;
  // ws keeps the code it closed with under a symbol of its own.
  const symbol = Object.getOwnPropertySymbols(err).find((key) => key.description === "status-code");
  const code = symbol && (err as unknown as Record<symbol, unknown>)[symbol];
  return typeof code === "number" ? code : 1002;
}

/**
 * The connection under an open socket: the upgrade response's (public, on
 * Node and Deno); Bun's copy of ws leaves that empty and has it only as
 * ws's own `_socket`. Without either, holding the process is left as it is.
 */
function socketOf(ws: WsSocket, upgrade: IncomingLike): NodeSocket | undefined {
  const socket = upgrade.socket ?? (ws as { _socket?: NodeSocket | null })._socket;
  return typeof socket?.ref === "function" ? socket : undefined;
}

const callback = (resolve: () => void, reject: (err: Error) => void): Callback => (err) => (err ? reject(err) : resolve());

/** An open `ws` socket behind the {@link WSTransport} interface. */
class WsTransport implements WSTransport {
  readonly #ws: WsSocket;
  readonly #socket: NodeSocket | undefined;
  #listener: WSListener | undefined;
  /** What came between the upgrade and {@link WsTransport.listen}. */
  readonly #early: Array<(listener: WSListener) => void> = [];

  constructor(ws: WsSocket, socket: NodeSocket | undefined) {
    this.#ws = ws;
    this.#socket = socket;
    const report = (event: (listener: WSListener) => void) => (this.#listener ? event(this.#listener) : this.#early.push(event));
    ws.on("message", (data, isBinary) => {
      const message = isBinary ? data : String(data);
      report((listener) => listener.message(message));
    });
    ws.on("ping", (data) => report((listener) => listener.ping(data)));
    ws.on("pong", (data) => report((listener) => listener.pong(data)));
    ws.on("error", (err) => report((listener) => listener.error(closeCodeOf(err), err)));
    ws.on("close", (code, reason) => report((listener) => listener.close(code, String(reason))));
  }

  get protocol(): string {
    return this.#ws.protocol;
  }

  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  listen(listener: WSListener): void {
    this.#listener = listener;
    for (const event of this.#early.splice(0)) event(listener);
  }

  send(data: string | Uint8Array, binary: boolean): Promise<void> {
    return new Promise((resolve, reject) => this.#ws.send(data, { binary }, callback(resolve, reject)));
  }

  ping(data: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.#ws.ping(data, undefined, callback(resolve, reject)));
  }

  pong(data: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.#ws.pong(data, undefined, callback(resolve, reject)));
  }

  close(code: number, reason: string): void {
    this.#ws.close(code, reason);
  }

  terminate(): void {
    this.#ws.terminate();
  }

  pause(): void {
    this.#ws.pause();
  }

  resume(): void {
    this.#ws.resume();
  }

  hold(holding: boolean): void {
    if (holding) this.#socket?.ref();
    else this.#socket?.unref();
  }
}

function wsOptions(options: TransportOptions): Record<string, unknown> {
  const { compress } = options;
  return {
    headers: options.headers,
    // aiohttp's compress=15 offers client_max_window_bits without a value, as `true` does here.
    perMessageDeflate: compress ? { clientMaxWindowBits: compress === 15 ? true : compress } : false,
    maxPayload: options.maxPayload,
    autoPong: options.autoPong,
    closeTimeout: options.closeTimeout ?? FOREVER,
    // Redirects are followed by aiofetch, with its own cookie and credential rules.
    followRedirects: false,
  };
}

/**
 * Opens a WebSocket to `url` (ws: or wss:) and resolves with how the server
 * answered. A refused connection or a failed DNS lookup rejects with the
 * runtime's error, for the caller to classify.
 */
export async function openTransport(url: URL, options: TransportOptions): Promise<Handshake> {
  const WebSocket = await loadWs();
  const { signal } = options;
  signal.throwIfAborted();
  const ws = new WebSocket(url.href, [...options.protocols], wsOptions(options));
  return new Promise<Handshake>((resolve, reject) => {
    let upgrade: IncomingLike | undefined;
    let settled = false;
    let answered = false;
    const onAbort = () => {
      ws.terminate();
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    const settle = (outcome: Handshake | Error) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      if (outcome instanceof Error) reject(permissionError(outcome) ?? outcome);
      else resolve(outcome);
    };
    ws.on("upgrade", (res) => (upgrade = res));
    ws.on("open", () => settle({ kind: "open", transport: new WsTransport(ws, socketOf(ws, upgrade!)), headers: headersOf(upgrade!) }));
    ws.on("unexpected-response", (_req, res) => {
      // Dropping the connection after the body makes ws report an error: the answer is what counts.
      answered = true;
      void readRefusal(res, ws).then((body) => settle({ kind: "answer", status: res.statusCode ?? 0, headers: headersOf(res), body }));
    });
    ws.on("error", (err) => {
      if (settled || answered || signal.aborted) return;
      // An error after the 101 arrived is ws refusing it (bad accept key, subprotocol, extension).
      settle(upgrade ? { kind: "invalid", headers: headersOf(upgrade), reason: invalidReason(err.message) } : err);
    });
  });
}
