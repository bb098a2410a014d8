import { IncompleteReadError, LineTooLongError } from "../errors/stream.ts";

/** Where a {@link StreamReader} gets its chunks: a response's body source. */
export interface ChunkSource {
  /** The next chunk, or `undefined` at the end of the body; throws if the body failed. */
  next(): Promise<Uint8Array | undefined>;
}

/** Options of {@link StreamReader.readUntil}. */
export interface ReadUntilOptions {
  /** The longest line accepted, separator included. Default 131,072 bytes (aiohttp's limit). */
  maxSize?: number;
}

/** aiohttp's StreamReader limit: twice its 64 KiB read buffer. */
const DEFAULT_MAX_SIZE = 128 * 1024;
const encoder = new TextEncoder();

/** `value` must be an integer ≥ 0, or -1 as well when `minusOne` says so. */
function checkCount(name: string, value: number, minusOne: boolean): void {
  if (!Number.isSafeInteger(value) || value < (minusOne ? -1 : 0)) {
    throw new TypeError(`${name} must be ${minusOne ? "-1 or " : ""}a non-negative integer, got ${String(value)}`);
  }
}

/** True when `separator` starts at `offset` of `chunks[index]`, possibly running into later chunks. */
function matchesAt(chunks: readonly Uint8Array[], index: number, offset: number, separator: Uint8Array): boolean {
  let chunk = index;
  let at = offset;
  for (const byte of separator) {
    while (chunk < chunks.length && at >= chunks[chunk]!.byteLength) {
      at -= chunks[chunk]!.byteLength;
      chunk++;
    }
    if (chunk >= chunks.length || chunks[chunk]![at] !== byte) return false;
    at++;
  }
  return true;
}

/** Where `separator` starts in the chunks taken as one sequence, searching from `from`; -1 if absent. */
function findSeparator(chunks: readonly Uint8Array[], separator: Uint8Array, from: number): number {
  let base = 0;
  for (let index = 0; index < chunks.length; index++) {
    const chunk = chunks[index]!;
    // indexOf of the first byte is native and fast; only its hits are checked in full.
    for (let at = chunk.indexOf(separator[0]!, Math.max(0, from - base)); at >= 0; at = chunk.indexOf(separator[0]!, at + 1)) {
      if (matchesAt(chunks, index, at, separator)) return base + at;
    }
    base += chunk.byteLength;
  }
  return -1;
}

/**
 * aiohttp's `StreamReader` (`response.content`) on a WHATWG stream: read a
 * body piece by piece without holding it in memory.
 *
 * Copies are avoided: `read(n)`, `readAny()` and the iterators hand out the
 * received chunks themselves or views into them; only a result that spans
 * two chunks (`readExactly`, `readUntil`, `read()` to EOF) is copied, once.
 * One read at a time: a second call while one is pending is a TypeError.
 */
export class StreamReader implements AsyncIterable<Uint8Array> {
  readonly #source: ChunkSource;
  readonly #label: string;
  /** Received, unread chunks, oldest first; the first may be a view past bytes already read. */
  readonly #chunks: Uint8Array[] = [];
  #buffered = 0;
  #eof = false;
  #busy = false;

  /** Made by `ClientResponse.content`; `label` (`METHOD url`) starts error messages. */
  constructor(source: ChunkSource, label: string) {
    this.#source = source;
    this.#label = label;
  }

  /**
   * At most `n` bytes, waiting only while nothing is buffered; with `n = -1`
   * (the default) everything up to the end. An empty array means the end.
   */
  read(n = -1): Promise<Uint8Array> {
    return this.#exclusive("read", async () => {
      checkCount("read(n): n", n, true);
      if (n < 0) {
        while (await this.#fill());
        return this.#take(this.#buffered);
      }
      if (n > 0) while (!this.#buffered && await this.#fill());
      return this.#take(Math.min(n, this.#chunks[0]?.byteLength ?? 0));
    });
  }

