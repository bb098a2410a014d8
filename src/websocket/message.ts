/**
 * What a WebSocket receives, as aiohttp's `WSMessage(type, data, extra)`: a
 * discriminated union on `type`, so that checking `msg.type` narrows `data`.
 */

/**
 * The message types, aiohttp's `WSMsgType` with its values: the frame
 * opcodes, and aiohttp's own CLOSING, CLOSED and ERROR.
 *
 * @example
 * ```ts
 * for await (const msg of ws) {
 *   if (msg.type === WSMsgType.TEXT) console.log(msg.data.toUpperCase()); // data: string
 *   else if (msg.type === WSMsgType.ERROR) console.error(msg.data);       // data: Error
 * }
 * ```
 */
export const WSMsgType = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  PING: 0x9,
  PONG: 0xa,
  CLOSE: 0x8,
  CLOSING: 0x100,
  CLOSED: 0x101,
  ERROR: 0x102,
} as const;

/** One of the {@link WSMsgType} values. */
export type WSMsgType = (typeof WSMsgType)[keyof typeof WSMsgType];

/**
 * The close codes of RFC 6455 and the IANA registry, aiohttp's `WSCloseCode`.
 *
 * @example
 * ```ts
 * await ws.close({ code: WSCloseCode.GOING_AWAY, message: "shutting down" });
 * ```
 */
export const WSCloseCode = {
  OK: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  ABNORMAL_CLOSURE: 1006,
  INVALID_TEXT: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  MANDATORY_EXTENSION: 1010,
  INTERNAL_ERROR: 1011,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
  BAD_GATEWAY: 1014,
} as const;

/** A text message; `json()` parses `data`. */
export interface WSTextMessage {
  /** Which message this is: a {@link WSMsgType} value. */
  readonly type: typeof WSMsgType.TEXT;
  /** The text. */
  readonly data: string;
  /** Nothing: aiohttp's `extra` is used by CLOSE only. */
  readonly extra: undefined;
  /** `data` parsed as JSON, with `loads` (`JSON.parse` by default). */
  json(loads?: (text: string) => unknown): unknown;
}

/** A binary message; `json()` parses `data` as UTF-8 JSON. */
export interface WSBinaryMessage {
  /** Which message this is: a {@link WSMsgType} value. */
  readonly type: typeof WSMsgType.BINARY;
  /** The bytes. */
  readonly data: Uint8Array;
  /** Nothing: aiohttp's `extra` is used by CLOSE only. */
  readonly extra: undefined;
  /** `data` decoded as UTF-8 and parsed as JSON, with `loads` (`JSON.parse` by default). */
  json(loads?: (text: string) => unknown): unknown;
}

/** A PING or PONG from the server, seen only with `autoping: false`. */
export interface WSPingPongMessage {
  /** Which message this is: a {@link WSMsgType} value. */
  readonly type: typeof WSMsgType.PING | typeof WSMsgType.PONG;
  /** The frame's payload (at most 125 bytes). */
  readonly data: Uint8Array;
  /** Nothing: aiohttp's `extra` is used by CLOSE only. */
  readonly extra: undefined;
}

/** The server closed the socket: `data` is its close code (1005 when it sent none), `extra` its reason. */
export interface WSCloseMessage {
  /** Which message this is: a {@link WSMsgType} value. */
  readonly type: typeof WSMsgType.CLOSE;
  /** The close code. */
  readonly data: number;
  /** The reason the server gave, possibly empty. */
  readonly extra: string;
}

/** `close()` was called while a `receive()` waited (CLOSING), or the socket is closed (CLOSED). */
export interface WSClosedMessage {
  /** Which message this is: a {@link WSMsgType} value. */
  readonly type: typeof WSMsgType.CLOSING | typeof WSMsgType.CLOSED;
  /** Nothing. */
  readonly data: undefined;
  /** Nothing: aiohttp's `extra` is used by CLOSE only. */
  readonly extra: undefined;
}

/** The socket failed: a {@link WebSocketError} (too big, not UTF-8, bad frame) or a `ServerTimeoutError` (no PONG to a heartbeat). */
export interface WSErrorMessage {
  /** Which message this is: a {@link WSMsgType} value. */
  readonly type: typeof WSMsgType.ERROR;
  /** What went wrong; `ws.exception()` returns it too. */
  readonly data: Error;
  /** Nothing: aiohttp's `extra` is used by CLOSE only. */
  readonly extra: undefined;
}

/**
 * A received message, as aiohttp's `WSMessage`: narrowed by `type`.
 *
 * @example
 * ```ts
 * const msg = await ws.receive();
 * switch (msg.type) {
 *   case WSMsgType.TEXT: console.log(msg.data); break;          // string
 *   case WSMsgType.BINARY: console.log(msg.data.length); break; // Uint8Array
 *   case WSMsgType.CLOSE: console.log(msg.data, msg.extra); break; // code, reason
 * }
 * ```
 */
export type WSMessage = WSTextMessage | WSBinaryMessage | WSPingPongMessage | WSCloseMessage | WSClosedMessage | WSErrorMessage;

const UTF8 = new TextDecoder();

class TextMessage implements WSTextMessage {
  readonly type = WSMsgType.TEXT;
  readonly extra = undefined;
  constructor(readonly data: string) {}
  json(loads: (text: string) => unknown = JSON.parse): unknown {
    return loads(this.data);
  }
}

class BinaryMessage implements WSBinaryMessage {
  readonly type = WSMsgType.BINARY;
  readonly extra = undefined;
  constructor(readonly data: Uint8Array) {}
  json(loads: (text: string) => unknown = JSON.parse): unknown {
    return loads(UTF8.decode(this.data));
  }
}

/** A TEXT message. */
export const textMessage = (data: string): WSTextMessage => new TextMessage(data);

/** A BINARY message. */
export const binaryMessage = (data: Uint8Array): WSBinaryMessage => new BinaryMessage(data);

/** A PING or PONG message. */
export const pingPongMessage = (type: WSPingPongMessage["type"], data: Uint8Array): WSPingPongMessage => ({ type, data, extra: undefined });

/** The CLOSE message of a server's close frame. */
export const closeMessage = (code: number, reason: string): WSCloseMessage => ({ type: WSMsgType.CLOSE, data: code, extra: reason });

/** An ERROR message. */
export const errorMessage = (error: Error): WSErrorMessage => ({ type: WSMsgType.ERROR, data: error, extra: undefined });

/** aiohttp's `WS_CLOSING_MESSAGE`. */
export const CLOSING_MESSAGE: WSClosedMessage = Object.freeze({ type: WSMsgType.CLOSING, data: undefined, extra: undefined });

/** aiohttp's `WS_CLOSED_MESSAGE`. */
export const CLOSED_MESSAGE: WSClosedMessage = Object.freeze({ type: WSMsgType.CLOSED, data: undefined, extra: undefined });

/** The name of a type value, for messages: `WSMsgType.BINARY`. */
export function typeName(type: number): string {
  const entry = Object.entries(WSMsgType).find(([, value]) => value === type);
  return entry ? `WSMsgType.${entry[0]}` : `type ${type}`;
}

/** True for the types that end async iteration (aiohttp's rule). */
export function endsIteration(message: WSMessage): boolean {
  return message.type === WSMsgType.CLOSE || message.type === WSMsgType.CLOSING || message.type === WSMsgType.CLOSED;
}
