/**
 * The decoders of content codings, on node:zlib, which Node, Deno and Bun all
 * have. Measured on the four runtimes of the test matrix, its gunzip, inflate
 * and inflateRaw fail the same way on every corrupt, junk and truncated
 * stream, a gzip or zlib stream cut before its checksum included, and its
 * brotli decoder does on Node and Bun (Deno's ends a truncated br stream
 * quietly, but Deno's fetch decodes br itself, so it never gets one).
 * DecompressionStream, the standard choice, is not the same everywhere: Node
 * 18 has no "deflate-raw", Bun has none before 1.3.3, and Deno's ends a
 * truncated deflate stream quietly with what it decoded. It is used for zstd
 * where the runtime has it (Bun): node:zlib's zstd decoder (Deno; Node from
 * 22.15) ends a truncated frame quietly, Bun's DecompressionStream fails it.
 * Node 18 and 20 have no zstd decoder at all.
 *
 * node:zlib is imported when the first compressed body is read, so a
 * program whose responses are never compressed loads no zlib.
 */

type Zlib = typeof import("node:zlib");
type ZlibStream = ReturnType<Zlib["createGunzip"]>;

let zlibModule: Promise<Zlib> | undefined;

function loadZlib(): Promise<Zlib> {
  return (zlibModule ??= import("node:zlib"));
}

/** Turns a decoder's failure into the error to throw; `produced` is how many decoded bytes came out before it. */
export type DecodeFailure = (err: unknown, produced: number) => unknown;

/**
 * Undoes one content coding: the body as received in, the decoded body out.
 * What the input throws (the network, an abort) comes out as it is; what the
 * decoder throws goes through `onError`, and cancels the input.
 */
export type Decoder = (input: ReadableStream<Uint8Array>, onError: DecodeFailure) => ReadableStream<Uint8Array>;

const EMPTY = new Uint8Array(0);

/** A node:zlib stream driven a chunk at a time: each step resolves with what it decoded. */
class ZlibPipe {
  readonly #stream: ZlibStream;
  #out: Uint8Array[] = [];
  #failure: unknown = undefined;
  #reject: ((err: unknown) => void) | undefined;

  constructor(stream: ZlibStream) {
    this.#stream = stream;
    // Plain views, not Buffers: a body reads back as the same type on every runtime.
    stream.on("data", (chunk: Uint8Array) => void this.#out.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    stream.on("error", (err: unknown) => {
      this.#failure ??= err;
      this.#reject?.(err);
    });
  }

  write(chunk: Uint8Array): Promise<Uint8Array[]> {
    return this.#step((done) => void this.#stream.write(chunk, (err) => done(err ?? undefined)));
  }

  end(): Promise<Uint8Array[]> {
    return this.#step((done) => {
      this.#stream.once("end", () => done(undefined));
      this.#stream.end();
    });
  }

  destroy(): void {
    this.#stream.destroy();
  }

  /** Runs a step; it fails with the stream's error, whether the step's callback or the error event reports it first. */
  #step(start: (done: (err: unknown) => void) => void): Promise<Uint8Array[]> {
    return new Promise((resolve, reject) => {
      if (this.#failure !== undefined) return reject(this.#failure);
      this.#reject = reject;
      start((err) => {
        this.#reject = undefined;
        const failure = err ?? this.#failure;
        if (failure !== undefined) return reject(failure);
        const out = this.#out;
        this.#out = [];
        resolve(out);
      });
    });
  }
}

/**
 * The decoded body as a pull source over node:zlib: reads a chunk of the
 * input only when asked for output, so the body is decoded no faster than it
 * is read. The zlib stream is opened on the first `headBytes` bytes (which
 * deflate needs to tell zlib from raw), never for an empty body.
 */
class ZlibSource implements UnderlyingDefaultSource<Uint8Array> {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #open: (zlib: Zlib, head: Uint8Array) => ZlibStream;
  readonly #headBytes: number;
  readonly #onError: DecodeFailure;
  #pipe: ZlibPipe | undefined;
  #head: Uint8Array = EMPTY;
  #produced = 0;

  constructor(input: ReadableStream<Uint8Array>, open: (zlib: Zlib, head: Uint8Array) => ZlibStream, headBytes: number, onError: DecodeFailure) {
    this.#reader = input.getReader();
    this.#open = open;
    this.#headBytes = headBytes;
    this.#onError = onError;
  }

