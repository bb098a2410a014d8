/**
 * One request's context, resolved once against its session: what the first
 * hop sends, the timers, and every option the loop and the hops read. Nothing
 * downstream reads the caller's options again.
 */
import type { BaseConnector, HopTransport } from "../connector/base.ts";
import { TCPConnector } from "../connector/connector.ts";
import { EnvRouter, type EnvProxies, readEnvProxies } from "../connector/env_proxy.ts";
import type { ConnectionRoute } from "../connector/proxy.ts";
import { type AbstractCookieJar, checkedCookies, type CookiePair } from "../cookie_jar.ts";
import { describeRequest } from "../errors/describe.ts";
import { refuseUnknownOptions } from "../known_options.ts";
import { REQUEST_OPTIONS } from "../option_names.ts";
import type { BeforeRedirect, RaiseForStatus, RequestOptions, SessionOptions } from "../options.ts";
import { type PreparedRequest, prepareRequest, type RequestDefaults } from "../request/prepare.ts";
import type { DownloadProgress } from "../response/body_source.ts";
import type { ClientResponse } from "../response/response.ts";
import { ClientTimeout, Deadline } from "../timeout.ts";
import type { HopContext } from "./hop.ts";
import type { ClientMiddleware } from "./middleware.ts";
import type { OpenBodies } from "./open_bodies.ts";
import { sentObserver } from "./observers.ts";
import { traceRequest } from "./tracing.ts";
import type { TraceConfig } from "../trace.ts";

/** The session's settings a request is resolved against. */
export interface SessionDefaults extends RequestDefaults {
  readonly timeout: ClientTimeout;
  readonly raiseForStatus: RaiseForStatus;
  readonly beforeRedirect: BeforeRedirect | undefined;
  readonly middlewares: readonly ClientMiddleware[];
  readonly traceConfigs: readonly TraceConfig<object>[];
  readonly connector: BaseConnector;
  /** The session's proxy settings, which its requests' own complete. */
  readonly route: ConnectionRoute;
  /** The environment's proxies, with `trustEnv` (and no session proxy). */
  readonly env: EnvProxies | undefined;
  /**
   * Where the session's requests go unless they ask for a route of their
   * own: the connector, its transport for the session's proxy, or the
   * environment's proxies.
   */
  readonly transport: HopTransport;
  readonly cookieJar: AbstractCookieJar;
  readonly maxBodySize: number | undefined;
  readonly autoDecompress: boolean;
  /** The bodies of the session's responses that are not over yet, released by `close()`; not the responses, which may be collected. */
  readonly open: OpenBodies;
}

/** Everything one request's loop and hops read, resolved once. */
export interface RequestContext extends HopContext {
  /** What the first hop sends. */
  readonly first: PreparedRequest;
  readonly cookieJar: AbstractCookieJar;
  /** The request's own cookies, checked (not stored; dropped on a cross-origin redirect). */
  readonly cookies: readonly CookiePair[] | undefined;
  readonly follow: boolean;
  readonly maxRedirects: number;
  readonly beforeRedirect: BeforeRedirect | undefined;
  readonly middlewares: readonly ClientMiddleware[];
  readonly onDownloadProgress: ((progress: DownloadProgress) => void) | undefined;
  readonly raiseForStatus: RaiseForStatus;
  readonly open: OpenBodies;
  /** The redirect responses so far, oldest first. */
  readonly history: ClientResponse[];
}

/**
 * Where a request's hops go: the session's way, unless the request asks for
 * TLS settings or proxy settings of its own. A request's own proxy comes
 * with its own credentials and headers only, so that the session's never go
 * to another proxy.
 */
function transportOf(session: SessionDefaults, options: RequestOptions, label: () => string): HopTransport {
  const { ssl, proxy, proxyAuth, proxyHeaders } = options;
  if (ssl === undefined && proxy === undefined && proxyAuth === undefined && proxyHeaders === undefined) return session.transport;
  // The environment's proxies, for a request that asks only for TLS settings of its own.
  if (proxy === undefined && session.env && proxyAuth === undefined && proxyHeaders === undefined) return new EnvRouter(session.connector, session.env, ssl, label);
  const own = proxy !== undefined ? { proxy, proxyAuth, proxyHeaders } : {
    proxy: session.route.proxy,
    proxyAuth: proxyAuth ?? session.route.proxyAuth,
    proxyHeaders: proxyHeaders ?? session.route.proxyHeaders,
  };
  return session.connector.transportFor({ ssl, ...own }, label);
}

/**
 * A session's way for its requests: its proxy settings, checked once; or,
 * with `trustEnv` and no proxy of its own, the environment's proxies, read
 * once, when the session is made.
 */
export function sessionRoute(connector: BaseConnector, options: SessionOptions): Pick<SessionDefaults, "route" | "env" | "transport"> {
  const what = () => "new ClientSession()";
  const route = { proxy: options.proxy, proxyAuth: options.proxyAuth, proxyHeaders: options.proxyHeaders };
  if (route.proxy !== undefined || route.proxyAuth !== undefined || route.proxyHeaders !== undefined) {
    return { route, env: undefined, transport: connector.transportFor(route, what) };
  }
  // A UnixConnector's hops go to its socket: no proxy of the environment's, as in aiohttp.
  const env = options.trustEnv && connector instanceof TCPConnector ? readEnvProxies(what) : undefined;
  return { route, env, transport: env ? new EnvRouter(connector, env, undefined, what) : connector };
}

/** Resolves a request against its session. Throws every input error before any timer starts. */
export function resolveRequest(session: SessionDefaults, method: string, url: string | URL, options: RequestOptions): RequestContext {
  refuseUnknownOptions(options, REQUEST_OPTIONS, () => describeRequest(String(method).toUpperCase(), url));
  const first = prepareRequest(session, method, url, options);
  const timeout = options.timeout === undefined ? session.timeout : ClientTimeout.from(options.timeout);
  const label = () => describeRequest(first.method, first.url);
  // Before the Deadline, whose timers would otherwise start for a request that is refused.
  const cookies = options.cookies && checkedCookies(options.cookies, label);
  const transport = transportOf(session, options, label);
  const deadline = new Deadline(timeout, label, options.signal);
  const trace = traceRequest(session.traceConfigs, options.traceRequestCtx);
  return {
    first,
    deadline,
    connector: session.connector,
    transport,
    cookieJar: session.cookieJar,
    cookies,
    follow: options.allowRedirects ?? true,
    maxRedirects: options.maxRedirects ?? 10,
    beforeRedirect: options.beforeRedirect ?? session.beforeRedirect,
    middlewares: options.middlewares ?? session.middlewares,
    maxBodySize: options.maxBodySize ?? session.maxBodySize,
    autoDecompress: options.autoDecompress ?? session.autoDecompress,
    sentObserver: sentObserver(options.onUploadProgress, trace, deadline),
    trace,
    onDownloadProgress: options.onDownloadProgress,
    raiseForStatus: options.raiseForStatus ?? session.raiseForStatus,
    open: session.open,
    history: [],
  };
}
