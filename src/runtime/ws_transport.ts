/**
 * An open `ws` socket behind the small {@link WSTransport} interface that
 * the WebSocket client reads, and the local interfaces of `ws` it uses (so
 * none of `ws`'s types reach aiofetch's public ones).
 */

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
  /** Calls `done` once the data is handed to the system (backpressure), with an error if the connection is gone. */
  send(data: string | Uint8Array, binary: boolean, done: Callback): void;
  ping(data: Uint8Array, done: Callback): void;
  pong(data: Uint8Array, done: Callback): void;
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

export interface NodeSocket {
  ref(): void;
  unref(): void;
}

/** The part of node:http's IncomingMessage read of a handshake's answer. */
export interface IncomingLike {
  readonly statusCode?: number;
  /** Lower-case names; Set-Cookie as an array of its lines. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly rawHeaders: string[];
  /** Empty on Bun. */
  readonly socket: NodeSocket | null;
  on(event: "data", listener: (chunk: Uint8Array) => void): void;
  on(event: "end" | "close", listener: () => void): void;
  on(event: "error", listener: (err: Error) => void): void;
  destroy(): void;
}

/** Called once a write is over, with its error if it failed. */
export type Callback = (err?: Error) => void;

/** The part of `ws`'s WebSocket used here. */
export interface WsSocket {
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
export function socketOf(ws: WsSocket, upgrade: IncomingLike): NodeSocket | undefined {
  const socket = upgrade.socket ?? (ws as { _socket?: NodeSocket | null })._socket;
  return typeof socket?.ref === "function" ? socket : undefined;
}

const BINARY = { binary: true };
const TEXT = { binary: false };

/** Keeps what a socket reports until its listener comes (see {@link WsTransport.listen}). */
function bufferingListener(early: Array<(listener: WSListener) => void>): WSListener {
  return {
    message: (data) => void early.push((listener) => listener.message(data)),
    ping: (data) => void early.push((listener) => listener.ping(data)),
    pong: (data) => void early.push((listener) => listener.pong(data)),
    error: (code, cause) => void early.push((listener) => listener.error(code, cause)),
    close: (code, reason) => void early.push((listener) => listener.close(code, reason)),
  };
}

/** An open `ws` socket behind the {@link WSTransport} interface. */
export class WsTransport implements WSTransport {
  readonly #ws: WsSocket;
  readonly #socket: NodeSocket | undefined;
  /** What came between the upgrade and {@link WsTransport.listen}. */
  readonly #early: Array<(listener: WSListener) => void> = [];
  #listener: WSListener = bufferingListener(this.#early);

  constructor(ws: WsSocket, socket: NodeSocket | undefined) {
    this.#ws = ws;
    this.#socket = socket;
    // Called once per message: no closure is made per event.
    ws.on("message", (data, isBinary) => this.#listener.message(isBinary ? data : String(data)));
    ws.on("ping", (data) => this.#listener.ping(data));
    ws.on("pong", (data) => this.#listener.pong(data));
    ws.on("error", (err) => this.#listener.error(closeCodeOf(err), err));
    ws.on("close", (code, reason) => this.#listener.close(code, String(reason)));
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

  send(data: string | Uint8Array, binary: boolean, done: Callback): void {
    this.#ws.send(data, binary ? BINARY : TEXT, done);
  }

  ping(data: Uint8Array, done: Callback): void {
    this.#ws.ping(data, undefined, done);
  }

  pong(data: Uint8Array, done: Callback): void {
    this.#ws.pong(data, undefined, done);
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