  async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await this.#reader.read();
      } catch (err) {
        // The network's error or an abort, which goes on as it is; the zlib stream is of no more use.
        this.#pipe?.destroy();
        throw err;
      }
      const { done, value } = result;
      const out = done ? await this.#finish() : await this.#feed(value);
      for (const chunk of out) {
        this.#produced += chunk.byteLength;
        controller.enqueue(chunk);
      }
      if (done) return controller.close();
      if (out.length) return;
    }
  }

  cancel(reason: unknown): Promise<void> {
    this.#pipe?.destroy();
    return this.#reader.cancel(reason);
  }

  #feed(chunk: Uint8Array): Promise<Uint8Array[]> {
    if (this.#pipe) return this.#guard((pipe) => pipe.write(chunk));
    this.#head = this.#head.byteLength ? joinTwo(this.#head, chunk) : chunk;
    return this.#head.byteLength < this.#headBytes ? Promise.resolve([]) : this.#guard((pipe) => pipe.write(this.#takeHead()));
  }

  #finish(): Promise<Uint8Array[]> {
    if (!this.#pipe && !this.#head.byteLength) return Promise.resolve([]);
    return this.#guard(async (pipe) => {
      const head = this.#takeHead();
      const written = head.byteLength ? await pipe.write(head) : [];
      return written.concat(await pipe.end());
    });
  }

  #takeHead(): Uint8Array {
    const head = this.#head;
    this.#head = EMPTY;
    return head;
  }

  /** Runs a step on the zlib stream (opened first if need be); a failure ends the input and goes through `onError`. */
  async #guard(step: (pipe: ZlibPipe) => Promise<Uint8Array[]>): Promise<Uint8Array[]> {
    try {
      this.#pipe ??= new ZlibPipe(this.#open(await loadZlib(), this.#head));
      return await step(this.#pipe);
    } catch (err) {
      this.#pipe?.destroy();
      void this.#reader.cancel(err).catch(() => {});
      throw this.#onError(err, this.#produced);
    }
  }
}

function joinTwo(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.byteLength + b.byteLength);
  joined.set(a);
  joined.set(b, a.byteLength);
  return joined;
}

function zlibDecoder(open: (zlib: Zlib, head: Uint8Array) => ZlibStream, headBytes = 1): Decoder {
  return (input, onError) => new ReadableStream(new ZlibSource(input, open, headBytes, onError), { highWaterMark: 0 });
}

/** A zlib stream (RFC 1950) starts with CMF and FLG: method 8, a window of at most 32 KiB, and a check that makes them a multiple of 31. */
function isZlibHeader(head: Uint8Array): boolean {
  const [cmf = 0, flg = 0] = head;
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | flg) % 31 === 0;
}

const formatSupport = new Map<string, boolean>();

/** Whether this runtime's DecompressionStream takes `format`; it throws a TypeError for one it does not know. */
function decompressionFormat(format: string): boolean {
  let supported = formatSupport.get(format);
  if (supported === undefined) {
    try {
      new DecompressionStream(format as CompressionFormat);
      supported = true;
    } catch {
      supported = false;
    }
    formatSupport.set(format, supported);
  }
  return supported;
}

/** A DecompressionStream as a {@link Decoder}: the input is wrapped so that its own errors are told from the decoder's. */
function webDecoder(format: string): Decoder {
  return (input, onError) => {
    const reader = input.getReader();
    let inputError: unknown = EMPTY;
    const source = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (err) {
          inputError = err;
          throw err;
        }
      },
      cancel: (reason) => reader.cancel(reason),
    }, { highWaterMark: 0 });
    // Typed as taking any BufferSource; it is given Uint8Arrays only.
    const decompression = new DecompressionStream(format as CompressionFormat) as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
    const output = source.pipeThrough(decompression).getReader();
    let produced = 0;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await output.read();
          if (done) return controller.close();
          produced += value.byteLength;
          controller.enqueue(value);
        } catch (err) {
          throw err === inputError ? err : onError(err, produced);
        }
      },
      cancel: (reason) => output.cancel(reason),
    }, { highWaterMark: 0 });
  };
}

const zstdZlib = zlibDecoder((zlib) => {
  const withZstd = zlib as { createZstdDecompress?: () => ZlibStream };
  if (typeof withZstd.createZstdDecompress !== "function") throw new Error("this runtime has no zstd decoder");
  return withZstd.createZstdDecompress();
});

const gunzip = zlibDecoder((zlib) => zlib.createGunzip());

/**
 * The decoder of each content coding aiofetch undoes (lower case), as aiohttp:
 * gzip (and x-gzip, its old name), deflate (zlib-wrapped, or raw as some
 * servers send it and browsers accept), br, and zstd where the runtime can.
 */
export const DECODERS: Readonly<Record<string, Decoder>> = {
  "gzip": gunzip,
  "x-gzip": gunzip,
  "deflate": zlibDecoder((zlib, head) => isZlibHeader(head) ? zlib.createInflate() : zlib.createInflateRaw(), 2),
  "br": zlibDecoder((zlib) => zlib.createBrotliDecompress()),
  "zstd": (input, onError) => (decompressionFormat("zstd") ? webDecoder("zstd") : zstdZlib)(input, onError),
};
