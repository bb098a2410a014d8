/**
 * One request's trace: its session's trace configs, each with the context it
 * made for this request, and the one way to fire a signal at all of them. A
 * request of a session without trace configs has none, and pays nothing.
 */
import { type HeaderRecord, headersInit } from "../headers.ts";
import type { TraceConfig, TraceSignal } from "../trace.ts";

/** Each signal's parameters, by name. */
type ParamsOf<S extends TraceSignal> = Parameters<TraceConfig[S][number]>[1];

/** The trace of one request. */
export class RequestTrace {
  readonly #traces: ReadonlyArray<readonly [TraceConfig<object>, object]>;

  constructor(configs: readonly TraceConfig<object>[], traceRequestCtx: unknown) {
    this.#traces = configs.map((config) => [config, config.contextFor(traceRequestCtx)] as const);
  }

  /** True if some config has a handler for `signal`: worth preparing its parameters for. */
  wants(signal: TraceSignal): boolean {
    return this.#traces.some(([config]) => config[signal].length > 0);
  }

  /** Calls every handler of `signal`, config by config and in order, awaiting each. */
  async send<S extends TraceSignal>(signal: S, params: ParamsOf<S>): Promise<void> {
    for (const [config, context] of this.#traces) {
      for (const handler of config[signal] as ReadonlyArray<(context: object, params: ParamsOf<S>) => void | Promise<void>>) {
        await handler(context, params);
      }
    }
  }
}

/** A trace for a request of a session with `configs`, or none without any. */
export function traceRequest(configs: readonly TraceConfig<object>[], traceRequestCtx: unknown): RequestTrace | undefined {
  return configs.length ? new RequestTrace(configs, traceRequestCtx) : undefined;
}

/** Headers for a signal's parameters: a copy, so a handler cannot change what is sent. */
export function traceHeaders(headers: HeaderRecord): Headers {
  return new Headers(headersInit(headers));
}
