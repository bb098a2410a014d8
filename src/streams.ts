/**
 * The few stream helpers the library needs, on WHATWG streams only. Streams are
 * recognised by shape, never by `instanceof`, so polyfilled streams (such as
 * web-streams-polyfill's) work wherever native ones do.
 */

/** True for anything with a `getReader()`: native or polyfilled ReadableStreams. */
export function isReadableStreamLike(value: unknown): value is ReadableStream<Uint8Array> {
  return typeof value === "object" && value !== null && typeof (value as ReadableStream).getReader === "function";
}

/** True for anything with a `getWriter()`: native or polyfilled WritableStreams. */
export function isWritableStreamLike(value: unknown): value is WritableStream<Uint8Array> {
  return typeof value === "object" && value !== null && typeof (value as WritableStream).getWriter === "function";
}

/** True for async iterables (async generators, Node readables, …). */
export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null &&
    typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function";
}

const encoder = new TextEncoder();

/** The bytes of a buffer or any view of one, as a Uint8Array over the same memory (no copy). */
export function bytesOf(value: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return new Uint8Array(value);
}

function toBytes(chunk: unknown): Uint8Array {
  if (typeof chunk === "string") return encoder.encode(chunk);
  if (chunk instanceof ArrayBuffer || ArrayBuffer.isView(chunk)) return bytesOf(chunk);
  throw new TypeError(`a streamed body may yield only Uint8Array or string chunks, got ${typeof chunk}`);
}

/**
 * A native ReadableStream of bytes over any stream-like or async iterable.
 * A native stream whose chunks need no conversion is still wrapped, so that
 * a string chunk or a polyfilled stream is never handed to fetch as is.
 */
export function toUploadStream(source: ReadableStream<Uint8Array> | AsyncIterable<unknown>): ReadableStream<Uint8Array> {
  if (isReadableStreamLike(source)) {
    const reader = source.getReader();
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(toBytes(value));
      },
      cancel: (reason) => reader.cancel(reason),
    });
  }
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(toBytes(value));
    },
    async cancel(reason) {
      await iterator.return?.(reason);
    },
  });
}

/** Joins chunks into one array; a single chunk is returned as is (no copy). */
export function concatBytes(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return joined;
}

/**
 * Watches a body's chunks as they pass: upload and download progress and the
 * trace's chunk signals are all made of these. What it throws, or rejects
 * with, fails the body.
 */
export interface BodyObserver {
  /** A chunk passed; `loaded` counts it, `total` is the body's size if known. */
  chunk(chunk: Uint8Array, loaded: number, total: number | undefined): void | Promise<void>;
  /** The body is over (only for a body sent). */
  end?(loaded: number, total: number | undefined): void | Promise<void>;
}
