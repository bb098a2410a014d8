/**
 * The open WebSocket, as aiohttp's `ClientWebSocketResponse`: messages in
 * through `receive()` and async iteration, out through the `send…()`
 * methods, whose promises resolve once the data is handed to the system,
 * and `close()`, bounded by `ClientWSTimeout.wsClose`.
 *
 * The socket keeps the process alive only while something waits on it: a
 * `receive()`, a send not yet flushed, a `close()`. An open socket nobody
 * waits on lets the process exit, as asyncio's loop ends with the program
 * whatever sockets are open.
 */
import { ClientConnectionError } from "../errors/connection.ts";
import { ServerTimeoutError } from "../errors/timeout.ts";
import { WebSocketError } from "../errors/websocket.ts";
import { WSMessageTypeError } from "../errors/ws_message_type.ts";
import { DENO_INSPECT, NODE_INSPECT } from "../runtime/inspect.ts";
import type { WSListener, WSTransport } from "../runtime/websocket.ts";
import type { Callback } from "../runtime/ws_transport.ts";
import { Heartbeat } from "./heartbeat.ts";
import { Inbox } from "./inbox.ts";
import {
  binaryMessage,
  CLOSING_MESSAGE,
  closeMessage,
  endsIteration,
  errorMessage,
  pingPongMessage,
  textMessage,
  typeName,
  type WSMessage,
  WSMsgType,
} from "./message.ts";
import type { WSSettings } from "./options.ts";
import { checkedClose, controlPayload, receiveOptions, sendableBytes, type WSCloseOptions, type WSReceiveJsonOptions, type WSReceiveOptions } from "./calls.ts";

/** What the handshake hands the socket it opened. */
export interface WebSocketInit {
  readonly transport: WSTransport;
  readonly settings: WSSettings;
  /** The URL the socket is open to (after redirects), credentials redacted. */
  readonly url: string;
  /** The window size of the permessage-deflate agreed, 0 for none. */
  readonly compress: number;
  /** The default of `sendJson`'s `dumps`: the session's `jsonSerialize`. */
  readonly jsonSerialize: (value: unknown) => string;
  /** Called once the connection is gone (with the socket): frees its slot and forgets it in the session. */
  readonly onGone: (socket: ClientWebSocketResponse) => void;
}

/** Options of {@link ClientWebSocketResponse.sendJson}. */
export interface WSSendJsonOptions {
  /** Turns the value into text; the session's `jsonSerialize` (`JSON.stringify` by default). */
  dumps?: (value: unknown) => string;
}

const EMPTY = new Uint8Array(0);

/**
 * An open WebSocket connection, made by `session.wsConnect()`.
 *
 * @example
 * ```ts
 * await using ws = await session.wsConnect("wss://example.com/chat");
 * await ws.sendStr("hello");
 * for await (const msg of ws) {
 *   if (msg.type === WSMsgType.TEXT) console.log(msg.data);
 * }
 * ```
 */
export class ClientWebSocketResponse implements AsyncIterable<WSMessage> {
  readonly #transport: WSTransport;
  readonly #settings: WSSettings;
  readonly #url: string;
  /** `GET ws://…`, as every error message starts. */
  readonly #label: string;
  readonly #jsonSerialize: (value: unknown) => string;
  readonly #inbox: Inbox;
  readonly #heartbeat: Heartbeat | undefined;
  readonly #gone: Promise<void>;
  readonly #compress: number;
  #onGone: ((socket: ClientWebSocketResponse) => void) | undefined;
  #closed = false;
  #closedHere = false;
  #closeCode: number | null = null;
  #exception: Error | null = null;
  /** How many wait on the socket now: it holds the process open while this is above 0. */
  #waiting = 0;

