/**
 * Trace hooks, aiohttp's `TraceConfig` in camelCase: lists of handlers a
 * session calls as each of its requests goes by, for logging and profiling.
 * Each handler gets the request's trace context (one per request and config)
 * and the signal's parameters, and is awaited; what it throws fails the request.
 */
import type { ClientResponse } from "./response/response.ts";

/** The context a config makes for each request; by default `{ traceRequestCtx }`. */
export interface TraceContext {
  /** The request's `traceRequestCtx` option, as given. */
  readonly traceRequestCtx: unknown;
  /** Anything a handler keeps between signals, such as a start time. */
  [key: string]: unknown;
}

/** A request as its start, end and headers-sent signals see it. */
export interface TraceRequestParams {
  /** The method, upper case. */
  readonly method: string;
  /** The request's URL (for a hop's signals, the hop's). */
  readonly url: URL;
  /** The request's headers (for a hop's signals, the ones the hop sends: auth and cookies included). */
  readonly headers: Headers;
}

/** `onRequestEnd` and `onRequestRedirect`: the request and the response it got. */
export interface TraceResponseParams extends TraceRequestParams {
  /** The final response (`onRequestEnd`), or the redirect being followed (`onRequestRedirect`). */
  readonly response: ClientResponse;
}

/** `onRequestException`: the request and why it failed. */
export interface TraceExceptionParams extends TraceRequestParams {
  /** What the request throws. */
  readonly exception: unknown;
}

/** `onRequestChunkSent` and `onResponseChunkReceived`: one chunk of a body. */
export interface TraceChunkParams {
  /** The method, upper case. */
  readonly method: string;
  /** The hop's URL. */
  readonly url: URL;
  /** The bytes (not a copy: read, don't keep or change them). */
  readonly chunk: Uint8Array;
}

/** `onConnectionQueuedStart`/`End`: a hop waits for a concurrency slot. */
export interface TraceQueuedParams {
  /** The origin whose slot it waits for, such as `https://example.com`. */
  readonly origin: string;
}

/**
 * A trace handler: called with the request's context and the signal's
 * parameters, and awaited. Written as a method's type, whose parameters
 * TypeScript compares both ways, so a config whose context is richer than
 * `object` still goes in `traceConfigs`.
 */
export type TraceHandler<P, C = TraceContext> = {
  handler(context: C, params: P): void | Promise<void>;
}["handler"];

/**
 * Trace hooks for a session, as aiohttp's `TraceConfig`: push handlers onto
 * the signals, then pass the config in `traceConfigs`. Handlers are awaited in
 * order; what one throws fails the request. aiohttp's first argument, the
 * session, is left out: close over it if a handler needs it. Connection and
 * DNS signals (aiohttp's `onConnectionCreate*`, `onDnsResolvehost*`) are not
 * here: no runtime's fetch tells when a connection is made or reused.
 *
 * In order, for a request redirected once and read: `onRequestStart`,
 * (`onConnectionQueuedStart`, `onConnectionQueuedEnd` when it waits for a
 * slot), `onRequestHeadersSent`, (`onRequestChunkSent` per body chunk),
 * `onRequestRedirect`, then the same for the next hop, `onRequestEnd` when
 * the response is returned, `onResponseChunkReceived` per chunk read; or
 * `onRequestException` instead of `onRequestEnd` when the request fails.
 *
 * @example
 * ```ts
 * const timing = new TraceConfig();
 * timing.onRequestStart.push((ctx) => void (ctx.started = performance.now()));
 * timing.onRequestEnd.push((ctx, { method, url, response }) => {
 *   console.log(method, url.href, response.status, performance.now() - (ctx.started as number), "ms");
 * });
 * await using session = new ClientSession({ traceConfigs: [timing] });
 * ```
 */
export class TraceConfig<C extends object = TraceContext> {
  /** The request starts, before anything is sent. */
  readonly onRequestStart: TraceHandler<TraceRequestParams, C>[] = [];
  /** The response is returned (after `raiseForStatus` passed it). */
  readonly onRequestEnd: TraceHandler<TraceResponseParams, C>[] = [];
  /** The request failed: an error, a timeout, an abort, `raiseForStatus`. */
  readonly onRequestException: TraceHandler<TraceExceptionParams, C>[] = [];
  /** A redirect is followed; `response` is the redirect. */
  readonly onRequestRedirect: TraceHandler<TraceResponseParams, C>[] = [];
  /**
   * A hop is handed to the runtime's fetch, with the headers it sends (fetch
   * does not tell when they reach the socket). Once per hop, and per send of
   * a middleware that sends again.
   */
  readonly onRequestHeadersSent: TraceHandler<TraceRequestParams, C>[] = [];
  /**
   * The runtime took a chunk of the request body. With a handler here, bodies
   * go to fetch as streams (as with `onUploadProgress`): on Deno, chunked.
   */
  readonly onRequestChunkSent: TraceHandler<TraceChunkParams, C>[] = [];
  /** A chunk of the response body was read. */
  readonly onResponseChunkReceived: TraceHandler<TraceChunkParams, C>[] = [];
  /** A hop starts waiting for a concurrency slot (only when it has to wait). */
  readonly onConnectionQueuedStart: TraceHandler<TraceQueuedParams, C>[] = [];
  /** The hop got its slot. */
  readonly onConnectionQueuedEnd: TraceHandler<TraceQueuedParams, C>[] = [];
  readonly #makeContext: (traceRequestCtx: unknown) => C;

  /**
   * `contextFactory` makes each request's context from its `traceRequestCtx`
   * (aiohttp's `trace_config_ctx_factory`); by default `{ traceRequestCtx }`.
   *
   * @example
   * ```ts
   * const config = new TraceConfig((traceRequestCtx) => ({ traceRequestCtx, marks: [] as string[] }));
   * config.onRequestHeadersSent.push((ctx, { url }) => void ctx.marks.push(url.href));
   * ```
   */
  constructor(contextFactory?: (traceRequestCtx: unknown) => C) {
    this.#makeContext = contextFactory ?? ((traceRequestCtx) => ({ traceRequestCtx }) as unknown as C);
  }

  /** A new context for one request. */
  contextFor(traceRequestCtx: unknown): C {
    return this.#makeContext(traceRequestCtx);
  }
}

/** The names of {@link TraceConfig}'s signals. */
export type TraceSignal =
  | "onRequestStart"
  | "onRequestEnd"
  | "onRequestException"
  | "onRequestRedirect"
  | "onRequestHeadersSent"
  | "onRequestChunkSent"
  | "onResponseChunkReceived"
  | "onConnectionQueuedStart"
  | "onConnectionQueuedEnd";
