/**
 * The body of a response sent through undici's dispatcher
 * (transport_dispatch.ts): the chunks undici hands over, kept until they are
 * read, with undici paused while too many wait (its `onData` answered
 * false) and resumed once they are read. It is read chunk by chunk
 * (`read()`, what aiofetch's body reader pulls), collected whole
 * (`collect()`, for `text()` and `json()`, with no stream in between), or as
 * a web ReadableStream, made only when someone asks for one.
 */
import { concatBytes } from "../streams.ts";

/**
 * One read of a body: a chunk, or the end. A web stream reader's result,
 * spelt out so that the declarations need no DOM lib.
 */
export type ChunkResult = { done: false; value: Uint8Array } | { done: true; value?: Uint8Array | undefined };

/** What a {@link HeldBody} is read through: a ReadableStreamDefaultReader does the same. */
export interface ChunkReader {
  read(): Promise<ChunkResult>;
  cancel(reason?: unknown): Promise<void>;
}

/**
 * A body a transport holds without a stream: read through {@link HeldBody.getReader},
 * collected whole, or turned into a ReadableStream when one is wanted.
 */
export interface HeldBody {
  /** True once a read, a collect or a stream started: the body is no longer whole. */
  readonly used: boolean;
  /** The reader of the body; the body is used from then on. */
  getReader(): ChunkReader;
  /**
   * The whole body, in a buffer of its own (its `buffer` is exactly the
   * body). Bytes rather than an ArrayBuffer: on Bun, asking a small typed
   * array for its buffer costs a third of a microsecond.
   */
  collect(): Promise<Uint8Array<ArrayBuffer>>;
  /** Drops what is left and stops receiving. */
  cancel(reason?: unknown): Promise<void>;
  /** The body as a web stream of bytes, the same one on every call. */
  stream(): ReadableStream<Uint8Array>;
}

/**
 * How many bytes wait unread before undici is paused. Node's fetch pauses at
 * 16 KiB; a socket read is up to 64 KiB, and pausing on every one of them
 * would cost a pause and a resume per read.
 */
const HIGH_WATER = 64 * 1024;

const DONE: ChunkResult = { done: true, value: undefined };

/**
 * `chunks` as one buffer of their own: a copy, as Node's fetch copies what
 * undici hands over, unless they are `owned` (each chunk a whole buffer that
 * nothing else holds, as aiofetch's own client hands them over).
 */
function joined(chunks: Uint8Array[], size: number, owned: boolean): Uint8Array<ArrayBuffer> {
  if (chunks.length === 1) return (owned ? chunks[0]! : new Uint8Array(chunks[0]!)) as Uint8Array<ArrayBuffer>;
  return concatBytes(chunks, size) as Uint8Array<ArrayBuffer>;
}

function usedError(): TypeError {
  return new TypeError("Body is unusable: Body has already been read");
}

let fetchStreamsBytes: boolean | undefined;

/** Whether fetch's bodies are byte streams (BYOB readers work): on Node 20, not on Node 18. Asked when the first stream is made. */
function bytesLikeFetch(): boolean {
  if (fetchStreamsBytes === undefined) {
    try {
      void new Response("").body!.getReader({ mode: "byob" });
      fetchStreamsBytes = true;
    } catch {
      fetchStreamsBytes = false;
    }
  }
  return fetchStreamsBytes;
}

/** A web stream of bytes over `reader`, of the type fetch's own bodies are. */
export function byteStream(reader: ChunkReader): ReadableStream<Uint8Array> {
  if (!bytesLikeFetch()) {
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    }, { highWaterMark: 0 });
  }
  return new ReadableStream({
    type: "bytes",
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        controller.close();
        // A BYOB read waiting when the body ends is answered with nothing.
        controller.byobRequest?.respond(0);
      } else controller.enqueue(value as Uint8Array<ArrayBuffer>);
    },
    cancel: (reason) => reader.cancel(reason),
  }) as ReadableStream<Uint8Array>;
}

/** The body of one dispatched response, filled by its handler (see the module comment). */
export class DispatchBody implements HeldBody, ChunkReader {
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #ended = false;
  #cancelled = false;
  #failure: unknown = undefined;
  #failed = false;
  #used = false;
  /** Set while undici waits for {@link DispatchBody.read} to take chunks. */
  #paused = false;
  /** The whole body is wanted: undici is never paused again. */
  #collecting = false;
  #waiting: { resolve(result: ChunkResult): void; reject(err: unknown): void } | undefined;
  #collected: { resolve(bytes: Uint8Array<ArrayBuffer>): void; reject(err: unknown): void } | undefined;
  #stream: ReadableStream<Uint8Array> | undefined;
  readonly #resume: () => void;
  readonly #abort: (reason: unknown) => void;
  readonly #owned: boolean;

