/**
 * One hop: the innermost step of a request, which a redirect repeats. It
 * takes a concurrency slot for the hop's own origin, sends through the
 * connector, and turns any runtime failure into aiofetch's typed errors here,
 * so that whatever runs around a hop sees `ClientConnectorError` and kin,
 * never a runtime's raw error.
 */
import type { BaseConnector, HopTransport } from "../connector/base.ts";
import { toClientError } from "../errors/classify.ts";
import { type HeaderRecord, headersInit } from "../headers.ts";
import type { EncodedBody } from "../request/body.ts";
import { hopBody } from "../request/upload.ts";
import { ClientResponse, ClientResponseInit, type SentRequest } from "../response/response.ts";
import { HOP_INIT, hooksAborts, withRequestSignal } from "../runtime/hop_init.ts";
import type { Deadline } from "../timeout.ts";
import type { SentObserver } from "./observers.ts";
import { type RequestTrace, traceHeaders } from "./tracing.ts";

/** What one hop sends. Its headers are the ones sent: auth and cookies included. */
export interface HopRequest extends SentRequest {
  /** The encoded body, if any. */
  readonly body: EncodedBody | undefined;
  /**
   * The signal the hop's fetch gets; `undefined` for the request's own
   * (timeouts and the user's abort), which is made only if something asks
   * for it ({@link sendHop}).
   */
  readonly signal?: AbortSignal | undefined;
}

/**
 * A hop of the request's own redirect loop (a middleware's hops are its own objects).
 * A class, not an object literal: V8 tenures a literal's allocation site
 * once most of its objects outlive a scavenge, as a request's do (see
 * bench/README.md, "Where the time goes").
 */
export class LoopHop implements HopRequest {
  constructor(
    readonly method: string,
    readonly url: URL,
    readonly headers: HeaderRecord,
    readonly body: EncodedBody | undefined,
  ) {}
}

/**
 * The init a hop's fetch gets, before the members of {@link HOP_INIT}, the
 * signal and `duplex` are added. A class, as {@link LoopHop} is.
 */
class HopInit {
  readonly redirect = "manual" as const;
  constructor(
    readonly method: string,
    readonly headers: HeadersInit,
    readonly body: BodyInit | null | undefined,
  ) {}
}

/** The request-wide facts a hop needs. */
export interface HopContext {
  readonly connector: BaseConnector;
  /** Where hops are sent: the connector, or its transport for the request's own `ssl`. */
  readonly transport: HopTransport;
  readonly deadline: Deadline;
  readonly maxBodySize: number | undefined;
  readonly autoDecompress: boolean;
  /** Watches each hop's request body, for upload progress and the trace. */
  readonly sentObserver: SentObserver | undefined;
  readonly trace: RequestTrace | undefined;
}

/**
 * Sends one hop and resolves with its response once the headers arrive. The
 * response holds the hop's slot until its body is over; the request's own
 * timers stay with the caller.
 */
export async function sendHop(hop: HopRequest, ctx: HopContext): Promise<ClientResponse> {
  const { connector, transport, deadline, trace } = ctx;
  let release: (() => void) | undefined;
  try {
    const slot = connector.acquire(hop.url.origin, () => deadline.signal);
    release = typeof slot === "function" ? slot : await queued(slot, hop.url.origin, ctx);
    // Before the headers are read for sending: the body may add Content-Length (and a FormData's type).
    const body = hopBody(hop.body, hop.headers, ctx.sentObserver?.(hop));
    if (trace) await trace.send("onRequestHeadersSent", { method: hop.method, url: hop.url, headers: traceHeaders(hop.headers) });
    // HOP_INIT: bodies come as sent, and aiofetch decodes them (response/decoding.ts); on Bun, no proxy of the
    // environment's. Assigned, not spread first: members added after a spread cost Node microseconds.
    const init: RequestInit & { duplex?: "half" } = Object.assign(new HopInit(hop.method, headersInit(hop.headers), body.body), HOP_INIT);
    if (body.duplex) init.duplex = body.duplex;
    // The request's own signal is made only if the transport reads it (fetch does; Node's dispatcher needs none).
    if (hop.signal === undefined || deadline.ownsSignal(hop.signal)) withRequestSignal(init, deadline, hooksAborts(transport));
    else init.signal = hop.signal;
    const raw = await transport.fetch(hop.url, init);
    deadline.connected();
    return new ClientResponse(raw, new ClientResponseInit(hop, deadline, ctx.maxBodySize, ctx.autoDecompress, release));
  } catch (err) {
    release?.();
    throw toClientError(err, hop, deadline.abortReason(), transport.proxyFor?.(hop.url));
  }
}

/**
 * Waits for a slot, firing the trace's queued signals around the wait. A
 * handler that throws aborts the request, which ends the wait too.
 */
async function queued(slot: Promise<() => void>, origin: string, { trace, deadline }: HopContext): Promise<() => void> {
  if (!trace) return slot;
  const params = { origin };
  const started = trace.send("onConnectionQueuedStart", params).catch((err) => deadline.abort(err));
  const release = await slot;
  try {
    await started;
    await trace.send("onConnectionQueuedEnd", params);
  } catch (err) {
    release();
    throw err;
  }
  return release;
}
