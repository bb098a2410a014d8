/**
 * Where a WebSocket's connection goes, chosen as a request's is
 * (pipeline/context.ts): the call's `ssl` replaces the connector's; the
 * call's `proxy` comes with its own `proxyAuth` and `proxyHeaders` only;
 * without one, the session's proxy (with the call's `proxyAuth` or
 * `proxyHeaders`, if given) or, with `trustEnv`, the environment's proxy for
 * the http(s) equivalent of each handshake's URL (`http_proxy` for ws:,
 * `https_proxy` for wss:). A UnixConnector's sockets go to its socket, and
 * take neither.
 */
import type { BaseConnector } from "../connector/base.ts";
import { TCPConnector } from "../connector/connector.ts";
import { type EnvProxies, envProxyFor } from "../connector/env_proxy.ts";
import type { ConnectionRoute } from "../connector/proxy.ts";
import { UnixConnector } from "../connector/unix.ts";
import { ClientConnectionError } from "../errors/connection.ts";
import { describeRequest } from "../errors/describe.ts";
import { httpEquivalent } from "../request/url.ts";
import type { TransportConfig } from "../runtime/transport_types.ts";

/** The session's settings the choice reads. */
export interface RouteDefaults {
  readonly connector: BaseConnector;
  /** The session's proxy settings. */
  readonly route: ConnectionRoute;
  /** The environment's proxies, with `trustEnv` (and no session proxy). */
  readonly env: EnvProxies | undefined;
}

/**
 * How the connection of a handshake to `url` is made; `undefined` for `ws`'s
 * own way (no TLS setting, no proxy, no socket setting). A TypeError for settings that cannot
 * be honoured.
 */
export type SocketRouter = (url: URL) => TransportConfig | undefined;

function configOf(connector: TCPConnector, route: ConnectionRoute, label: () => string): TransportConfig | undefined {
  const config = connector.socketRoute(route, label);
  return config.tls || config.proxy || config.socket ? config : undefined;
}

/** A unix socket's route: ws: URLs only, as a UnixConnector's requests take http: ones only. */
function unixRouter(connector: UnixConnector, options: ConnectionRoute, label: () => string): SocketRouter {
  const { ssl, proxy, proxyAuth, proxyHeaders } = options;
  // The connector's own refusal of a request's ssl or proxy.
  if (ssl !== undefined || proxy !== undefined || proxyAuth !== undefined || proxyHeaders !== undefined) connector.transportFor(options, label);
  const config: TransportConfig = { tls: undefined, socketPath: connector.path };
  return (url) => {
    if (url.protocol === "ws:") return config;
    throw new ClientConnectionError(`${describeRequest("GET", url)}: a UnixConnector speaks plain HTTP over its socket; use a ws: URL`);
  };
}

/** The route of a `wsConnect()` given `options` (see the module comment); `label` names the call in errors. */
export function socketRouter(session: RouteDefaults, options: ConnectionRoute, label: () => string): SocketRouter {
  const { connector } = session;
  if (connector instanceof UnixConnector) return unixRouter(connector, options, label);
  if (!(connector instanceof TCPConnector)) {
    throw new TypeError(`${label()}: WebSockets need a TCPConnector or a UnixConnector; this session's connector is a ${connector.constructor.name}`);
  }
  const { ssl, proxy, proxyAuth, proxyHeaders } = options;
  const { env, route } = session;
  if (proxy !== undefined) {
    const config = configOf(connector, { ssl, proxy, proxyAuth, proxyHeaders }, label);
    return () => config;
  }
  if (env && proxyAuth === undefined && proxyHeaders === undefined) {
    return (url) => configOf(connector, { ssl, proxy: envProxyFor(env, httpEquivalent(url)) }, label);
  }
  const config = configOf(connector, { ssl, proxy: route.proxy, proxyAuth: proxyAuth ?? route.proxyAuth, proxyHeaders: proxyHeaders ?? route.proxyHeaders }, label);
  return () => config;
}
