import { ClientError, type ClientErrorOptions } from "./client_error.ts";

/**
 * The WebSocket protocol was broken, as aiohttp's `WebSocketError`: a
 * message larger than `maxMsgSize` (`code` 1009), a text message that is not
 * UTF-8 (1007), a malformed frame (1002). It comes as the `data` of an ERROR
 * message, the socket is closed with `code`, and `ws.closeCode` is `code`.
 *
 * @example
 * ```ts
 * const msg = await ws.receive();
 * if (msg.type === WSMsgType.ERROR && msg.data instanceof WebSocketError) console.error(msg.data.code); // 1009
 * ```
 */
export class WebSocketError extends ClientError {
  /** The close code the error stands for (a `WSCloseCode`: 1009 too big, 1007 not UTF-8, 1002 protocol error). */
  readonly code: number;

  /** `code` is the close code the error stands for. */
  constructor(message: string, code: number, options?: ClientErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
