import { clientErrorBrand } from "./client_error.ts";

/**
 * A message of another type than the one asked for: `receiveStr()` got a
 * binary message, `receiveBytes()` a text one, either of them a CLOSE
 * (aiohttp's `WSMessageTypeError`). A `TypeError`, as in aiohttp, and a
 * `ClientError` too (`instanceof ClientError` holds). `received` is the
 * message's type, a {@link WSMsgType} value.
 *
 * @example
 * ```ts
 * try {
 *   const text = await ws.receiveStr();
 * } catch (err) {
 *   if (err instanceof WSMessageTypeError) console.error(err.message); // … is not WSMsgType.TEXT
 * }
 * ```
 */
export class WSMessageTypeError extends TypeError {
  /** The type of the message that came, a `WSMsgType` value. */
  readonly received: number;
  /** Brands this error as a `ClientError` (see `ClientError[Symbol.hasInstance]`). */
  readonly [clientErrorBrand] = true;

  /** `received` is the type of the message that came instead. */
  constructor(message: string, received: number) {
    super(message);
    this.name = new.target.name;
    this.received = received;
  }
}
