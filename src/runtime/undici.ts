/**
 * Keeping Node's fetch (undici) from decoding bodies. undici decodes every
 * body whose Content-Encoding lists only codings it knows, with no fetch
 * option to stop it, and decodes leniently: a truncated gzip, deflate or br
 * body ends quietly with what was decoded, and on Node 20 a decoder error on
 * the chunk that comes with the end of the response leaves the body hanging
 * (fetch_codings.ts has the measurements). undici's fetch does take a
 * `dispatcher`, which sees the response headers before fetch does.
 *
 * {@link RAW_DISPATCHER} forwards every request to undici's global dispatcher
 * (the one fetch would have used: Node's own, or what `setGlobalDispatcher()`
 * installed), and appends `identity` to the response's Content-Encoding on
 * the way. undici does not know `identity` as a coding, and a coding it does
 * not know makes it hand the body back as sent; the header still means what
 * the server said. {@link unmarkEncoding} takes it off again. A transport's
 * own Agent (transport_undici.ts) is wrapped the same way by
 * {@link rawDispatcher}.
 */

/**
 * What undici's fetch hands a dispatcher: the callbacks of undici's
 * (legacy, and in undici 7 still supported) handler interface, which fetch's
 * own handler implements.
 */
export interface DispatchHandler {
  onConnect?(abort: (reason?: unknown) => void, context?: unknown): void;
  onUpgrade?(statusCode: number, headers: RawHeaders, socket: unknown): void;
  onResponseStarted?(): void;
  onHeaders?(statusCode: number, headers: RawHeaders, resume: () => void, statusText: string): boolean;
  onData?(chunk: Uint8Array): boolean;
  onComplete?(trailers: unknown): void;
  onError?(err: unknown): void;
  onBodySent?(chunk: unknown, sent?: unknown): void;
  onRequestSent?(): void;
}

/** Response headers as undici passes them: name, value, name, value… (HTTP/1.1), or a record of lower-case names (HTTP/2). */
export type RawHeaders = Array<Uint8Array | string> | Record<string, string | string[] | undefined>;

/** An undici dispatcher: the global one, or a transport's Agent. */
export interface Dispatcher {
  dispatch(options: object, handler: DispatchHandler): boolean;
  readonly isMockActive?: boolean;
}

/** Where undici keeps its global dispatcher, shared by Node's bundled copy and the npm package. */
const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");
const MARK = ", identity";
/** undici refuses more codings than this; a header already at the limit is left alone. */
const MAX_CODINGS = 5;

function globalDispatcher(): Dispatcher {
  const dispatcher = (globalThis as Record<symbol, Dispatcher | undefined>)[GLOBAL_DISPATCHER];
  // Loading undici sets it, and only undici's fetch calls a dispatcher.
  if (!dispatcher) throw new TypeError("aiofetch: undici's global dispatcher is not set");
  return dispatcher;
}

/** Header bytes as text: undici gives Buffers, whose toString takes an encoding. */
function latin1(value: Uint8Array | string | string[] | undefined): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.join(", ");
  return value === undefined ? "" : (value as unknown as { toString(encoding: string): string }).toString("latin1");
}

function mark(value: string): string {
  return value.split(",").length >= MAX_CODINGS ? value : value + MARK;
}

/** The headers with the (last) Content-Encoding marked, copied only when there is one. */
function markHeaders(headers: RawHeaders): RawHeaders {
  if (!Array.isArray(headers)) {
    const value = headers["content-encoding"];
    return value === undefined ? headers : { ...headers, "content-encoding": mark(latin1(value)) };
  }
  let last = -1;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    if (name.length === 16 && latin1(name).toLowerCase() === "content-encoding") last = i;
  }
  if (last < 0) return headers;
  const marked = headers.slice();
  // undici reads a value with toString("latin1"), which a string answers too.
  marked[last + 1] = mark(latin1(headers[last + 1]));
  return marked;
}

/**
 * A handler that passes every callback to fetch's handler, called on that
 * handler itself, which keeps its state on `this`; subclasses change one or
 * two. A class, one instance per request, so that V8 sees one shape (making
 * fetch's handler the prototype of a new object per request instead cost
 * Node 15-20 % more CPU per request).
 */
export class ForwardingHandler implements DispatchHandler {
  /** fetch's handler. */
  protected readonly handler: DispatchHandler;

  constructor(handler: DispatchHandler) {
    this.handler = handler;
  }

  onConnect(abort: (reason?: unknown) => void, context?: unknown): void {
    this.handler.onConnect?.(abort, context);
  }

  onUpgrade(statusCode: number, headers: RawHeaders, socket: unknown): void {
    this.handler.onUpgrade?.(statusCode, headers, socket);
  }

  onResponseStarted(): void {
    this.handler.onResponseStarted?.();
  }

  onHeaders(statusCode: number, headers: RawHeaders, resume: () => void, statusText: string): boolean {
    return this.handler.onHeaders!(statusCode, headers, resume, statusText);
  }

  onData(chunk: Uint8Array): boolean {
    return this.handler.onData!(chunk);
  }

  onComplete(trailers: unknown): void {
    this.handler.onComplete?.(trailers);
  }

  onError(err: unknown): void {
    this.handler.onError?.(err);
  }

  onBodySent(chunk: unknown, sent?: unknown): void {
    this.handler.onBodySent?.(chunk, sent);
  }

  onRequestSent(): void {
    this.handler.onRequestSent?.();
  }
}

/** fetch's handler with `onHeaders` given the marked headers. */
class MarkingHandler extends ForwardingHandler {
  override onHeaders(statusCode: number, headers: RawHeaders, resume: () => void, statusText: string): boolean {
    return this.handler.onHeaders!(statusCode, markHeaders(headers), resume, statusText);
  }
}

/** fetch's handler, marked when it reads the body (an upgrade's does not). */
function marking(handler: DispatchHandler): DispatchHandler {
  return typeof handler.onHeaders === "function" && typeof handler.onData === "function" ? new MarkingHandler(handler) : handler;
}

/**
 * The `dispatcher` given to undici's fetch (see the module comment). Other
 * runtimes' fetch ignores the member, as WebIDL has it for unknown ones.
 */
export const RAW_DISPATCHER: Dispatcher = {
  // undici's fetch reads this of its dispatcher: true while a MockAgent intercepts.
  get isMockActive() {
    return globalDispatcher().isMockActive;
  },
  dispatch(options, handler) {
    return globalDispatcher().dispatch(options, marking(handler));
  },
};

/** A dispatcher that sends through `target` (an undici Agent of a transport), marking as {@link RAW_DISPATCHER} does. */
export function rawDispatcher(target: Dispatcher): Dispatcher {
  return { dispatch: (options, handler) => target.dispatch(options, marking(handler)) };
}

/**
 * The Content-Encoding the server sent, if `contentEncoding` carries the
 * mark (so that undici left the body as sent); `undefined` if it does not,
 * which means a dispatcher other than ours carried the request and undici
 * decoded what it knows. A server's own trailing `identity` reads the same,
 * and rightly: undici left that body as sent too.
 */
export function unmarkEncoding(contentEncoding: string): string | undefined {
  return contentEncoding.endsWith(MARK) ? contentEncoding.slice(0, -MARK.length) : undefined;
}
