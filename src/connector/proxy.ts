/**
 * The proxy settings of sessions and requests (aiohttp's `proxy`,
 * `proxy_auth`, `proxy_headers`), checked here into what the transports
 * take (runtime/transport_types.ts): the proxy's origin without its
 * credentials, which become the Proxy-Authorization, so that no message and
 * no log line can show them.
 */
import { BasicAuth } from "../auth.ts";
import { redactUrl } from "../errors/describe.ts";
import { type HeadersLike, mergeHeaders } from "../headers.ts";
import type { ProxyConfig } from "../runtime/transport_types.ts";
import type { SSLSetting } from "./ssl.ts";

/**
 * What a request asks of the connection beyond its connector's defaults:
 * TLS settings of its own, and a proxy. The session fills in its own proxy
 * settings where the request gives none.
 *
 * @example
 * ```ts
 * const route: ConnectionRoute = { proxy: "http://proxy.internal:3128", proxyAuth: new BasicAuth("crawler", "secret") };
 * ```
 */
export interface ConnectionRoute {
  /** TLS settings, replacing the connector's. */
  ssl?: SSLSetting;
  /** An `http:` proxy URL; credentials in it are percent-decoded and sent as Proxy-Authorization. */
  proxy?: string | URL;
  /** The proxy's Basic credentials, when they are not in its URL. */
  proxyAuth?: BasicAuth;
  /** Headers for the proxy: sent with each CONNECT, and with each request it forwards. */
  proxyHeaders?: HeadersLike;
}

/** The proxy `route` asks for, checked; undefined for none. `what` names the call in errors. */
export function resolveProxy(route: ConnectionRoute, what: () => string): ProxyConfig | undefined {
  const { proxy, proxyAuth, proxyHeaders } = route;
  if (proxy === undefined) {
    if (proxyAuth !== undefined || proxyHeaders !== undefined) throw new TypeError(`${what()}: proxyAuth and proxyHeaders need a proxy`);
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(String(proxy));
  } catch {
    throw new TypeError(`${what()}: proxy is not a URL: ${redactUrl(String(proxy))}`);
  }
  if (url.protocol !== "http:") throw new TypeError(`${what()}: proxy must be an http: URL, got ${url.protocol} (${redactUrl(url)})`);
  if (proxyAuth !== undefined && !(proxyAuth instanceof BasicAuth)) throw new TypeError(`${what()}: proxyAuth must be a BasicAuth`);
  const inUrl = BasicAuth.fromUrl(url);
  if (inUrl && proxyAuth) throw new TypeError(`${what()}: the proxy URL has credentials, and proxyAuth gives others: give one of them`);
  const headers = mergeHeaders(what, proxyHeaders);
  // A Proxy-Authorization among the headers counts as the proxy's credentials, unless others are given.
  const authorization = (proxyAuth ?? inUrl)?.encode() ?? headers["proxy-authorization"];
  delete headers["proxy-authorization"];
  const origin = `http://${url.host}`;
  return { origin, authorization, headers, id: JSON.stringify([origin, authorization, headers]) };
}
