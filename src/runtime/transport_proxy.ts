/**
 * An HTTP proxy on npm undici (Node, and Deno): an https target through a
 * CONNECT tunnel, an http one forwarded in absolute form
 * (`GET http://host/path`), as aiohttp sends them. Written on undici's
 * Agent and connector rather than its ProxyAgent, which in undici 6 and 7
 * reconnects in a tight loop when a proxy closes a CONNECT unanswered
 * (nodejs/undici#3897: the failure is a socket error, which undici retries),
 * and turns a 407 for an http target into an error where aiohttp returns
 * the response. Here a CONNECT fails once, with the proxy's status.
 */
import { bareHost, type ProxyConfig, ProxyRefusal } from "./transport_types.ts";
import { answer, connectHead } from "./tunnel.ts";
import { type Dispatcher, type DispatchHandler, ForwardingHandler, type RawHeaders } from "./undici.ts";
import type { AgentOptions, Connector, UndiciAgent, UndiciModule } from "./undici_types.ts";

/** How a proxy's connections are made (transport_undici.ts). */
export interface ProxyConnections {
  /** Speaks TLS to an https origin over a tunnel's socket (`httpSocket`). */
  readonly tls: Connector;
  /** Connects to the proxy itself. */
  readonly toProxy: Connector;
  /** The Agent options of the tunnels' Agent (`perOrigin`: true) and of the forwarding one. */
  readonly agent: (perOrigin: boolean) => AgentOptions;
}

/** A connector that reaches each origin through a CONNECT tunnel, then speaks TLS over it with `tls`. */
function tunnelling(proxy: ProxyConfig, { tls, toProxy }: ProxyConnections): Connector {
  const url = new URL(proxy.origin);
  const hostname = bareHost(url.hostname);
  const port = url.port || "80";
  return (options, callback) => {
    toProxy({ hostname, host: `${hostname}:${port}`, protocol: "http:", port, localAddress: options.localAddress }, (err, socket) => {
      if (!socket) return callback(err, null);
      socket.write(connectHead(proxy, options));
      answer(socket).then(
        () => (options.protocol === "https:" ? tls({ ...options, httpSocket: socket }, callback) : callback(null, socket)),
        (failure: Error) => callback(failure, null),
      );
    });
  };
}

/**
 * fetch's handler, with the proxy's 407 to a forwarded request reported as
 * its refusal: the fetch standard makes a 407 a network error with nothing
 * said, so Node's fetch could never hand it over.
 */
class ForwardedHandler extends ForwardingHandler {
  #abort: ((reason?: unknown) => void) | undefined;

  override onConnect(abort: (reason?: unknown) => void, context?: unknown): void {
    this.#abort = abort;
    super.onConnect(abort, context);
  }

  override onHeaders(statusCode: number, headers: RawHeaders, resume: () => void, statusText: string): boolean {
    if (statusCode !== 407) return super.onHeaders(statusCode, headers, resume, statusText);
    this.#abort?.(new ProxyRefusal(407, statusText || "Proxy Authentication Required"));
    return false;
  }
}

/** The headers of a forwarded request: the target's Host, the proxy's headers and its authorization. */
function forwardedHeaders(headers: unknown, host: string, proxy: ProxyConfig): Record<string, string> {
  const record: Record<string, string> = {};
  if (Array.isArray(headers)) {
    // undici's fetch may hand them over as a flat list: name, value, name, value…
    for (let i = 0; i + 1 < headers.length; i += 2) record[String(headers[i]).toLowerCase()] = String(headers[i + 1]);
  } else if (headers && typeof headers === "object") {
    for (const [name, value] of Object.entries(headers)) record[name.toLowerCase()] = String(value);
  }
  record.host ??= host;
  Object.assign(record, proxy.headers);
  if (proxy.authorization !== undefined) record["proxy-authorization"] = proxy.authorization;
  return record;
}

/** A dispatcher that sends through `proxy`: https origins tunnelled (TLS by `connections.tls`), http ones forwarded. */
export function proxyAgent(undici: UndiciModule, proxy: ProxyConfig, connections: ProxyConnections): UndiciAgent {
  const tunnelled = new undici.Agent({ connect: tunnelling(proxy, connections), ...connections.agent(true) });
  // Its one origin is the proxy's: a cap per origin would cap every host at once.
  const forwarding = new undici.Agent({ connect: connections.toProxy, ...connections.agent(false) });
  const dispatch: Dispatcher["dispatch"] = (options, handler) => {
    const { origin, path = "/", headers } = options as { origin: string | URL; path?: string; headers?: unknown };
    const target = new URL(String(origin));
    if (target.protocol !== "http:") return tunnelled.dispatch(options, handler);
    const forwarded = { ...options, origin: proxy.origin, path: target.origin + path, headers: forwardedHeaders(headers, target.host, proxy) };
    return forwarding.dispatch(forwarded, new ForwardedHandler(handler as DispatchHandler));
  };
  return {
    dispatch,
    close: async () => {
      await Promise.all([tunnelled.close(), forwarding.close()]);
    },
  };
}
