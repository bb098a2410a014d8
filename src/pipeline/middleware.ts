/**
 * Client middlewares, as aiohttp's: each wraps the sending of one hop, inside
 * the redirect loop and outside the cookie steps. A middleware gets the hop's
 * request and the handler that sends it, and may change the request, call the
 * handler more than once (a retry, a challenge answered), skip it by
 * throwing, or return whichever of the responses it got.
 */
import type { ClientResponse } from "../response/response.ts";
import { copyHeaders, headerRecord } from "../headers.ts";
import { encodeData, type RequestData } from "../request/body.ts";
import { type HopContext, type HopRequest, sendHop } from "./hop.ts";

/**
 * One hop's request as a middleware sees it; change it in place or pass a
 * changed copy to the handler. Its headers include the auth and cookies the
 * hop sends.
 */
export interface ClientRequest {
  /** The method, upper case. */
  method: string;
  /** Where the hop goes. */
  url: URL;
  /** The headers sent. */
  headers: Headers;
  /**
   * The body as fetch takes it, `undefined` without one. A middleware may
   * replace it (with anything `data` takes); one that sends a request twice
   * must check {@link ClientRequest.replayable} first.
   */
  body: RequestData | undefined;
  /** False for a one-shot stream body, which can be sent once only. */
  readonly replayable: boolean;
  /** The request's signal: its timeouts and the user's abort. */
  readonly signal: AbortSignal;
  /**
   * Milliseconds left of the request's `ClientTimeout.total`, `Infinity`
   * without one: a middleware about to wait (a retry's backoff) checks it.
   */
  timeLeft(): number;
}

/**
 * Sends a request (through the middlewares after this one) and resolves with
 * its response. Calling it again releases the responses it gave before.
 */
export type ClientHandler = (request: ClientRequest) => Promise<ClientResponse>;

/**
 * A middleware: gets each hop's request and the handler that sends it.
 *
 * @example
 * ```ts
 * const timing: ClientMiddleware = async (request, handler) => {
 *   const started = performance.now();
 *   const response = await handler(request);
 *   console.log(request.method, request.url.href, response.status, performance.now() - started);
 *   return response;
 * };
 * const session = new ClientSession({ middlewares: [timing] });
 * ```
 */
export type ClientMiddleware = (request: ClientRequest, handler: ClientHandler) => Promise<ClientResponse>;

/** The hop a request was made from, and its Headers once made. */
const FROM_HOP = Symbol("aiofetch.fromHop");

interface HopFields {
  readonly hop: HopRequest;
  headers: Headers | undefined;
}

type HopClientRequest = ClientRequest & { readonly [FROM_HOP]?: HopFields };

/**
 * `headers` made on first use: a middleware that only looks at the status (a
 * retry) costs no Headers copy, a few microseconds per request. An own
 * enumerable accessor, so `{ ...request }` copies it as a value; one shared
 * descriptor, since an accessor in an object literal costs more than the copy.
 */
const LAZY_HEADERS: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: HopClientRequest) {
    const fields = this[FROM_HOP]!;
    return (fields.headers ??= new Headers(Object.entries(fields.hop.headers)));
  },
  set(this: HopClientRequest, headers: Headers) {
    this[FROM_HOP]!.headers = headers;
  },
};

/** The hop as a middleware sees it: a URL of its own to change, and lazy Headers. */
function toClientRequest(hop: HopRequest, ctx: HopContext): HopClientRequest {
  const body = hop.body;
  const request = {
    method: hop.method,
    url: new URL(hop.url),
    body: body?.body,
    replayable: body ? body.replayable : true,
    signal: hop.signal ?? ctx.deadline.signal,
    timeLeft: () => ctx.deadline.totalRemaining(),
    [FROM_HOP]: { hop, headers: undefined } as HopFields,
  };
  return Object.defineProperty(request, "headers", LAZY_HEADERS) as HopClientRequest;
}

/** The hop a middleware's request sends: the original's headers where it left them alone. */
function toHopRequest(request: HopClientRequest, original: HopRequest): HopRequest {
  const fields = request[FROM_HOP];
  let headers = original.headers;
  if (fields?.hop !== original || fields.headers !== undefined) {
    headers = headerRecord();
    request.headers.forEach((value, name) => (headers[name] = value));
  }
  let body = original.body;
  if (request.body !== body?.body) {
    body = request.body === undefined ? undefined : encodeData(request.body);
    if (body?.contentType && !("content-type" in headers)) {
      if (headers === original.headers) headers = copyHeaders(headers);
      headers["content-type"] = body.contentType;
    }
  }
  const method = request.method === original.method ? original.method : String(request.method).toUpperCase();
  return { method, url: request.url, headers, body, signal: request.signal };
}

/**
 * Sends one hop through `middlewares` (outermost first). Every response the
 * handler made but the chain did not return is released, so a middleware
 * that retries leaves no slot behind. The chain is built per hop: a few
 * closures, and none at all for a request without middlewares.
 */
export function sendThrough(middlewares: readonly ClientMiddleware[], hop: HopRequest, ctx: HopContext): Promise<ClientResponse> {
  const made: ClientResponse[] = [];
  let sends = 0;
  let handler: ClientHandler = async (request) => {
    if (sends++ > 0) {
      // Sending again gives up the responses sent before: their slots are freed first, so a
      // retry on a session with one slot left does not wait for itself.
      await releaseAll(made.splice(0));
      // Each send gets its own connect budget, as each redirect hop does.
      ctx.deadline.restartConnect();
    }
    const response = await sendHop(toHopRequest(request, hop), ctx);
    made.push(response);
    return response;
  };
  for (let i = middlewares.length - 1; i >= 0; i--) {
    const middleware = middlewares[i]!;
    const next = handler;
    handler = (request) => middleware(request, next);
  }
  // No await when the chain returns the one response it made: that is every request
  // a middleware only looks at, and an await here costs a few microseconds on Deno.
  return handler(toClientRequest(hop, ctx)).then(
    (response) => (made.length === 1 && made[0] === response ? response : releaseAll(made.filter((other) => other !== response)).then(() => response)),
    (err: unknown) => (made.length === 0 ? Promise.reject(err) : releaseAll(made).then(() => Promise.reject(err))),
  );
}

function releaseAll(responses: readonly ClientResponse[]): Promise<unknown> {
  return Promise.all(responses.map((response) => response.release()));
}
