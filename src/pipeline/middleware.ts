/**
 * Client middlewares, as aiohttp's: each wraps the sending of one hop, inside
 * the redirect loop and outside the cookie steps. A middleware gets the hop's
 * request and the handler that sends it, and may change the request, call the
 * handler more than once (a retry, a challenge answered), skip it by
 * throwing, or return whichever of the responses it got.
 */
import type { ClientResponse } from "../response/response.ts";
import { headerRecord } from "../headers.ts";
import { encodeData, type EncodedBody, type RequestData } from "../request/body.ts";
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

function toClientRequest(hop: HopRequest): ClientRequest {
  const body = hop.body;
  return {
    method: hop.method,
    url: new URL(hop.url),
    headers: new Headers(Object.entries(hop.headers)),
    body: body?.body,
    replayable: body ? body.replayable : true,
    signal: hop.signal,
  };
}

function toHopRequest(request: ClientRequest, original: EncodedBody | undefined): HopRequest {
  const headers = headerRecord();
  request.headers.forEach((value, name) => (headers[name] = value));
  let body = original;
  if (request.body !== original?.body) {
    body = request.body === undefined ? undefined : encodeData(request.body);
    if (body?.contentType && !("content-type" in headers)) headers["content-type"] = body.contentType;
  }
  return { method: String(request.method).toUpperCase(), url: request.url, headers, body, signal: request.signal };
}

/**
 * Sends one hop through `middlewares` (outermost first). Every response the
 * handler made but the chain did not return is released, so a middleware
 * that retries leaves no slot behind. The chain is built per hop: a few
 * closures, and none at all for a request without middlewares.
 */
export async function sendThrough(middlewares: readonly ClientMiddleware[], hop: HopRequest, ctx: HopContext): Promise<ClientResponse> {
  const made: ClientResponse[] = [];
  let handler: ClientHandler = async (request) => {
    // Sending again gives up the responses sent before: their slots are freed first, so a
    // retry on a session with one slot left does not wait for itself.
    await Promise.all(made.splice(0).map((earlier) => earlier.release()));
    const response = await sendHop(toHopRequest(request, hop.body), ctx);
    made.push(response);
    return response;
  };
  for (let i = middlewares.length - 1; i >= 0; i--) {
    const middleware = middlewares[i]!;
    const next = handler;
    handler = (request) => middleware(request, next);
  }
  let response: ClientResponse | undefined;
  try {
    response = await handler(toClientRequest(hop));
    return response;
  } finally {
    await Promise.all(made.filter((other) => other !== response).map((other) => other.release()));
  }
}
