/**
 * `session.wsConnect()`: the handshake, with what the session applies to any
 * request. Its headers (defaults and the call's own) and auth are prepared
 * as a request's are; each handshake sends the jar's cookies for the http(s)
 * equivalent of its URL and stores the Set-Cookie of the answer (a 101, a
 * redirect or a refusal); redirects are followed here, by the library's
 * rules (auth to the first origin only, credentials dropped across origins,
 * `beforeRedirect`); each handshake takes a concurrency slot of its origin,
 * and the socket it opens keeps that slot until the connection is gone, as
 * aiohttp's does; each connection takes the route a request to its URL
 * would (route.ts: TLS settings, a proxy, a unix socket). The session's
 * `timeout` bounds the whole handshake.
 */
import { unixUnreachable } from "../connector/unix.ts";
import type { AbstractCookieJar } from "../cookie_jar.ts";
import { toClientError } from "../errors/classify.ts";
import { describeRequest, redactUrl } from "../errors/describe.ts";
import { TooManyRedirects } from "../errors/response.ts";
import { WSServerHandshakeError } from "../errors/ws_handshake.ts";
import { copyHeaders, type HeaderRecord, headersInit } from "../headers.ts";
import type { BeforeRedirect } from "../options.ts";
import { cookieHeader } from "../pipeline/cookies.ts";
import { nextHop, REDIRECT_STATUSES } from "../pipeline/redirects.ts";
import { type PreparedRequest, prepareAt, type RequestDefaults } from "../request/prepare.ts";
import { httpEquivalent, resolveWebSocketUrl } from "../request/url.ts";
import { ClientResponse, responseErrorInit } from "../response/response.ts";
import { reasonPhrase } from "../response/reasons.ts";
import type { TransportConfig } from "../runtime/transport_types.ts";
import { type Handshake, openTransport } from "../runtime/websocket.ts";
import { type ClientTimeout, Deadline } from "../timeout.ts";
import { type WSConnectOptions, type WSSettings, wsSettings } from "./options.ts";
import { ClientWebSocketResponse } from "./response.ts";
import { type RouteDefaults, type SocketRouter, socketRouter } from "./route.ts";

/** The session's settings a handshake uses (a session's request defaults are these and more). */
export interface WSSessionDefaults extends RequestDefaults, RouteDefaults {
  readonly timeout: ClientTimeout;
  readonly cookieJar: AbstractCookieJar;
  readonly beforeRedirect: BeforeRedirect | undefined;
}

/** The session's open sockets, closed by `session.close()`. */
export type OpenSockets = Set<ClientWebSocketResponse>;

/** The redirects a handshake follows, as a request's default. */
const MAX_REDIRECTS = 10;

/** Headers the handshake sets itself, and the option to use instead where there is one. */
const HANDSHAKE_HEADERS: Readonly<Record<string, string>> = {
  "sec-websocket-protocol": "use the protocols option",
  "sec-websocket-extensions": "use the compress option",
  "sec-websocket-key": "the handshake sets it",
  "sec-websocket-version": "the handshake sets it",
  upgrade: "the handshake sets it",
  connection: "the handshake sets it",
};

/** One handshake's state, across its redirects. */
interface Attempt {
  readonly session: WSSessionDefaults;
  readonly settings: WSSettings;
  readonly first: PreparedRequest;
  /** How each handshake's connection is made. */
  readonly route: SocketRouter;
  readonly deadline: Deadline;
  readonly history: ClientResponse[];
}

/** Opens a WebSocket for `session` (see the module comment). Every input error rejects before anything is sent. */
export async function wsConnect(session: WSSessionDefaults, sockets: OpenSockets, input: string | URL, options: WSConnectOptions): Promise<ClientWebSocketResponse> {
  const settings = wsSettings(options, () => describeRequest("GET", input));
  const url = resolveWebSocketUrl(input, session.baseUrl);
  const first = prepareAt(session, "GET", url, { params: options.params, headers: options.headers, auth: options.auth });
  const label = () => describeRequest("GET", first.url);
  const route = socketRouter(session, options, label);
  // The first URL's route, checked before anything is sent (a redirect's is checked as it is followed).
  route(first.url);
  for (const name of Object.keys(HANDSHAKE_HEADERS)) {
    if (name in first.headers) throw new TypeError(`${label()}: the ${name} header cannot be given: ${HANDSHAKE_HEADERS[name]}`);
  }
  if (options.origin !== undefined) first.headers.origin = checkedOrigin(options.origin, label);
  const deadline = new Deadline(session.timeout, label, options.signal);
  try {
    return await handshake({ session, settings, first, route, deadline, history: [] }, sockets);
  } catch (err) {
    // The user's abort reason, or the timeout that fired, wins over what it caused.
    throw deadline.abortReason() ?? err;
  } finally {
    deadline.finish();
  }
}

function checkedOrigin(origin: string, label: () => string): string {
  if (typeof origin !== "string" || /[\r\n\0]|[^\0-\xff]/.test(origin)) throw new TypeError(`${label()}: origin must be a string a header can carry`);
  return origin.trim();
}

