/**
 * The HTTPS test servers, each serving every route of the plain test server
 * (server/mod.ts) plus `/tls`, which says whether the client presented a
 * trusted certificate:
 *
 * - `https`: the leaf for localhost/127.0.0.1, signed by the test CA;
 * - `mtls`: the same leaf, and a client certificate signed by the client CA
 *   is required (a client without one is refused in the handshake);
 * - `wrong-name`: a leaf signed by the test CA for wrong.test only.
 *
 * `/tls` reads `socket.authorized`: Bun's server sockets have no
 * `getPeerCertificate`. `/tls/close` answers the same and closes the
 * connection, so that the next request needs a new one.
 *
 * Deno's node:https servers of one process accept each other's TLS session
 * tickets, and a resumed session skips the certificate checks on both sides
 * (a client resumes a session of another server without checking that
 * server's name; an mTLS server serves it without a client certificate):
 * a test should send one client's requests to one of these servers only.
 */
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { certs } from "./certs.ts";
import { listen, type Listening } from "./listen.ts";
import { routes } from "./mod.ts";
import { type Route, sendJson, serve } from "./route.ts";

/** Which certificate the server shows, and whether it asks for the client's. */
export type TlsServerKind = "https" | "mtls" | "wrong-name";

/** A running HTTPS test server. */
export interface TlsTestServer extends Listening {
  /** `https://127.0.0.1:PORT` */
  url: string;
  /** `https://localhost:PORT`: the same server under a host name. */
  localUrl: string;
  port: number;
  /** Requests received so far. */
  requests(): number;
}

const tlsRoutes: Route[] = [
  [/^\/tls$/, (req, res) => sendJson(res, { authorized: (req.socket as TLSSocket).authorized === true })],
  [/^\/tls\/close$/, (req, res) => {
    res.setHeader("connection", "close");
    sendJson(res, { authorized: (req.socket as TLSSocket).authorized === true });
  }],
];

const OPTIONS: Record<TlsServerKind, https.ServerOptions> = {
  https: { cert: certs.server, key: certs.serverKey },
  mtls: { cert: certs.server, key: certs.serverKey, ca: certs.clientCa, requestCert: true, rejectUnauthorized: true },
  "wrong-name": { cert: certs.wrongName, key: certs.wrongNameKey },
};

/** Starts an HTTPS server of `kind` on 127.0.0.1 and a random port. */
export async function startTlsServer(kind: TlsServerKind): Promise<TlsTestServer> {
  const server = https.createServer(OPTIONS[kind], serve([...tlsRoutes, ...routes]));
  let requests = 0;
  server.on("request", () => requests++);
  // Longer than undici's 2-second margin, under which it never reuses a connection.
  server.keepAliveTimeout = 5000;
  const listening = await listen(server, { port: 0 }, "secureConnection");
  const { port } = server.address() as AddressInfo;
  return { ...listening, url: `https://127.0.0.1:${port}`, localUrl: `https://localhost:${port}`, port, requests: () => requests };
}
