import { ClientPayloadError } from "./payload.ts";

/**
 * `readExactly(n)` met the end of the body before `n` bytes (asyncio's
 * `IncompleteReadError`). The bytes that did arrive are in `partial`.
 * A payload error, so one `catch` covers every way a body can fall short.
 */
export class IncompleteReadError extends ClientPayloadError {
  /** The bytes read before the end of the body. */
  readonly partial: Uint8Array;
  /** How many bytes were asked for. */
  readonly expected: number;

  /** `partial` holds what arrived; `expected` is how many bytes were asked for. */
  constructor(message: string, partial: Uint8Array, expected: number) {
    super(message);
    this.partial = partial;
    this.expected = expected;
  }
}

/**
 * `readLine()` / `readUntil()` found no separator within `maxSize` bytes
 * (aiohttp's `LineTooLong`). The bytes stay buffered in the reader.
 */
export class LineTooLongError extends ClientPayloadError {
  /** The limit that was exceeded, in bytes. */
  readonly maxSize: number;

  /** `maxSize` is the limit in bytes that the line went past. */
  constructor(message: string, maxSize: number) {
    super(message);
    this.maxSize = maxSize;
  }
}
