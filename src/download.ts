/**
 * `session.download()`: a response body streamed into a file or a
 * WritableStream, never held in memory. A file is written to `<path>.part`
 * and renamed over `<path>` only once complete and checked, so a failed
 * download never leaves a half-written file under the destination's name.
 */
import type { DownloadProgress } from "./response/body_source.ts";
import { ClientPayloadError } from "./errors/payload.ts";
import { describeRequest } from "./errors/describe.ts";
import { ClientResponseError } from "./errors/response.ts";
import { type HeadersLike, mergeHeaders } from "./headers.ts";
import { type ClientResponse, responseErrorInit } from "./response/response.ts";
import { fileSize, type FileSink, openFileSink, readFilePieces, readTextFile, removeFile, renameFile, writeFileAtomic } from "./runtime/fs.ts";
import { createSha256, type Sha256 } from "./runtime/hash.ts";
import { isWritableStreamLike } from "./streams.ts";
import type { RequestOptions } from "./options.ts";

/** A checksum verified while the body streams. */
export interface DownloadChecksum {
  /** The one algorithm offered. */
  algorithm: "SHA-256";
  /** The digest the body must have, in hex; without it the digest is only computed and returned. */
  expected?: string;
}

/** Options of `ClientSession.download()`: a GET's options, plus these. */
export interface DownloadOptions extends Omit<RequestOptions, "data" | "json"> {
  /**
   * Keep `<path>.part` when the download fails, and continue it on the next
   * call with `resume: true`: a Range request with If-Range, so a changed file
   * (or a server without ranges) starts over. Sends `Accept-Encoding: identity`,
   * so that byte offsets mean the same bytes every time. File paths only.
   */
  resume?: boolean;
  /** Hash the body as it streams (resumed bytes included) and check it before the rename. */
  checksum?: DownloadChecksum;
}

/** What a download wrote. */
export interface DownloadResult {
  /** The destination file, or `undefined` for a WritableStream. */
  path: string | undefined;
  /** The size of the whole body, resumed bytes included. */
  bytes: number;
  /** The SHA-256 in hex, when a checksum was asked for. */
  sha256?: string;
}

/** Sends the download's GET with the options given. */
export type DownloadSend = (options: RequestOptions) => Promise<ClientResponse>;

/** Where a partial download stands: its size and the validator for If-Range. */
interface Partial {
  offset: number;
  validator: string;
}

/** A strong ETag, else Last-Modified: what If-Range may carry (weak ETags may not). */
function validatorOf(response: ClientResponse): string | undefined {
  const etag = response.headers.get("etag");
  if (etag && !etag.startsWith("W/")) return etag;
  return response.headers.get("last-modified") ?? undefined;
}

/** Throws a ClientResponseError for anything but a 2xx: an error page is not the file. */
async function requireSuccess(response: ClientResponse): Promise<void> {
  if (response.status >= 200 && response.status < 300) return;
  await response.release();
  response.raiseForStatus();
  throw new ClientResponseError(responseErrorInit(response, `a download needs a 2xx response, got ${response.status} ${response.reason}`));
}

/** Streams the body into `write`, hashing on the way; the number of bytes written. */
async function pump(response: ClientResponse, write: (chunk: Uint8Array) => Promise<void>, hash: Sha256 | undefined): Promise<number> {
  let bytes = 0;
  try {
    for await (const chunk of response.content.iterAny()) {
      hash?.update(chunk);
      await write(chunk);
      bytes += chunk.byteLength;
    }
  } finally {
    await response.release();
  }
  return bytes;
}

/** The digest, after checking it against the expected one. */
function verify(hash: Sha256 | undefined, checksum: DownloadChecksum | undefined, response: ClientResponse): string | undefined {
  const digest = hash?.hex();
  const expected = checksum?.expected?.trim().toLowerCase();
  if (expected !== undefined && digest !== expected) {
    throw new ClientPayloadError(`${describeRequest("GET", response.url)}: SHA-256 mismatch: expected ${expected}, got ${digest}`);
  }
  return digest;
}

function checkOptions(destination: unknown, options: DownloadOptions): void {
  const { checksum } = options;
  if (checksum && checksum.algorithm !== "SHA-256") {
    throw new TypeError(`download: unsupported checksum algorithm ${JSON.stringify(checksum.algorithm)}; use "SHA-256"`);
  }
  if (typeof destination !== "string" && !isWritableStreamLike(destination)) {
    throw new TypeError("download: the destination must be a file path or a WritableStream");
  }
  if (options.resume && typeof destination !== "string") throw new TypeError("download: resume needs a file path destination");
}

/**
 * Runs a download with `send` (the session's GET of the URL). The request's
 * own options apply, its timeout included: `total` covers the whole body, so
 * large downloads usually want `timeout: { total: 0, sockRead: … }`.
 */
