/**
 * Proxy failures, as aiohttp names them: the proxy could not be reached
 * (ClientProxyConnectionError), or it refused a tunnel (ClientHttpProxyError).
 */
import { ClientConnectorError } from "./connection.ts";
import { ClientResponseError } from "./response.ts";

/**
 * The proxy could not be reached: refused, unreachable, its name not
 * resolved. `host` and `port` are the proxy's; its credentials never appear
 * in the message.
 *
 * @example
 * ```ts
 * try {
 *   await session.get("https://example.com/", { proxy: "http://proxy.internal:3128" });
 * } catch (err) {
 *   if (err instanceof ClientProxyConnectionError) console.error(`proxy ${err.host}:${err.port} is down (${err.code})`);
 * }
 * ```
 */
export class ClientProxyConnectionError extends ClientConnectorError {}

/**
 * The proxy answered a CONNECT (the tunnel to an https origin) with a status
 * other than 2xx: `status` is the proxy's, 407 when it wants credentials. An
 * http origin's request is forwarded instead, and the proxy's answer to it
 * is a response like any other, as in aiohttp.
 *
 * @example
 * ```ts
 * try {
 *   await session.get("https://example.com/", { proxy: "http://proxy.internal:3128" });
 * } catch (err) {
 *   if (err instanceof ClientHttpProxyError && err.status === 407) console.error("the proxy wants proxyAuth");
 * }
 * ```
 */
export class ClientHttpProxyError extends ClientResponseError {}
