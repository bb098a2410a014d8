import { ClientConnectionError } from "../errors/connection.ts";
import type { ChunkReader, ChunkResult, HeldBody } from "../runtime/dispatch_body.ts";
import { ClientPayloadError } from "../errors/payload.ts";
import { readNetworkFailure } from "../runtime/network_errors.ts";
import { type BodyObserver, concatBytes } from "../streams.ts";
import type { Deadline } from "../timeout.ts";

/** Download progress, reported after every chunk received. */
export interface DownloadProgress {
  /** Bytes received so far (after decompression). */
  loaded: number;
  /** The expected size from Content-Length, when known and not compressed. */
  total: number | undefined;
  /** Average bytes per second since the body started. */
  rate: number;
}

function bothObservers(first: BodyObserver, second: BodyObserver): BodyObserver {
  return {
    async chunk(chunk, loaded, total) {
      await first.chunk(chunk, loaded, total);
      await second.chunk(chunk, loaded, total);
    },
  };
}

/**
 * A body to read: a stream, a body a transport holds (runtime/dispatch_body.ts),
 * or a function that gives the stream when the body is first read chunk by
 * chunk or cancelled. Why a function: a Response's `body` costs Bun a stream
 * of its own, which a body collected whole (`collect`) never needs. So a
 * body given as a function is over only once it is read or cancelled, even
 * if it turns out to have no stream (a caller's own `fetch` answering 200
 * with a null body): until then it holds its slot, as every unread body does.
 */
export type BodyInput = ReadableStream<Uint8Array> | HeldBody | (() => ReadableStream<Uint8Array> | null) | null;

/** The reader of a body that turned out to have no stream at all. */
const EMPTY_READER: ChunkReader = {
  read: () => Promise.resolve({ done: true, value: undefined }),
  cancel: () => Promise.resolve(),
};

/**
 * How a {@link BodySource} guards the body it reads.
 * A class, not an object literal: V8 tenures a literal's allocation site
 * once most of its objects outlive a scavenge, as a request's do (see
 * bench/README.md, "Where the time goes").
 */
export class BodySourceOptions {
  constructor(
    /** `METHOD url`, for error messages; made only when one is thrown. */
    readonly label: () => string,
    /** The request's timers and abort signal. */
    readonly deadline: Deadline,
    /** Stop with a ClientPayloadError once more bytes than this arrive. */
    readonly maxBodySize: number | undefined,
    /** The decoded size promised by the headers, checked at EOF; `undefined` if unknown. */
    readonly expectedSize: number | undefined,
    /** Called once, when the body ends, fails or is cancelled: frees what the hop holds (its slot). */
    readonly onFinish: () => void,
    /** Collects the whole (unread) body natively: the Response's own `arrayBuffer()`, or a held body's bytes. */
    readonly collect: (() => Promise<ArrayBuffer | Uint8Array>) | undefined,
  ) {}
}

/**
 * Bodies whose response became unreachable before anything claimed the body
 * (a read, `body`, `content`): nobody can read them any more, so they are
 * released, freeing the slot and timers (as aiohttp frees the connection of a
 * collected response), with one warning per process.
 */
const unclaimed = new FinalizationRegistry<BodySource>((body) => {
  if (body.finished) return;
  if (!warnedUnclaimed) {
    warnedUnclaimed = true;
    console.warn(
      `aiofetch: the response to ${body.label()} was garbage-collected before its body was read or released; its slot is freed now. Read every response, or release() it (await using resp = …).`,
    );
  }
  void body.cancel();
});
let warnedUnclaimed = false;

/**
 * The one reader of a response body. Every way of consuming a body (`read()`,
 * `text()`, `body`, `content`) pulls chunks through `next()`, which applies
 * the sockRead timeout, the size limit, the observer, and error normalisation, and
 * frees the request's resources exactly once when the body is over.
 * `readAll()` collects the whole body, natively when no chunk needs watching.
 */
