/**
 * The Response of a hop sent through undici's dispatcher
 * (transport_dispatch.ts). It is a standard `Response` to whoever holds it
 * (`instanceof Response`, the same members, headers that refuse changes as
 * fetch's do, a web ReadableStream of bytes as `body`), made without the
 * cost of the Response constructor and of a stream nobody reads: its body
 * stays in a {@link HeldBody} until it is read, and aiofetch's body reader
 * reads that directly ({@link heldBody}).
 *
 * Node's Response checks, in every member, that it was made by its own
 * constructor; so this class has a member of its own for each one of
 * Response.prototype (tests/transport_dispatch.test.ts checks that none is
 * left to Response), and is made a Response only by its prototype.
 */
import type { ChunkReader, HeldBody } from "./dispatch_body.ts";

/**
 * Response headers as fetch's are: readable, and refusing changes
 * ("immutable", fetch's own message). Made on first use: touching `Headers`
 * loads Node's undici, which an import of aiofetch does not.
 */
let ResponseHeaders: (new (init: Array<[string, string]>) => Headers) | undefined;

let APPEND: Headers["append"];

function responseHeadersClass(): new (init: Array<[string, string]>) => Headers {
  APPEND ??= Headers.prototype.append;
  return (ResponseHeaders ??= class extends Headers {
    override append(): void {
      throw new TypeError("immutable");
    }

    override set(): void {
      throw new TypeError("immutable");
    }

    override delete(): void {
      throw new TypeError("immutable");
    }
  });
}

/** The headers undici passed (name, value, name, value…, as Buffers), as a Headers object. */
export function responseHeaders(raw: ReadonlyArray<Uint8Array | string>): Headers {
  const headers = new (responseHeadersClass())([]);
  // Headers' own append, past the refusing one: a third faster than pairs given to the constructor.
  for (let i = 0; i + 1 < raw.length; i += 2) APPEND.call(headers, latin1(raw[i]!), latin1(raw[i + 1]!));
  return headers;
}

function latin1(value: Uint8Array | string): string {
  // undici gives Buffers, whose toString takes an encoding.
  return typeof value === "string" ? value : (value as unknown as { toString(encoding: string): string }).toString("latin1");
}

/** A {@link HeldBody} over a web stream: each branch of a cloned body. */
class StreamBody implements HeldBody {
  readonly #stream: ReadableStream<Uint8Array>;
  #used = false;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#stream = stream;
  }

  get used(): boolean {
    return this.#used;
  }

  getReader(): ChunkReader {
    this.#used = true;
    return this.#stream.getReader();
  }

  collect(): Promise<Uint8Array<ArrayBuffer>> {
    if (this.#used) return Promise.reject(new TypeError("Body is unusable: Body has already been read"));
    this.#used = true;
    return new Response(this.#stream).arrayBuffer().then((whole) => new Uint8Array(whole));
  }

  cancel(reason?: unknown): Promise<void> {
    this.#used = true;
    return this.#stream.locked ? Promise.resolve() : this.#stream.cancel(reason);
  }

  stream(): ReadableStream<Uint8Array> {
    return this.#stream;
  }
}

const UTF8 = new TextDecoder();

/** What a dispatched response holds (see the module comment). */
class DispatchResponse {
  readonly #status: number;
  readonly #statusText: string;
  readonly #headers: Headers;
  readonly #url: URL;
  #href: string | undefined;
  #body: HeldBody | null;

  constructor(status: number, statusText: string, headers: Headers, url: URL, body: HeldBody | null) {
    this.#status = status;
    this.#statusText = statusText;
    this.#headers = headers;
    this.#url = url;
    this.#body = body;
  }

  /** The body held, for aiofetch's own reader; see {@link heldBody}. */
  static held(response: DispatchResponse): HeldBody | null {
    return response.#body;
  }

  get type(): ResponseType {
    return "basic";
  }

  /** The request's URL without its fragment, as fetch gives it. */
  get url(): string {
    if (this.#href === undefined) {
      const url = this.#url;
      this.#href = url.hash ? url.href.slice(0, -url.hash.length) : url.href;
    }
    return this.#href;
  }

  /** Always false: aiofetch follows redirects itself, and each hop is one response. */
  get redirected(): boolean {
    return false;
  }

  get status(): number {
    return this.#status;
  }

  get ok(): boolean {
    return this.#status >= 200 && this.#status <= 299;
  }

  get statusText(): string {
    return this.#statusText;
  }

  get headers(): Headers {
    return this.#headers;
  }

  get body(): ReadableStream<Uint8Array> | null {
    return this.#body?.stream() ?? null;
  }

  get bodyUsed(): boolean {
    return this.#body?.used ?? false;
  }

  clone(): Response {
    if (this.bodyUsed) throw new TypeError("Response.clone: Body has already been consumed.");
    const body = this.#body;
    let copy: HeldBody | null = null;
    if (body) {
      const [mine, theirs] = body.stream().tee();
      this.#body = new StreamBody(mine);
      copy = new StreamBody(theirs);
    }
    return new DispatchResponse(this.#status, this.#statusText, this.#headers, this.#url, copy) as unknown as Response;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    return (await this.bytes()).buffer;
  }

  bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return this.#body ? this.#body.collect() : Promise.resolve(new Uint8Array(0));
  }

  async text(): Promise<string> {
    return UTF8.decode(await this.bytes());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  /** A Blob typed as fetch types it: by the runtime's own Response, over the bytes. */
  async blob(): Promise<Blob> {
    return (await this.#standard()).blob();
  }

  /** The body parsed as a form by the runtime's own Response, from its Content-Type. */
  async formData(): Promise<FormData> {
    return (await this.#standard()).formData();
  }

  /** A plain Response with the body read whole, for what only the runtime's own parses. */
  async #standard(): Promise<Response> {
    const type = this.#headers.get("content-type");
    return new Response(await this.arrayBuffer(), { headers: type === null ? {} : { "content-type": type } });
  }
}

/** Set on the first response, not on import: touching `Response` loads Node's undici. */
let isResponse = false;

/** A standard Response of a dispatched hop (see the module comment); `body` is null for HEAD and the statuses without one. */
export function dispatchResponse(status: number, statusText: string, headers: Headers, url: URL, body: HeldBody | null): Response {
  if (!isResponse) {
    Object.setPrototypeOf(DispatchResponse.prototype, Response.prototype);
    isResponse = true;
  }
  return new DispatchResponse(status, statusText, headers, url, body) as unknown as Response;
}

/** The body `response` holds, if it is a dispatched one; aiofetch reads that rather than `response.body`. */
export function heldBody(response: Response): HeldBody | null | undefined {
  return response instanceof DispatchResponse ? DispatchResponse.held(response) : undefined;
}