  /**
   * `resume` restarts undici after a pause; `abort` ends the request (a
   * cancelled body); `owned`: the chunks are each a whole buffer of their
   * own, handed over for good, and need no copy.
   */
  constructor(resume: () => void, abort: (reason: unknown) => void, owned = false) {
    this.#resume = resume;
    this.#abort = abort;
    this.#owned = owned;
  }

  get used(): boolean {
    return this.#used;
  }

  /** A chunk from undici; false asks undici to pause. */
  push(chunk: Uint8Array): boolean {
    if (this.#ended || this.#failed) return true;
    this.#chunks.push(chunk);
    this.#buffered += chunk.byteLength;
    if (this.#waiting) {
      const waiting = this.#waiting;
      this.#waiting = undefined;
      waiting.resolve({ done: false, value: this.#take() });
      return true;
    }
    if (this.#collecting || this.#buffered < HIGH_WATER) return true;
    this.#paused = true;
    return false;
  }

  /** The response is complete. */
  end(): void {
    if (this.#ended || this.#failed) return;
    this.#ended = true;
    if (this.#waiting) {
      this.#waiting.resolve(DONE);
      this.#waiting = undefined;
    }
    if (this.#collected) {
      this.#collected.resolve(joined(this.#chunks, this.#buffered, this.#owned));
      this.#collected = undefined;
      this.#drop();
    }
  }

  /** The response failed (the connection, an abort): what was not read is dropped, as a failed stream drops it. */
  fail(err: unknown): void {
    if (this.#ended || this.#failed || this.#cancelled) return;
    this.#failed = true;
    this.#failure = err;
    this.#drop();
    this.#waiting?.reject(err);
    this.#collected?.reject(err);
    this.#waiting = this.#collected = undefined;
  }

  getReader(): ChunkReader {
    this.#used = true;
    return this;
  }

  /** The next chunks, joined: every chunk waiting, or the next to come. */
  read(): Promise<ChunkResult> {
    this.#used = true;
    if (this.#chunks.length) {
      const value = this.#take();
      this.#wake();
      return Promise.resolve({ done: false, value });
    }
    if (this.#failed) return Promise.reject(this.#failure);
    if (this.#ended || this.#cancelled) return Promise.resolve(DONE);
    // Set before resuming: undici may hand the next chunk over at once.
    const next = new Promise<ChunkResult>((resolve, reject) => (this.#waiting = { resolve, reject }));
    this.#wake();
    return next;
  }

  collect(): Promise<Uint8Array<ArrayBuffer>> {
    if (this.#used) return Promise.reject(usedError());
    this.#used = true;
    if (this.#failed) return Promise.reject(this.#failure);
    if (this.#ended) {
      const bytes = joined(this.#chunks, this.#buffered, this.#owned);
      this.#drop();
      return Promise.resolve(bytes);
    }
    this.#collecting = true;
    const whole = new Promise<Uint8Array<ArrayBuffer>>((resolve, reject) => (this.#collected = { resolve, reject }));
    this.#wake();
    return whole;
  }

  cancel(reason?: unknown): Promise<void> {
    this.#used = true;
    if (this.#ended || this.#failed || this.#cancelled) return Promise.resolve();
    this.#cancelled = true;
    this.#drop();
    const why = reason ?? new DOMException("The operation was aborted.", "AbortError");
    this.#waiting?.resolve(DONE);
    this.#collected?.reject(why);
    this.#waiting = this.#collected = undefined;
    // As fetch's body does when cancelled: the request is aborted, and its connection closed.
    this.#abort(why);
    return Promise.resolve();
  }

  stream(): ReadableStream<Uint8Array> {
    return (this.#stream ??= byteStream(this));
  }

  #take(): Uint8Array {
    const value = joined(this.#chunks, this.#buffered, this.#owned);
    this.#drop();
    return value;
  }

  #drop(): void {
    this.#chunks = [];
    this.#buffered = 0;
  }

  /** Resumes undici if it was paused and the chunks waiting were taken. */
  #wake(): void {
    if (!this.#paused || (this.#buffered >= HIGH_WATER && !this.#collecting)) return;
    this.#paused = false;
    this.#resume();
  }
}