  /** The next chunk as it arrived (or what is left of it); an empty array at the end. */
  readAny(): Promise<Uint8Array> {
    return this.#exclusive("readAny", async () => {
      while (!this.#buffered && await this.#fill());
      return this.#take(this.#chunks[0]?.byteLength ?? 0);
    });
  }

  /** Exactly `n` bytes; {@link IncompleteReadError} (with the bytes that came) if the body ends first. */
  readExactly(n: number): Promise<Uint8Array> {
    return this.#exclusive("readExactly", async () => {
      checkCount("readExactly(n): n", n, false);
      while (this.#buffered < n && await this.#fill());
      if (this.#buffered >= n) return this.#take(n);
      const partial = this.#take(this.#buffered);
      throw new IncompleteReadError(
        `${this.#label}: readExactly(${n}) reached the end of the body after ${partial.byteLength} bytes`,
        partial,
        n,
      );
    });
  }

  /** The next line, `\n` included; at the end, the rest without one; an empty array after that. */
  readLine(options?: ReadUntilOptions): Promise<Uint8Array> {
    return this.readUntil("\n", options);
  }

  /**
   * Bytes up to and including `separator` (a string is UTF-8 encoded). At the
   * end of the body, the rest without a separator. More than `maxSize` bytes
   * without one is a {@link LineTooLongError}, and those bytes stay buffered.
   */
  readUntil(separator: string | Uint8Array = "\n", options: ReadUntilOptions = {}): Promise<Uint8Array> {
    return this.#exclusive("readUntil", async () => {
      const { maxSize = DEFAULT_MAX_SIZE } = options;
      if (!Number.isSafeInteger(maxSize) || maxSize <= 0) throw new TypeError(`readUntil: maxSize must be a positive integer, got ${String(maxSize)}`);
      const sep = typeof separator === "string" ? encoder.encode(separator) : separator;
      if (!sep.byteLength) throw new TypeError("readUntil: the separator must not be empty");
      for (let from = 0;;) {
        const at = findSeparator(this.#chunks, sep, from);
        // Without a separator yet, maxSize bytes already make any line too long.
        if (at >= 0 ? at + sep.byteLength > maxSize : this.#buffered >= maxSize) {
          throw new LineTooLongError(`${this.#label}: no separator within maxSize (${maxSize} bytes)`, maxSize);
        }
        if (at >= 0) return this.#take(at + sep.byteLength);
        from = Math.max(0, this.#buffered - sep.byteLength + 1);
        if (!await this.#fill()) return this.#take(this.#buffered);
      }
    });
  }

  /** True once the end of the body has been seen and every byte before it read. */
  atEof(): boolean {
    return this.#eof && !this.#buffered;
  }

  /** Chunks of at most `n` bytes until the end (views into the received chunks, not copies). */
  async *iterChunked(n: number): AsyncGenerator<Uint8Array, void, undefined> {
    if (!Number.isSafeInteger(n) || n <= 0) throw new TypeError(`iterChunked(n): n must be a positive integer, got ${String(n)}`);
    for (let chunk = await this.read(n); chunk.byteLength; chunk = await this.read(n)) yield chunk;
  }

  /** The chunks as they arrive, until the end. */
  async *iterAny(): AsyncGenerator<Uint8Array, void, undefined> {
    for (let chunk = await this.readAny(); chunk.byteLength; chunk = await this.readAny()) yield chunk;
  }

  /** Line after line (each ending in `\n` but maybe the last), until the end. */
  async *iterLines(options?: ReadUntilOptions): AsyncGenerator<Uint8Array, void, undefined> {
    for (let line = await this.readLine(options); line.byteLength; line = await this.readLine(options)) yield line;
  }

  /**
   * `for await (const line of response.content)`: the lines, as aiohttp. Leaving
   * the loop early does not cancel the body: the rest can still be read.
   */
  [Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined> {
    return this.iterLines();
  }

  /** Pulls one chunk into the buffer; false at the end of the body. */
  async #fill(): Promise<boolean> {
    if (this.#eof) return false;
    const chunk = await this.#source.next();
    if (chunk === undefined) {
      this.#eof = true;
      return false;
    }
    if (chunk.byteLength) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.byteLength;
    }
    return true;
  }

  /** Removes `n` buffered bytes: a view when one chunk holds them, else one copy. */
  #take(n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0);
    this.#buffered -= n;
    const head = this.#chunks[0]!;
    if (n === head.byteLength) return this.#chunks.shift()!;
    if (n < head.byteLength) {
      this.#chunks[0] = head.subarray(n);
      return head.subarray(0, n);
    }
    const joined = new Uint8Array(n);
    for (let offset = 0; offset < n;) {
      const chunk = this.#chunks[0]!;
      const part = Math.min(chunk.byteLength, n - offset);
      joined.set(part === chunk.byteLength ? chunk : chunk.subarray(0, part), offset);
      if (part === chunk.byteLength) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(part);
      offset += part;
    }
    return joined;
  }

  async #exclusive<T>(name: string, read: () => Promise<T>): Promise<T> {
    if (this.#busy) throw new TypeError(`${this.#label}: ${name}() called while another read of the body is pending`);
    this.#busy = true;
    try {
      return await read();
    } finally {
      this.#busy = false;
    }
  }
}