/** The redirect loop: each hop sends its cookies (and auth at home), until a 101 or a refusal. */
async function handshake(attempt: Attempt, sockets: OpenSockets): Promise<ClientWebSocketResponse> {
  const { session, first, deadline, history } = attempt;
  const home = httpEquivalent(first.url).origin;
  let { url, headers } = first;
  let atHome = true;
  for (;;) {
    const http = httpEquivalent(url);
    const sent = copyHeaders(headers);
    if (atHome && first.auth) sent.authorization = first.auth.encode();
    const cookies = cookieHeader(session.cookieJar, http, undefined);
    if (cookies) sent.cookie = sent.cookie ? `${sent.cookie}; ${cookies}` : cookies;
    const { answer, release } = await sendHandshake(attempt, url, sent, attempt.route(url));
    const setCookie = answer.kind === "open" ? answer.setCookie : answer.headers.getSetCookie();
    if (setCookie.length) session.cookieJar.updateFromSetCookie(setCookie, http);
    if (answer.kind === "open") return opened(attempt, sockets, url, answer, release);
    if (answer.kind === "invalid") throw refusal(attempt, url, sent, 101, answer.headers, answer.reason);
    const location = REDIRECT_STATUSES.has(answer.status) ? answer.headers.get("location") : null;
    // A 101 without the Upgrade header is read as a plain response.
    const message = answer.status === 101 ? "Invalid upgrade header" : "Invalid response status";
    if (location === null) throw refusal(attempt, url, sent, answer.status, answer.headers, message, answer.body);
    const response = new ClientResponse(new Response(null, { status: answer.status, headers: answer.headers }), {
      sent: { method: "GET", url, headers: sent },
      deadline,
      maxBodySize: undefined,
      autoDecompress: false,
      onFinish: () => {},
    });
    await response.release();
    history.push(response);
    if (history.length > MAX_REDIRECTS) throw new TooManyRedirects(responseErrorInit(response, `Too many redirects (maxRedirects = ${MAX_REDIRECTS})`, history));
    headers = copyHeaders(headers);
    // A Location may name a ws(s) URL: the redirect rules read it as its http(s) equivalent.
    const next = nextHop(answer.status, location.replace(/^\s*ws(s?):/i, "http$1:"), http, "GET", undefined, headers);
    atHome = next.url.origin === home;
    url = resolveWebSocketUrl(next.url, undefined);
    if (session.beforeRedirect) await session.beforeRedirect(url, response);
    deadline.restartConnect();
  }
}

/** One handshake: a slot of its origin, then the transport. A failure comes out as aiofetch's error class. */
async function sendHandshake(attempt: Attempt, url: URL, headers: HeaderRecord, route: TransportConfig | undefined): Promise<{ answer: Handshake; release: () => void }> {
  const { session, settings, deadline } = attempt;
  let release: (() => void) | undefined;
  try {
    const slot = session.connector.acquire(httpEquivalent(url).origin, deadline.signal);
    release = typeof slot === "function" ? slot : await slot;
    const answer = await openTransport(url, {
      headers,
      protocols: settings.protocols,
      maxPayload: settings.maxMsgSize,
      compress: settings.compress,
      autoPong: settings.autoping,
      closeTimeout: settings.closeTimeout,
      signal: deadline.signal,
      route,
    });
    deadline.connected();
    if (answer.kind !== "open") release();
    return { answer, release };
  } catch (err) {
    release?.();
    const aborted = deadline.abortReason();
    const unreachable = aborted === undefined && route?.socketPath !== undefined ? unixUnreachable(err, url, "GET", route.socketPath) : undefined;
    throw unreachable ?? toClientError(err, { method: "GET", url, headers }, aborted, route?.proxy?.origin);
  }
}

function opened(attempt: Attempt, sockets: OpenSockets, url: URL, answer: Extract<Handshake, { kind: "open" }>, release: () => void): ClientWebSocketResponse {
  // The connection may be gone before the constructor returns (a server that closes at once).
  let gone = false;
  const socket = new ClientWebSocketResponse({
    transport: answer.transport,
    settings: attempt.settings,
    url: redactUrl(url),
    compress: agreedCompression(answer.extensions),
    jsonSerialize: attempt.session.jsonSerialize,
    onGone: (self) => {
      gone = true;
      release();
      sockets.delete(self);
    },
  });
  if (!gone) sockets.add(socket);
  return socket;
}

/** The window size of the permessage-deflate the server agreed to (15 unless it said), 0 for none. */
function agreedCompression(extensions: string | undefined): number {
  if (!extensions || !/permessage-deflate/i.test(extensions)) return 0;
  const bits = /server_max_window_bits\s*=\s*"?(\d+)/i.exec(extensions);
  return bits ? Number(bits[1]) : 15;
}

function refusal(attempt: Attempt, url: URL, sent: HeaderRecord, status: number, headers: Headers, message: string, body?: Uint8Array): WSServerHandshakeError {
  return new WSServerHandshakeError({
    requestInfo: { url: new URL(url), method: "GET", headers: new Headers(headersInit(sent)) },
    history: attempt.history,
    status,
    reason: reasonPhrase(status),
    message,
    headers,
    body,
  });
}
