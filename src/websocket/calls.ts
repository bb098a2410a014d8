/**
 * The arguments of a WebSocket's methods, checked before anything is sent:
 * receive options, close codes and reasons, control-frame payloads, bytes.
 */
import { keysOf, refuseUnknownOptions } from "../known_options.ts";

/** Options of `receive()` and its typed forms. */
export interface WSReceiveOptions {
  /** The longest wait in milliseconds, replacing `ClientWSTimeout.wsReceive`; 0 for none. */
  timeout?: number;
  /** Ends the wait with the signal's reason (the socket stays open, as after a timeout). */
  signal?: AbortSignal;
}

/** Options of `receiveJson()`. */
export interface WSReceiveJsonOptions extends WSReceiveOptions {
  /** Parses the text; `JSON.parse` by default. */
  loads?: (text: string) => unknown;
}

/** Options of `close()`. */
export interface WSCloseOptions {
  /** The close code: 1000 (the default), 1001–1003, 1007–1014 or 3000–4999. */
  code?: number;
  /** The reason sent with it, at most 123 bytes of UTF-8. */
  message?: string;
}

const RECEIVE_OPTIONS = keysOf<WSReceiveOptions>()(["timeout", "signal"]);
const CLOSE_OPTIONS = keysOf<WSCloseOptions>()(["code", "message"]);
const UTF8 = new TextEncoder();

/** The wait of one `receive()`: a number is its timeout; `fallback` is the socket's `wsReceive`. */
export function receiveOptions(
  options: WSReceiveOptions | number | undefined,
  fallback: number | undefined,
  label: () => string,
): { timeout: number | undefined; signal: AbortSignal | undefined } {
  if (options === undefined) return { timeout: fallback, signal: undefined };
  const given = typeof options === "number" ? { timeout: options } : options;
  if (typeof given !== "object" || given === null) throw new TypeError(`${label()}: expected a timeout in milliseconds or { timeout, signal }, got ${String(options)}`);
  refuseUnknownOptions(given, RECEIVE_OPTIONS, label);
  const { timeout, signal } = given;
  if (timeout !== undefined && (typeof timeout !== "number" || !(timeout >= 0) || !Number.isFinite(timeout))) {
    throw new TypeError(`${label()}: timeout must be a non-negative number of milliseconds, got ${String(timeout)}`);
  }
  return { timeout: timeout === undefined ? fallback : timeout || undefined, signal };
}

/** ws's rule, RFC 6455's: the codes an endpoint may send. */
function sendableCode(code: number): boolean {
  return Number.isInteger(code) && ((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999));
}

/** `close()`'s code and reason, checked. */
export function checkedClose(options: WSCloseOptions, label: () => string): { code: number; message: string } {
  if (typeof options !== "object" || options === null) throw new TypeError(`${label()}: expected { code, message }, got ${String(options)}`);
  refuseUnknownOptions(options, CLOSE_OPTIONS, label);
  const { code = 1000, message = "" } = options;
  if (typeof code !== "number" || !sendableCode(code)) {
    throw new RangeError(`${label()}: ${String(code)} is not a close code that can be sent (1000–1003, 1007–1014, 3000–4999)`);
  }
  if (typeof message !== "string") throw new TypeError(`${label()}: message must be a string, got ${typeof message}`);
  if (UTF8.encode(message).byteLength > 123) throw new RangeError(`${label()}: the message is longer than 123 bytes of UTF-8`);
  return { code, message };
}

/** A PING's or PONG's payload as bytes, at most 125 of them. */
export function controlPayload(message: string | Uint8Array, label: () => string): Uint8Array {
  const data = typeof message === "string" ? UTF8.encode(message) : message;
  if (!(data instanceof Uint8Array)) throw new TypeError(`${label()}: the payload must be a string or a Uint8Array`);
  if (data.byteLength > 125) throw new RangeError(`${label()}: a control frame's payload is at most 125 bytes, got ${data.byteLength}`);
  return data;
}

/** Bytes to send: a Uint8Array as is, another view or an ArrayBuffer seen as one. */
export function sendableBytes(data: Uint8Array | ArrayBuffer | ArrayBufferView, label: () => string): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError(`${label()} takes a Uint8Array, another ArrayBufferView or an ArrayBuffer, got ${data === null ? "null" : typeof data}`);
}
