/**
 * The HTTP proxy of the tests: it forwards absolute-form requests
 * (`GET http://host/path`) and tunnels CONNECT, and records what it was
 * asked, with the Proxy-Authorization it received. Modes:
 *
 * - `open`: serves everyone;
 * - `auth`: answers 407 (a response for a forwarded request, the CONNECT's
 *   answer for a tunnel) unless Proxy-Authorization is Basic `user:p@ss`
 *   ({@link PROXY_USER}, {@link PROXY_PASSWORD});
 * - `drop`: closes every connection as soon as a request head arrives,
 *   answering nothing;
 * - `forbid`: answers every CONNECT 403 Forbidden, and forwards as `open`.
 *
 * Forwarding and tunnelling are the examples' proxy's (examples/proxy_server.ts).
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { forward, tunnel } from "../../examples/proxy_server.ts";
import { listen, type Listening } from "./listen.ts";

export type ProxyMode = "open" | "auth" | "drop" | "forbid";

/** What the proxy was asked. */
export interface ProxyEntry {
  /** `forward` for an absolute-form request, `connect` for a tunnel. */
  type: "forward" | "connect";
  /** The absolute URL forwarded, or the `host:port` tunnelled to. */
  target: string;
  /** The Proxy-Authorization header received, if any. */
  proxyAuthorization: string | undefined;
  /** Every header received. */
  headers: http.IncomingHttpHeaders;
}

/** A running proxy. */
export interface TestProxy extends Listening {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** Every request and CONNECT received, oldest first. */
  log: ProxyEntry[];
}

export const PROXY_USER = "user";
/** A password with a character that a URL must percent-encode. */
export const PROXY_PASSWORD = "p@ss";
/** The Proxy-Authorization the `auth` mode asks for. */
export const PROXY_BASIC = `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString("base64")}`;
const CHALLENGE = 'Basic realm="test proxy"';

/** `proxy`'s URL with the credentials of the `auth` mode in it, the password's "@" percent-encoded. */
export function withCredentials(proxy: TestProxy): string {
  return `http://${PROXY_USER}:${encodeURIComponent(PROXY_PASSWORD)}@127.0.0.1:${proxy.port}`;
}

/** What `proxy` was asked from entry `from` on, as [type, target, Proxy-Authorization]. */
export function logFrom(proxy: TestProxy, from: number): Array<[ProxyEntry["type"], string, string | undefined]> {
  return proxy.log.slice(from).map(({ type, target, proxyAuthorization }) => [type, target, proxyAuthorization]);
}

/** Starts a proxy in `mode` on 127.0.0.1 and a random port. */
export async function startProxy(mode: ProxyMode = "open"): Promise<TestProxy> {
  const log: ProxyEntry[] = [];
  const refused = (authorization: string | undefined) => mode === "auth" && authorization !== PROXY_BASIC;
  const server = http.createServer((req, res) => {
    const entry: ProxyEntry = { type: "forward", target: req.url!, proxyAuthorization: req.headers["proxy-authorization"], headers: req.headers };
    log.push(entry);
    if (mode === "drop") return void req.socket.destroy();
    if (refused(entry.proxyAuthorization)) {
      res.writeHead(407, { "proxy-authenticate": CHALLENGE, "content-type": "text/plain", "content-length": 24 });
      return void res.end("proxy auth is required\r\n");
    }
    forward(req, res);
  });
  server.on("connect", (req: http.IncomingMessage, client: Socket, head: Buffer) => {
    const entry: ProxyEntry = { type: "connect", target: req.url!, proxyAuthorization: req.headers["proxy-authorization"], headers: req.headers };
    log.push(entry);
    if (mode === "drop") return void client.destroy();
    if (mode === "forbid") return void client.end("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n");
    if (refused(entry.proxyAuthorization)) {
      return void client.end(`HTTP/1.1 407 Proxy Authentication Required\r\nproxy-authenticate: ${CHALLENGE}\r\ncontent-length: 0\r\n\r\n`);
    }
    tunnel(req, client, head);
  });
  const listening = await listen(server, { port: 0 });
  const { port } = server.address() as AddressInfo;
  return { ...listening, url: `http://127.0.0.1:${port}`, port, log };
}
