/**
 * One request's life, read top to bottom: each hop gets its cookies and auth,
 * is sent, has its Set-Cookie stored, and is followed if it redirects; the
 * response that is not followed becomes the request's, and takes over the
 * request's timers and body observer; then `raiseForStatus` runs. A traced
 * request fires its start, redirect, end and exception signals from here.
 */
import { TooManyRedirects } from "../errors/response.ts";
import { copyHeaders } from "../headers.ts";
import { adoptResponse, type ClientResponse, responseErrorInit } from "../response/response.ts";
import type { RequestContext } from "./context.ts";
import { cookieHeader, storeCookies } from "./cookies.ts";
import { LoopHop, sendHop } from "./hop.ts";
import { sendThrough } from "./middleware.ts";
import { receivedObserver } from "./observers.ts";
import type { OpenEntry } from "./open_bodies.ts";
import { nextHop, REDIRECT_STATUSES } from "./redirects.ts";
import { type RequestTrace, traceHeaders } from "./tracing.ts";

/** Runs a resolved request to its response (see the module comment). */
export function runRequest(ctx: RequestContext): Promise<ClientResponse> {
  return ctx.trace ? runTraced(ctx, ctx.trace) : sendRequest(ctx);
}

/** {@link sendRequest} between the trace's start signal and its end or exception signal. */
async function runTraced(ctx: RequestContext, trace: RequestTrace): Promise<ClientResponse> {
  const { method, url, headers } = ctx.first;
  const params = { method, url, headers: traceHeaders(headers) };
  let response: ClientResponse | undefined;
  try {
    await trace.send("onRequestStart", params);
    response = await sendRequest(ctx);
    await trace.send("onRequestEnd", { ...params, response });
    return response;
  } catch (exception) {
    // A handler that threw before the request was sent, or after it was returned, leaves nothing behind either.
    ctx.deadline.finish();
    await response?.release();
    await trace.send("onRequestException", { ...params, exception });
    throw exception;
  }
}

async function sendRequest(ctx: RequestContext): Promise<ClientResponse> {
  const { deadline, cookieJar, history } = ctx;
  const { auth } = ctx.first;
  let { method, url, body, headers } = ctx.first;
  let ownCookies = ctx.cookies;
  // Auth, whatever its source, goes only to the first hop's origin: never elsewhere, again on coming back.
  let atHome = true;
  let response: ClientResponse;
  try {
    for (;;) {
      const cookies = cookieHeader(cookieJar, url, ownCookies);
      // The prepared headers go out as they are unless this hop adds to them.
      const hopAuth = atHome ? auth : undefined;
      const sent = hopAuth || cookies || ctx.sentObserver ? copyHeaders(headers) : headers;
      if (hopAuth) sent.authorization = hopAuth.encode();
      if (cookies) sent.cookie = sent.cookie ? `${sent.cookie}; ${cookies}` : cookies;
      // No signal: the request's own, made only if the hop's fetch asks for it.
      const hop = new LoopHop(method, url, sent, body);
      response = await (ctx.middlewares.length ? sendThrough(ctx.middlewares, hop, ctx) : sendHop(hop, ctx));
      storeCookies(cookieJar, response, url);
      const location = ctx.follow && REDIRECT_STATUSES.has(response.status) ? response.headers.get("location") : null;
      if (location === null) break;
      await response.release();
      history.push(response);
      if (ctx.trace) await ctx.trace.send("onRequestRedirect", { method, url, headers: traceHeaders(sent), response });
      if (ctx.maxRedirects && history.length > ctx.maxRedirects) {
        throw new TooManyRedirects(responseErrorInit(response, `Too many redirects (maxRedirects = ${ctx.maxRedirects})`, history));
      }
      // What the last hop sent stays as it was in its requestInfo.
      if (sent === headers) headers = copyHeaders(headers);
      const next = nextHop(response.status, location, url, method, body, headers);
      if (ctx.beforeRedirect) await ctx.beforeRedirect(next.url, response);
      if (next.crossOrigin) ownCookies = undefined;
      if (auth) atHome = next.url.origin === ctx.first.url.origin;
      ({ url, method, body } = next);
      deadline.restartConnect();
    }
  } catch (err) {
    deadline.finish();
    // The user's abort reason, or the timeout that fired, wins over what it caused.
    throw deadline.abortReason() ?? err;
  }
  adopt(response, ctx, method, url);
  deadline.responded();
  if (ctx.raiseForStatus) await checkStatus(response, ctx.raiseForStatus);
  return response;
}

/** Hands the request's timers, body observer and history to the response it returns. */
function adopt(response: ClientResponse, ctx: RequestContext, method: string, url: URL): void {
  // Unset while finish runs inside adopt, for a body already over: that one is never added.
  let entry: OpenEntry | undefined;
  const finish = () => {
    ctx.deadline.finish();
    if (entry) ctx.open.delete(entry);
  };
  const body = response[adoptResponse](ctx.history, receivedObserver(ctx.onDownloadProgress, ctx.trace, method, url), finish);
  if (!body.finished) entry = ctx.open.add(body);
}

async function checkStatus(response: ClientResponse, check: RequestContext["raiseForStatus"]): Promise<void> {
  try {
    if (check === true) response.raiseForStatus();
    else if (check) await check(response);
  } catch (err) {
    await response.release();
    throw err;
  }
}
