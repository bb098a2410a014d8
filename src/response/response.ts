import { BodySource, BodySourceOptions } from "./body_source.ts";
import type { BodyObserver } from "../streams.ts";
import { type ContentType, isJsonMimeType, parseContentType } from "./content_type.ts";
import { contentLengthOf, type HeaderRecord, headersInit } from "../headers.ts";
import { ClientResponseError, ContentTypeError, JSONDecodeError, type ResponseErrorInit } from "../errors/response.ts";
import { describeRequest, redactUrl } from "../errors/describe.ts";
import { heldBody } from "../runtime/dispatch_response.ts";
import { DENO_INSPECT, NODE_INSPECT } from "../runtime/inspect.ts";
import type { RequestInfo } from "../errors/request_info.ts";
import { encodedBody } from "./decoding.ts";
import { reasonPhrase } from "./reasons.ts";
import { StreamReader } from "./stream_reader.ts";
import type { Deadline } from "../timeout.ts";
import { type CookieInfo, parseSetCookies } from "../cookie_jar.ts";

/**
 * What the hop that got a {@link ClientResponse} hands it.
 * A class, not an object literal: V8 tenures a literal's allocation site
 * once most of its objects outlive a scavenge, as a request's do (see
 * bench/README.md, "Where the time goes").
 */
export class ClientResponseInit {
  constructor(
    /** The request as sent; `requestInfo` and `url` are made from it when asked for. */
    readonly sent: SentRequest,
    /** The request's timers: its signal aborts the body, and `sockRead` times body reads. */
    readonly deadline: Deadline,
    /** See `RequestOptions.maxBodySize`. */
    readonly maxBodySize: number | undefined,
    /** See `RequestOptions.autoDecompress`. */
    readonly autoDecompress: boolean,
    /** Frees what the hop holds (its concurrency slot); called once, when the body is over. */
    readonly onFinish: () => void,
  ) {}
}

/** One hop as it went to fetch. */
export interface SentRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: HeaderRecord;
}

/** Makes a response the one its request returns: a symbol, so it stays off the public surface. */
export const adoptResponse: unique symbol = Symbol("aiofetch.adoptResponse");

/** Options of {@link ClientResponse.json}. */
export interface JsonOptions {
  /** Parses the text; `JSON.parse` by default. */
  loads?: (text: string) => unknown;
  /**
   * The content type required: `application/json` (the default) accepts any
   * `application/…+json` too; `null` skips the check.
   */
  contentType?: string | null;
}

/** What a {@link ClientResponseError} about `response` carries; `history` defaults to the response's own. */
export function responseErrorInit(response: ClientResponse, message: string, history = response.history): ResponseErrorInit {
  return { requestInfo: response.requestInfo, history, status: response.status, reason: response.reason, message, headers: response.headers };
}

/** A copy of `url` without its fragment, as `response.url` shows it. */
function withoutFragment(url: URL): URL {
  const copy = new URL(url);
  if (copy.hash) copy.hash = "";
  return copy;
}

/** Decoding without `stream: true` keeps no state, so one UTF-8 decoder serves every response. */
const UTF8 = new TextDecoder();
const decodeUtf8 = (bytes: Uint8Array): string => UTF8.decode(bytes);
const NO_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * A response, as aiohttp's `ClientResponse`: status and headers at once, the
 * body read on demand with `read()`, `text()`, `json()` or as a stream.
 * `await using resp = await session.get(…)` releases it at the end of the block.
 */
export class ClientResponse {
  /** The HTTP status code. */
  readonly status: number;
  /**
   * The status's reason phrase as RFC 9110 names it (`"Not Found"`), the same
   * on every runtime; `""` for an unregistered status. Not the phrase the
   * server sent: Deno's fetch does not expose it, and HTTP/2 has none.
   */
  readonly reason: string;
  /** The request method, upper case. */
  readonly method: string;
  /** The response headers, Content-Encoding as the server sent it. */
  readonly headers: Headers;
  /**
   * The runtime's own `Response`; its body belongs to this object, so don't
   * read it. Its headers are as fetch made them: on Node, when the hop went
   * through fetch, a Content-Encoding ends in `, identity`, which kept fetch
   * from decoding the body itself (a hop sent through undici's dispatcher
   * without fetch has nothing to keep from decoding: see the README's
   * "Runtime notes").
   */
  readonly raw: Response;

  readonly #sent: SentRequest;
  #history: readonly ClientResponse[] = [];
  #cookies: Record<string, CookieInfo> | undefined;
  #url: URL | undefined;
  #requestInfo: RequestInfo | undefined;
  readonly #source: BodySource;
  #contentType: Readonly<ContentType> | undefined;
  #consumer: "buffer" | "stream" | "content" | undefined;
  #bytes: Promise<Uint8Array> | undefined;
  #stream: ReadableStream<Uint8Array<ArrayBuffer>> | undefined;
  #content: StreamReader | undefined;