export async function runDownload(send: DownloadSend, destination: string | WritableStream<Uint8Array>, options: DownloadOptions = {}): Promise<DownloadResult> {
  checkOptions(destination, options);
  const { resume = false, checksum, onDownloadProgress, ...request } = options;
  let base = 0;
  // Progress counts the whole file: bytes resumed from the part file plus this response's.
  const progress = onDownloadProgress && ((p: DownloadProgress) =>
    onDownloadProgress({ loaded: base + p.loaded, total: p.total === undefined ? undefined : base + p.total, rate: p.rate }));
  const sendGet: DownloadSend = (extra) => send({ ...request, raiseForStatus: false, onDownloadProgress: progress, ...extra });
  if (typeof destination !== "string") return toStream(sendGet, destination, checksum);
  const file = new PartFile(destination, resume);
  const { response, offset, complete } = await file.start(sendGet, request.headers);
  base = offset;
  return file.finish(response, offset, complete, checksum);
}

async function toStream(send: DownloadSend, destination: WritableStream<Uint8Array>, checksum: DownloadChecksum | undefined): Promise<DownloadResult> {
  const writer = destination.getWriter();
  try {
    const response = await send({});
    await requireSuccess(response);
    const hash = checksum ? await createSha256() : undefined;
    const bytes = await pump(response, (chunk) => writer.write(chunk), hash);
    const sha256 = verify(hash, checksum, response);
    await writer.close();
    return { path: undefined, bytes, ...(sha256 === undefined ? {} : { sha256 }) };
  } catch (err) {
    await writer.abort(err).catch(() => {});
    throw err;
  }
}

/** The temporary `<path>.part` (and, when resuming, `<path>.part.json` with its validator). */
class PartFile {
  readonly #path: string;
  readonly #part: string;
  readonly #meta: string;
  readonly #resume: boolean;

  constructor(path: string, resume: boolean) {
    this.#path = path;
    this.#part = `${path}.part`;
    this.#meta = `${path}.part.json`;
    this.#resume = resume;
  }

  /** Sends the GET, with a Range for the part already there when resuming; falls back to a full GET. */
  async start(send: DownloadSend, userHeaders: HeadersLike | undefined): Promise<{ response: ClientResponse; offset: number; complete: boolean }> {
    let partial = this.#resume ? await this.#partial() : undefined;
    for (;;) {
      const headers = mergeHeaders(() => "download", userHeaders, {
        ...(this.#resume ? { "accept-encoding": "identity" } : {}),
        ...(partial ? { range: `bytes=${partial.offset}-`, "if-range": partial.validator } : {}),
      });
      const response = await send({ headers });
      if (!partial) {
        await requireSuccess(response);
        return { response, offset: 0, complete: false };
      }
      const answer = rangeAnswer(response, partial.offset);
      if (answer !== "unusable") return { response, offset: answer === "restart" ? 0 : partial.offset, complete: answer === "complete" };
      await response.release();
      partial = undefined;
    }
  }

  /** Writes the body after the `offset` bytes kept, checks it, and renames the part into place. */
  async finish(response: ClientResponse, offset: number, complete: boolean, checksum: DownloadChecksum | undefined): Promise<DownloadResult> {
    let sink: FileSink | undefined;
    try {
      await this.#saveValidator(response);
      const hash = checksum ? await createSha256() : undefined;
      if (hash && offset) for await (const piece of readFilePieces(this.#part)) hash.update(piece);
      let bytes = offset;
      if (complete) await response.release();
      else {
        sink = await openFileSink(this.#part, offset > 0);
        bytes += await pump(response, sink.write, hash);
        await sink.close();
      }
      let sha256: string | undefined;
      try {
        sha256 = verify(hash, checksum, response);
      } catch (err) {
        await this.#discard(); // a part that fails its checksum is wrong, not short: never resume it
        throw err;
      }
      await renameFile(this.#part, this.#path);
      await removeFile(this.#meta);
      return { path: this.#path, bytes, ...(sha256 === undefined ? {} : { sha256 }) };
    } catch (err) {
      await sink?.close().catch(() => {});
      if (!this.#resume) await this.#discard();
      throw err;
    }
  }

  async #partial(): Promise<Partial | undefined> {
    const offset = await fileSize(this.#part);
    if (!offset) return undefined;
    try {
      const { validator } = JSON.parse(await readTextFile(this.#meta)) as { validator?: unknown };
      return typeof validator === "string" ? { offset, validator } : undefined;
    } catch {
      return undefined;
    }
  }

  /** Records the response's validator so that a later resume can send If-Range. */
  async #saveValidator(response: ClientResponse): Promise<void> {
    if (!this.#resume) return;
    const validator = validatorOf(response);
    if (validator) await writeFileAtomic(this.#meta, JSON.stringify({ validator }), 0o644);
    else await removeFile(this.#meta);
  }

  async #discard(): Promise<void> {
    await removeFile(this.#part).catch(() => {});
    await removeFile(this.#meta).catch(() => {});
  }
}

/**
 * How a server answered a Range request for the bytes after `offset`:
 * `append` (206 from there), `complete` (416: the part is already whole),
 * `restart` (a full 200: no ranges, or the file changed), or `unusable`.
 */
function rangeAnswer(response: ClientResponse, offset: number): "append" | "complete" | "restart" | "unusable" {
  const range = response.headers.get("content-range") ?? "";
  if (response.status === 206) return Number(/^bytes (\d+)-/.exec(range)?.[1]) === offset ? "append" : "unusable";
  if (response.status === 416) return Number(/^bytes \*\/(\d+)$/.exec(range)?.[1]) === offset ? "complete" : "unusable";
  return response.status >= 200 && response.status < 300 ? "restart" : "unusable";
}
