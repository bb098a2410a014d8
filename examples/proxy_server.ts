/**
 * The HTTP proxy of proxy.ts, on node:http and node:net so that Node, Deno
 * and Bun can all run it. It forwards absolute-form requests
 * (`GET http://host/path HTTP/1.1`, how an http URL goes through a proxy)
 * and tunnels CONNECT (how an https one does), and writes each down with the
 * Proxy-Authorization it came with, for the example to check. Given
 * credentials, it answers 407 to a request without them (Basic auth). It
 * listens on 127.0.0.1 only. The tests' proxy (tests/server/proxy.ts)
 * forwards and tunnels with the same two functions.
 */
import { Buffer } from "node:buffer";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import net from "node:net";
import { listenLocally, type LocalServer } from "./local_servers.ts";

/** One request the proxy was asked to pass on. */
export interface ProxyVisit {
  /** `GET http://localhost:PORT/anything` for a forwarded request, `CONNECT 127.0.0.1:PORT` for a tunnel. */
  readonly request: string;
  /** The Proxy-Authorization header it came with, if any. */
  readonly proxyAuthorization: string | undefined;
}

/** A running proxy. */
export interface ProxyServer extends LocalServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** Every request passed on or refused, oldest first. */
  readonly visits: ProxyVisit[];
}

/** Who a proxy with credentials lets through. */
export interface ProxyCredentials {
  readonly user: string;
  readonly password: string;
}

const CHALLENGE = 'Basic realm="example proxy"';

/** Sends an absolute-form request on to its origin, without the headers meant for the proxy; a 502 when it cannot. */
export function forward(req: IncomingMessage, res: ServerResponse): void {
  const headers = { ...req.headers };
  delete headers["proxy-authorization"];
  delete headers["proxy-connection"];
  const upstream = http.request(new URL(req.url!), { method: req.method, headers }, (answer) => {
    res.writeHead(answer.statusCode!, answer.statusMessage, answer.headers);
    answer.pipe(res);
  });
  upstream.on("error", () => {
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
    res.end("bad gateway");
  });
  req.pipe(upstream);
}

/**
 * Answers a CONNECT to `host:port` by joining the client to it: from here on
 * the proxy passes bytes it cannot read (TLS, end to end); a 502 when it cannot.
 */
export function tunnel(req: IncomingMessage, client: net.Socket, head: Buffer): void {
  const [host = "", port = ""] = req.url!.split(/:(?=\d+$)/);
  const upstream = net.connect(Number(port), host.replace(/^\[|\]$/g, ""), () => {
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.on("error", () => client.end("HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n"));
  client.on("error", () => upstream.destroy());
  client.on("close", () => upstream.destroy());
}

/** Starts a proxy on 127.0.0.1 and a random port; with `credentials`, only requests that bring them get through. */
export async function startProxyServer(credentials?: ProxyCredentials): Promise<ProxyServer> {
  const visits: ProxyVisit[] = [];
  const expected = credentials && `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString("base64")}`;
  /** Writes the request down; true when it may go through. */
  const admit = (req: IncomingMessage) => {
    const proxyAuthorization = req.headers["proxy-authorization"];
    visits.push({ request: `${req.method} ${req.url}`, proxyAuthorization });
    return !expected || proxyAuthorization === expected;
  };
  const server = http.createServer((req, res) => {
    if (admit(req)) return forward(req, res);
    res.writeHead(407, { "proxy-authenticate": CHALLENGE, "content-type": "text/plain", "content-length": 24 });
    res.end("proxy auth is required\r\n");
  });
  server.on("connect", (req: IncomingMessage, client: net.Socket, head: Buffer) => {
    if (admit(req)) return tunnel(req, client, head);
    client.end(`HTTP/1.1 407 Proxy Authentication Required\r\nproxy-authenticate: ${CHALLENGE}\r\ncontent-length: 0\r\n\r\n`);
  });
  const { port, close } = await listenLocally(server);
  return { url: `http://127.0.0.1:${port}`, port, visits, close, [Symbol.asyncDispose]: close };
}