  /**
   * Made by a hop, which hands over its slot; the request's own resources come later, with the final response.
   * @ignore
   */
  constructor(raw: Response, init: ClientResponseInit) {
    this.raw = raw;
    this.status = raw.status;
    this.reason = reasonPhrase(raw.status);
    this.#sent = init.sent;
    this.method = init.sent.method;
    const hasBody = this.method !== "HEAD" && !NO_BODY_STATUSES.has(this.status);
    // A body the transport holds is read as it is, with no stream made for it (runtime/dispatch_response.ts).
    const held = heldBody(raw);
    // From what was sent, not from `this`: the body must not keep its response reachable
    // (an unreachable response's body is released by the request's finalizer).
    const label = () => describeRequest(init.sent.method, withoutFragment(init.sent.url));
    // A body without Content-Encoding is read as fetch gave it, with no more work than that.
    const contentEncoding = raw.headers.get("content-encoding");
    // The decoders read a stream: a held body becomes one here, and the runtime's is taken.
    const encoded = contentEncoding === null ? undefined : encodedBody(raw, !hasBody || held === null ? null : held ? held.stream() : raw.body, contentEncoding, init.autoDecompress, label);
    this.headers = encoded ? encoded.headers : raw.headers;
    // The runtime's stream only if the body is read chunk by chunk: collected whole, it needs none.
    const body = !hasBody ? null : encoded ? encoded.stream : held === undefined ? () => raw.body : held;
    this.#source = new BodySource(body, new BodySourceOptions(
      label,
      init.deadline,
      init.maxBodySize,
      encoded ? encoded.expectedSize : contentLengthOf(raw.headers.get("content-length")),
      init.onFinish,
      encoded && !encoded.native ? undefined : held ? () => held.collect() : () => raw.arrayBuffer(),
    ));
    if (!hasBody && raw.body) void raw.body.cancel().catch(() => {});
  }

  /**
   * Makes this the response a request returns (aiofetch's own call): it takes
   * the redirects before it, the request's body observer, and `onFinish`,
   * which frees the request's timers when the body is over. Returns the body,
   * which the session releases on close.
   * @ignore
   */
  [adoptResponse](history: readonly ClientResponse[], observer: BodyObserver | undefined, onFinish: () => void): BodySource {
    this.#history = history;
    this.#source.adopt(observer, onFinish);
    this.#source.guard(this);
    return this.#source;
  }

  /** The redirect responses before this one, oldest first; empty without redirects. */
  get history(): readonly ClientResponse[] {
    return this.#history;
  }

  /** The cookies this response set (name → value and attributes); parsed when first asked for. */
  get cookies(): Readonly<Record<string, CookieInfo>> {
    return (this.#cookies ??= parseSetCookies(this.headers.getSetCookie()));
  }

  /** The final URL (after redirects), without fragment. */
  get url(): URL {
    if (!this.#url) {
      // Made on demand: most responses are never asked for it.
      this.#url = withoutFragment(this.#sent.url);
    }
    return this.#url;
  }

  /** The request that produced this response, as sent. */
  get requestInfo(): RequestInfo {
    return (this.#requestInfo ??= { url: new URL(this.#sent.url), method: this.method, headers: new Headers(headersInit(this.#sent.headers)) });
  }

  /** True when the status is below 400 (aiohttp's rule; fetch's `ok` stops at 299). */
  get ok(): boolean {
    return this.status < 400;
  }

  /** The MIME type from Content-Type, lower case; `application/octet-stream` if absent. */
  get contentType(): string {
    return this.#parsedContentType().mimeType;
  }

  /** The `charset` of Content-Type, lower case, if given. */
  get charset(): string | undefined {
    return this.#parsedContentType().charset;
  }

  /** The Content-Length header as a number, if present and valid. */
  get contentLength(): number | undefined {
    return contentLengthOf(this.headers.get("content-length"));
  }

  /** Throws a {@link ClientResponseError} for a status ≥ 400; the body stays readable. */
  raiseForStatus(): void {
    if (this.ok) return;
    throw new ClientResponseError(responseErrorInit(this, this.reason));
  }

  /** The whole body as bytes; cached, so later calls (and `text()`, `json()`) reuse it. */
  read(): Promise<Uint8Array> {
    if (this.#bytes) return this.#bytes;
    if (this.#consumer && this.#consumer !== "buffer") return Promise.reject(this.#usedError("read()"));
    this.#consumer = "buffer";
    this.#source.claim();
    return (this.#bytes = this.#source.readAll());
  }

  /**
   * The body as text: `encoding` if given, else the charset of Content-Type,
   * else UTF-8. Undecodable bytes become U+FFFD, as in fetch's `text()`.
   */
  text(encoding?: string): Promise<string> {
    const label = encoding ?? this.charset ?? "utf-8";
    // Not an async function: a promise and a frame less per response on the common path.
    if (label === "utf-8") return this.read().then(decodeUtf8);
    let decoder: TextDecoder;
    try {
      decoder = new TextDecoder(label);
    } catch (err) {
      const error = new TypeError(`${describeRequest(this.method, this.url)}: unknown text encoding ${JSON.stringify(label)}`, { cause: err });
      return this.release().then(() => Promise.reject(error));
    }
    return this.read().then((bytes) => decoder.decode(bytes));
  }

  /**
   * The body parsed as JSON; `null` for an empty body. A content type that is
   * not JSON throws {@link ContentTypeError} unless `contentType: null`; the
   * body is read either way, so the response is released and its text kept.
   */
  async json<T = unknown>(options: JsonOptions = {}): Promise<T> {
    const { loads = JSON.parse, contentType = "application/json" } = options;
    // Read first, as aiohttp does: a wrong content type then leaves the body whole (and cached)
    // for `json({ contentType: null })`, and nothing holds the slot or the timers.
    const text = await this.text(this.charset ?? "utf-8");
    if (contentType !== null && !this.#contentTypeMatches(contentType)) {
      throw new ContentTypeError(responseErrorInit(this, `Attempt to decode JSON with unexpected mimetype: ${this.contentType}`));
    }
    if (text.trim() === "") return null as T;
    try {
      return loads(text) as T;
    } catch (err) {
      throw new JSONDecodeError({ ...responseErrorInit(this, `the body is not valid JSON: ${(err as Error)?.message ?? String(err)}`), cause: err });
    }
  }

  /**
   * The body as a standard ReadableStream, for `pipeTo`/`pipeThrough`. The same
   * stream on every access; it cannot be combined with `read()`/`text()`/`json()`.
   * Its chunks are typed `Uint8Array<ArrayBuffer>` (never a shared buffer), so
   * `resp.body.pipeThrough(new TextDecoderStream())` type-checks.
   *
   * @example
   * ```ts
   * for await (const text of resp.body.pipeThrough(new TextDecoderStream())) console.log(text);
   * ```
   */
  get body(): ReadableStream<Uint8Array<ArrayBuffer>> {
    if (this.#stream) return this.#stream;
    if (this.#consumer && this.#consumer !== "stream") throw this.#usedError("body");
    this.#consumer = "stream";
    const source = this.#source;
    source.claim();
    return (this.#stream = new ReadableStream<Uint8Array<ArrayBuffer>>({
      async pull(controller) {
        const chunk = await source.next();
        if (chunk) controller.enqueue(chunk as Uint8Array<ArrayBuffer>);
        else controller.close();
      },
      cancel: (reason) => source.cancel(reason),
    }, { highWaterMark: 0 }));
  }

  /**
   * The body as an aiohttp-style {@link StreamReader}: `read(n)`, `readLine()`,
   * `iterChunked(n)`, `for await (const line of resp.content)`… The same reader
   * on every access; it cannot be combined with `body` or `read()`/`text()`/`json()`.
   */
  get content(): StreamReader {
    if (this.#content) return this.#content;
    if (this.#consumer) throw this.#usedError("content");
    this.#consumer = "content";
    this.#source.claim();
    return (this.#content = new StreamReader(this.#source, describeRequest(this.method, this.url)));
  }

  /** True once the body has been read to the end, released, or has failed. */
  get closed(): boolean {
    return this.#source.finished;
  }

  /**
   * Drops the unread body and frees the connection and timers. Safe to call
   * twice. A `read()`/`text()`/`json()` already under way is not cut short:
   * release waits for it, so `await using resp = …; return resp.json();` gets
   * the body on every runtime. A `body` stream or `content` read is cancelled.
   */
  release(): Promise<void> {
    if (this.#bytes && !this.#source.finished) return this.#bytes.then(() => {}, () => {});
    return this.#source.cancel();
  }

  /** `<ClientResponse(url) [200 OK]>`, as aiohttp prints a response; `console.log` shows the same. */
  toString(): string {
    return `<ClientResponse(${redactUrl(this.url)}) [${this.status} ${this.reason}]>`;
  }

  /** What `console.log` and `util.inspect` print on Node and Bun. @ignore */
  [NODE_INSPECT](): string {
    return this.toString();
  }

  /** What `console.log` and `Deno.inspect` print on Deno. @ignore */
  [DENO_INSPECT](): string {
    return this.toString();
  }

  /** `await using resp = …` releases the response at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }

  /** Content-Type parsed once: the headers of a fetch response cannot change. */
  #parsedContentType(): Readonly<ContentType> {
    return (this.#contentType ??= parseContentType(this.headers.get("content-type")));
  }

  #contentTypeMatches(expected: string): boolean {
    const actual = this.contentType;
    return expected.toLowerCase() === "application/json" ? isJsonMimeType(actual) : actual.includes(expected.toLowerCase());
  }

  #usedError(what: string): TypeError {
    const how = { stream: "as a stream (body)", content: "through content", buffer: "by read()/text()/json()" }[this.#consumer!];
    return new TypeError(`${describeRequest(this.method, this.url)}: cannot use ${what}, the body was already consumed ${how}`);
  }
}
