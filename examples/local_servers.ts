/**
 * The servers of ssl.ts, proxy.ts and unix_socket.ts beyond the demo server,
 * on node:https and node:http so that Node, Deno and Bun can all run them,
 * each started by the example that needs it: HTTPS with the test
 * certificate of examples/certs/ (mTLS too), and HTTP on a unix socket. Both
 * answer the httpbin-style endpoints of httpbin_routes.ts. Nothing here
 * listens beyond 127.0.0.1 and the socket's path.
 */
import { readFileSync, rmSync } from "node:fs";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo, Server, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { TLSSocket } from "node:tls";
import { certFile } from "./example_certs.ts";
import { answerHttpbin } from "./httpbin_routes.ts";
import { sendJson } from "./replies.ts";

/** A running server, stopped by `close()` or when an `await using` ends. */
export interface LocalServer extends AsyncDisposable {
  /** Stops listening and drops every connection; once is enough, twice does no harm. */
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 and a random port, or on the unix socket `path`; the
 * port (0 for a socket) and how to stop. Stopping destroys every connection
 * first: server.close() alone waits for idle keep-alive ones and CONNECT
 * tunnels, and on Deno never returns while one is open.
 */
export async function listenLocally(server: Server, where: { path?: string } = {}): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if (where.path) server.listen(where.path, resolve);
    else server.listen(0, "127.0.0.1", resolve);
  });
  const port = where.path ? 0 : (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return { port, close };
}

/** Answers the httpbin endpoints, `/tls` on an HTTPS server, and 404 for anything else. */
async function answer(req: IncomingMessage, res: ServerResponse, scheme: "http" | "https"): Promise<void> {
  try {
    // The Host header, so that the echo shows the URL as the client wrote it.
    const url = new URL(req.url ?? "/", `${scheme}://${req.headers.host ?? "localhost"}`);
    if (scheme === "https" && url.pathname === "/tls") {
      // `authorized`: the client showed a certificate the server trusts. Read from the socket, as Bun's
      // server sockets have no getPeerCertificate; only an mTLS server's answer means anything (Deno's
      // says true to any client of a server that asks for no certificate).
      return sendJson(res, 200, { authorized: (req.socket as TLSSocket).authorized === true });
    }
    if (!(await answerHttpbin(req, res, url))) sendJson(res, 404, { error: `nothing at ${req.method} ${url.pathname}` });
  } catch (err) {
    if (!res.headersSent) sendJson(res, 500, { error: err instanceof Error ? err.message : String(err) });
    else res.destroy();
  }
}

/** A running HTTPS server. */
export interface HttpsServer extends LocalServer {
  /** `https://127.0.0.1:PORT`, which its certificate names (as it does localhost and ::1). */
  readonly url: string;
  readonly port: number;
}

/**
 * Starts an HTTPS server on 127.0.0.1 with examples/certs/server.pem, signed
 * by the test CA (ca.pem), which no runtime trusts by itself. With
 * `clientCertificate: true` it asks every client for a certificate signed by
 * client-ca.pem and refuses one without in the TLS handshake (mTLS); `/tls`
 * then answers `{ authorized }`, whether the client's was trusted.
 */
export async function startHttpsServer(options: { clientCertificate?: boolean } = {}): Promise<HttpsServer> {
  const tls: https.ServerOptions = { cert: readFileSync(certFile("server.pem")), key: readFileSync(certFile("server-key.pem")) };
  if (options.clientCertificate) Object.assign(tls, { ca: readFileSync(certFile("client-ca.pem")), requestCert: true, rejectUnauthorized: true });
  const server = https.createServer(tls, (req, res) => void answer(req, res, "https"));
  const { port, close } = await listenLocally(server);
  return { url: `https://127.0.0.1:${port}`, port, close, [Symbol.asyncDispose]: close };
}

/** A running HTTP server on a unix socket. */
export interface UnixSocketServer extends LocalServer {
  /** The socket's path, in the system's temporary folder. */
  readonly path: string;
}

/** Starts an HTTP server on a new unix socket in the temporary folder; closing it removes the socket. */
export async function startUnixServer(): Promise<UnixSocketServer> {
  const path = join(tmpdir(), `aiofetch-example-${process.pid}-${Date.now()}.sock`);
  const server = http.createServer((req, res) => void answer(req, res, "http"));
  const listening = await listenLocally(server, { path });
  const close = async () => {
    await listening.close();
    rmSync(path, { force: true }); // Node removes it itself; not every runtime does
  };
  return { path, close, [Symbol.asyncDispose]: close };
}