  /**
   * Made by `session.wsConnect()`.
   * @ignore
   */
  constructor(init: WebSocketInit) {
    this.#transport = init.transport;
    this.#settings = init.settings;
    this.#url = init.url;
    this.#label = `GET ${init.url}`;
    this.#compress = init.compress;
    this.#jsonSerialize = init.jsonSerialize;
    this.#onGone = init.onGone;
    this.#inbox = new Inbox({
      pause: () => this.#transport.pause(),
      resume: () => this.#transport.resume(),
      hold: () => this.#hold(),
      letGo: () => this.#letGo(),
      timedOut: (ms) => this.#receiveTimedOut(ms),
    });
    const { heartbeat } = init.settings;
    if (heartbeat) {
      this.#heartbeat = new Heartbeat(heartbeat, {
        ping: () => this.#transport.ping(EMPTY, () => {}),
        dead: () => this.#noPong(heartbeat / 2),
        canPing: () => !this.#inbox.paused,
      });
    }
    let gone!: () => void;
    this.#gone = new Promise((resolve) => (gone = resolve));
    this.#transport.hold(false);
    this.#transport.listen(this.#listener(gone));
  }

  /** True once `close()` was called, the server's CLOSE came, or the connection was lost. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The close code: the server's, or 1006 for a connection lost or timed out; `null` while open. */
  get closeCode(): number | null {
    return this.#closeCode;
  }

  /** The subprotocol the server chose among those offered; `null` if none were offered. */
  get protocol(): string | null {
    return this.#transport.protocol || null;
  }

  /** The permessage-deflate window size agreed with the server; 0 when messages are not compressed. */
  get compress(): number {
    return this.#compress;
  }

  /** The error that ended the socket (a heartbeat's `ServerTimeoutError`, a {@link WebSocketError}); `null` if none. */
  exception(): Error | null {
    return this.#exception;
  }

  /**
   * The next message: TEXT, BINARY, PING/PONG (with `autoping: false`), the
   * server's CLOSE, then CLOSED for ever; ERROR when the socket failed.
   * `timeout` (ms, or `{ timeout, signal }`) replaces `ClientWSTimeout.wsReceive`:
   * past it, a `ServerTimeoutError` is thrown and `closeCode` becomes 1006.
   * One reader at a time: a second `receive()` while one waits throws a TypeError.
   */
  receive(options?: WSReceiveOptions | number): Promise<WSMessage> {
    if (options === undefined) return this.#inbox.next(this.#settings.receiveTimeout, undefined);
    try {
      const { timeout, signal } = receiveOptions(options, this.#settings.receiveTimeout, () => `${this.#label}: receive()`);
      return this.#inbox.next(timeout, signal);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** The next message's text; a {@link WSMessageTypeError} if it is not TEXT. */
  async receiveStr(options?: WSReceiveOptions | number): Promise<string> {
    const message = await this.receive(options);
    if (message.type !== WSMsgType.TEXT) throw this.#wrongType(message, "TEXT");
    return message.data;
  }

  /** The next message's bytes; a {@link WSMessageTypeError} if it is not BINARY. */
  async receiveBytes(options?: WSReceiveOptions | number): Promise<Uint8Array> {
    const message = await this.receive(options);
    if (message.type !== WSMsgType.BINARY) throw this.#wrongType(message, "BINARY");
    return message.data;
  }

  /** The next TEXT message parsed with `loads` (`JSON.parse` by default), as aiohttp's `receive_json`; a number is the timeout. */
  async receiveJson(options: WSReceiveJsonOptions | number = {}): Promise<unknown> {
    const { loads = JSON.parse, ...rest } = typeof options === "number" ? { timeout: options } : options;
    return loads(await this.receiveStr(rest));
  }

  /** Sends a TEXT message; resolves once it is handed to the system. */
  sendStr(data: string): Promise<void> {
    if (typeof data !== "string") return Promise.reject(new TypeError(`${this.#label}: sendStr() takes a string, got ${typeof data}`));
    return this.#send(data, false, "sendStr()");
  }

  /** Sends a BINARY message (a Uint8Array, another view or an ArrayBuffer); resolves once it is handed to the system. */
  sendBytes(data: Uint8Array | ArrayBuffer | ArrayBufferView): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = sendableBytes(data, () => `${this.#label}: sendBytes()`);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#send(bytes, true, "sendBytes()");
  }

  /** Sends `value` as a TEXT message of JSON. */
  sendJson(value: unknown, options: WSSendJsonOptions = {}): Promise<void> {
    let text: string;
    try {
      text = (options.dumps ?? this.#jsonSerialize)(value);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.sendStr(text);
  }

  /** Sends a PING (with at most 125 bytes of payload); resolves once it is handed to the system. */
  ping(message: string | Uint8Array = EMPTY): Promise<void> {
    return this.#control("ping()", message, (data, done) => this.#transport.ping(data, done));
  }

  /** Sends a PONG, the answer to a PING received with `autoping: false`. */
  pong(message: string | Uint8Array = EMPTY): Promise<void> {
    return this.#control("pong()", message, (data, done) => this.#transport.pong(data, done));
  }

  /**
   * Closes the socket (`code` 1000 and no message by default) and waits for
   * the server's CLOSE, at most `ClientWSTimeout.wsClose`; past that the
   * connection is dropped and `closeCode` is 1006. Resolves to true if this
   * call closed it, false if it was already closed (aiohttp's rule). A
   * `receive()` waiting meanwhile gets CLOSING.
   */
  async close(options: WSCloseOptions = {}): Promise<boolean> {
    const { code, message } = checkedClose(options, () => `${this.#label}: close()`);
    this.#inbox.wake(CLOSING_MESSAGE);
    if (this.#closed) return false;
    this.#closed = this.#closedHere = true;
    this.#inbox.clear();
    this.#heartbeat?.stop();
    this.#hold();
    try {
      this.#transport.close(code, message);
      // A socket that already failed (a receive timeout) is not waited on: its peer is taken for dead.
      if (this.#closeCode !== null) this.#transport.terminate();
      await this.#gone;
    } finally {
      this.#letGo();
    }
    return true;
  }

  /** The messages, until the server's CLOSE or the socket's end (ERROR messages included), as aiohttp's `async for`. */
  async *[Symbol.asyncIterator](): AsyncGenerator<WSMessage, void, undefined> {
    for (;;) {
      const message = await this.receive();
      if (endsIteration(message)) return;
      yield message;
    }
  }

  /** `<ClientWebSocketResponse(ws://…) [open]>`, `[closing]` or `[closed 1000]`. */
  toString(): string {
    const state = !this.#closed ? "open" : this.#closeCode === null ? "closing" : `closed ${this.#closeCode}`;
    return `<ClientWebSocketResponse(${this.#url}) [${state}]>`;
  }

  /** What `console.log` and `util.inspect` print on Node and Bun. @ignore */
  [NODE_INSPECT](): string {
    return this.toString();
  }

  /** What `console.log` and `Deno.inspect` print on Deno. @ignore */
  [DENO_INSPECT](): string {
    return this.toString();
  }

  /** `await using ws = await session.wsConnect(url)` closes it at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #listener(gone: () => void): WSListener {
    const { autoping } = this.#settings;
    return {
      message: (data) => {
        this.#heartbeat?.alive();
        if (typeof data === "string") this.#inbox.push(textMessage(data), data.length);
        else this.#inbox.push(binaryMessage(data), data.byteLength);
      },
      ping: (data) => {
        this.#heartbeat?.alive();
        if (!autoping) this.#inbox.push(pingPongMessage(WSMsgType.PING, data));
      },
      pong: (data) => {
        this.#heartbeat?.alive();
        if (!autoping) this.#inbox.push(pingPongMessage(WSMsgType.PONG, data));
      },
      error: (code, cause) => this.#fail(new WebSocketError(`${this.#label}: ${cause.message}`, code, { cause }), code),
      close: (code, reason) => {
        this.#heartbeat?.stop();
        // A close frame came (1006 means none did) from a socket that did not fail: the server's code wins.
        const fromServer = code !== 1006 && this.#exception === null;
        // It is a message unless it answers this side's close().
        if (fromServer && !this.#closedHere) this.#inbox.push(closeMessage(code, reason));
        if (fromServer || this.#closeCode === null) this.#closeCode = code;
        this.#closed = true;
        this.#inbox.end();
        this.#onGone?.(this);
        this.#onGone = undefined;
        gone();
      },
    };
  }

  /** The socket failed: ERROR for the reader, then the connection's end. */
  #fail(error: Error, code: number): void {
    if (this.#closed && this.#closeCode !== null) return;
    this.#exception = error;
    this.#closeCode = code;
    this.#closed = true;
    this.#heartbeat?.stop();
    this.#inbox.push(errorMessage(error));
  }

  #noPong(ms: number): void {
    this.#fail(new ServerTimeoutError(`${this.#label}: no PONG received after ${ms} ms (heartbeat)`), 1006);
    this.#transport.terminate();
  }

  #receiveTimedOut(ms: number): Error {
    // As aiohttp: the socket is taken for failed, and close() will not wait on its peer.
    this.#closeCode ??= 1006;
    return new ServerTimeoutError(`${this.#label}: no message received within ${ms} ms (ClientWSTimeout.wsReceive)`);
  }

  #wrongType(message: WSMessage, expected: string): WSMessageTypeError {
    const what = message.type === WSMsgType.CLOSE ? `${message.data}` : message.type === WSMsgType.BINARY ? `${message.data.byteLength} bytes` : "";
    return new WSMessageTypeError(`${this.#label}: received message ${typeName(message.type)}${what ? `:${what}` : ""} is not WSMsgType.${expected}`, message.type);
  }

  #send(data: string | Uint8Array, binary: boolean, method: string): Promise<void> {
    if (this.#closed) return Promise.reject(new ClientConnectionError(`${this.#label}: ${method}: the WebSocket is closed`));
    return this.#flush(method, (done) => this.#transport.send(data, binary, done));
  }

  #control(method: string, message: string | Uint8Array, send: (data: Uint8Array, done: Callback) => void): Promise<void> {
    let data: Uint8Array;
    try {
      data = controlPayload(message, () => `${this.#label}: ${method}`);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.#closed) return Promise.reject(new ClientConnectionError(`${this.#label}: ${method}: the WebSocket is closed`));
    return this.#flush(method, (done) => send(data, done));
  }

  /** Holds the process until `write` is flushed: one promise per send; a failure names the method. */
  #flush(method: string, write: (done: Callback) => void): Promise<void> {
    this.#hold();
    return new Promise((resolve, reject) =>
      write((cause) => {
        this.#letGo();
        if (cause) reject(new ClientConnectionError(`${this.#label}: ${method}: ${cause.message}`, { cause }));
        else resolve();
      })
    );
  }

  #hold(): void {
    if (this.#waiting++ === 0) this.#transport.hold(true);
  }

  #letGo(): void {
    if (--this.#waiting === 0) this.#transport.hold(false);
  }
}