export class BodySource {
  /** Bytes received so far. */
  loaded = 0;
  /** The runtime's stream, or the body a transport holds, read the same way; or the function that gives the stream ({@link BodyInput}). */
  #stream: BodyInput;
  /** Taken on the first `next()`, so that `readAll()` can hand the stream to the runtime whole. */
  #reader: ChunkReader | undefined;
  /** Rejects a `readAll()` in progress when the body is cancelled. */
  #stopCollecting: ((reason: unknown) => void) | undefined;
  readonly #options: BodySourceOptions;
  #finished = false;
  /** Why the body failed (or was released): thrown by every later `next()`. */
  #failure: unknown = undefined;
  /** False while the runtime collects the body whole: then `loaded` says nothing of what arrived. */
  #counting = true;
  /** Set by {@link BodySource.adopt}. */
  #observer: BodyObserver | undefined;
  #onRequestFinish: (() => void) | undefined;
  readonly #onAbort: () => void;

  constructor(stream: BodyInput, options: BodySourceOptions) {
    this.#options = options;
    this.#stream = stream;
    // A timeout or user abort ends the body at once (freeing its slot and timers even
    // if nobody is reading) and cancels the read itself, whether or not the runtime
    // propagates the fetch signal into an already-arrived body.
    this.#onAbort = () => void this.cancel(options.deadline.abortReason());
    if (!stream) this.#finish();
    else options.deadline.addAbortListener(this.#onAbort);
  }

  /**
   * Makes this the body of the request's final response: `observer` sees
   * each chunk from now on, and `onFinish` is called when the body is over (at
   * once if it already is). A body that is never adopted (a redirect's) frees only its hop.
   */
  adopt(observer: BodyObserver | undefined, onFinish: () => void): void {
    // Adopted twice when a middleware returns the response of a request of its own:
    // both requests watch the body, and both are freed when it is over.
    const earlier = this.#observer;
    this.#observer = earlier && observer ? bothObservers(earlier, observer) : observer ?? earlier;
    if (this.#finished) return onFinish();
    const finishEarlier = this.#onRequestFinish;
    this.#onRequestFinish = finishEarlier ? () => (finishEarlier(), onFinish()) : onFinish;
  }

  /** Releases this body if `response` becomes unreachable before the body is claimed or over. */
  guard(response: object): void {
    if (!this.#finished) unclaimed.register(response, this, this);
  }

  /** Something will read the body (or holds what will): the response's reachability no longer matters. */
  claim(): void {
    unclaimed.unregister(this);
  }

  /** `METHOD url` of the request, for messages. */
  label(): string {
    return this.#options.label();
  }

  /** True once the body has ended, failed or been cancelled. */
  get finished(): boolean {
    return this.#finished;
  }

  /** The next chunk, or `undefined` at the end of the body; throws if the body failed or was released. */
  async next(): Promise<Uint8Array | undefined> {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#finished) return undefined;
    const reader = (this.#reader ??= this.#opened()?.getReader() ?? EMPTY_READER);
    const { deadline } = this.#options;
    deadline.readStarted();
    let result: ChunkResult;
    try {
      result = await reader.read();
    } catch (err) {
      throw this.#fail(err);
    } finally {
      deadline.readEnded();
    }
    const aborted = deadline.abortReason();
    if (aborted !== undefined) throw this.#fail(aborted);
    if (result.done) {
      this.#checkComplete();
      this.#finish();
      return undefined;
    }
    return this.#accept(result.value);
  }

  /**
   * The whole body. With no chunk to watch (no observer, size limit or
   * sockRead timeout), the runtime collects it in one go, which is much faster
   * than chunk by chunk on Deno and Bun; the fetch signal still aborts it.
   */
  async readAll(): Promise<Uint8Array> {
    const { maxBodySize, deadline } = this.#options;
    if (this.#reader || this.#finished || maxBodySize !== undefined || this.#observer || deadline.timesReads) {
      const chunks: Uint8Array[] = [];
      for (let chunk = await this.next(); chunk; chunk = await this.next()) chunks.push(chunk);
      return concatBytes(chunks, this.loaded);
    }
    this.#counting = false;
    // A held body and a body given as a function always come with their collect.
    const collecting = this.#options.collect?.() ?? new Response(this.#stream as ReadableStream<Uint8Array>).arrayBuffer();
    let bytes: Uint8Array;
    this.#options.deadline.readStarted();
    try {
      // Settled by the collect, or rejected at once by cancel(): one promise, lighter than a race.
      const whole = await new Promise<ArrayBuffer | Uint8Array>((resolve, reject) => {
        this.#stopCollecting = reject;
        collecting.then(resolve, reject);
      });
      bytes = whole instanceof Uint8Array ? whole : new Uint8Array(whole);
    } catch (err) {
      throw this.#failure ?? this.#fail(err);
    } finally {
      this.#stopCollecting = undefined;
      this.#options.deadline.readEnded();
    }
    this.loaded = bytes.byteLength;
    this.#checkComplete();
    this.#finish();
    return bytes;
  }

  /**
   * Stops reading and frees the connection. Later `next()` calls throw `reason`,
   * or a ClientConnectionError saying the body was released: never a silent end.
   */
  async cancel(reason?: unknown): Promise<void> {
    if (this.#finished) return;
    this.#failure = reason ?? new ClientConnectionError(`${this.#options.label()}: the response was released before its body was read`);
    this.#finish();
    this.#stopCollecting?.(this.#failure);
    // While readAll() collects, the stream is locked and this fails: the fetch signal stops it.
    await (this.#reader ?? this.#opened())?.cancel(reason).catch(() => {});
  }

  /** Counts a chunk, checks the size limit and shows the chunk to the observer (awaited if it returns a promise). */
  #accept(chunk: Uint8Array): Uint8Array | Promise<Uint8Array> {
    this.loaded += chunk.byteLength;
    const { maxBodySize, expectedSize } = this.#options;
    if (maxBodySize !== undefined && this.loaded > maxBodySize) {
      const error = new ClientPayloadError(`${this.#options.label()}: the response body exceeds maxBodySize (${maxBodySize} bytes)`);
      void this.cancel(error);
      throw error;
    }
    if (!this.#observer) return chunk;
    // The observer's own error, as is; the body ends with it.
    const failWith = (err: unknown): never => {
      void this.cancel(err);
      throw err;
    };
    let seen: void | Promise<void>;
    try {
      seen = this.#observer.chunk(chunk, this.loaded, expectedSize);
    } catch (err) {
      return failWith(err);
    }
    return seen ? seen.then(() => chunk, failWith) : chunk;
  }

  #checkComplete(): void {
    const expected = this.#options.expectedSize;
    if (expected !== undefined && this.loaded !== expected) {
      throw this.#fail(new Error(`Content-Length is ${expected} but the body ended after ${this.loaded} bytes`));
    }
  }

  /** The error to throw for `err` (a timeout or user abort as is, anything else as a payload error); ends the body with it. */
  #fail(err: unknown): unknown {
    const aborted = this.#options.deadline.abortReason();
    const error = aborted !== undefined || err instanceof ClientPayloadError ? aborted ?? err : new ClientPayloadError(
      `${this.#options.label()}: response payload is not completed${this.#received()}: ${readNetworkFailure(err).detail}`,
      { cause: err },
    );
    void this.cancel(error);
    return error;
  }

  /**
   * How much of the body arrived, for messages. Unknown while the runtime
   * collects the body whole: no count then, rather than a false "after 0 bytes".
   */
  #received(): string {
    const expected = this.#options.expectedSize;
    if (this.#counting) return ` after ${this.loaded} bytes${expected === undefined ? "" : ` (${expected} expected)`}`;
    return expected === undefined ? "" : ` (${expected} bytes expected)`;
  }

  /** The stream or held body, made now if it was given as a function. */
  #opened(): ReadableStream<Uint8Array> | HeldBody | null {
    if (typeof this.#stream === "function") this.#stream = this.#stream();
    return this.#stream;
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    unclaimed.unregister(this);
    this.#options.deadline.removeAbortListener(this.#onAbort);
    this.#options.onFinish();
    this.#onRequestFinish?.();
  }
}
