/**
 * The local test server: httpbin-style endpoints on 127.0.0.1 and a random
 * port, plus fault endpoints that break the protocol on purpose. Built on
 * node:http, which runs under Node, Deno and Bun alike. This file assembles
 * the route tables of the files beside it (one concern each) into the server
 * the tests start, and re-exports what tests use of them.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { authRoutes } from "./auth.ts";
import { cookieRoutes } from "./cookies.ts";
import { digestRoutes } from "./digest.ts";
import { echoRoutes } from "./echo.ts";
import { encodingRoutes } from "./encodings.ts";
import { faultRoutes } from "./faults.ts";
import { fileRoutes } from "./files.ts";
import { loginRoutes } from "./login.ts";
import { redirectRoutes } from "./redirects.ts";
import { responseRoutes } from "./responses.ts";
import { retryRoutes } from "./retries.ts";
import { standInRoutes } from "./stand_ins.ts";
import { type Route, serve } from "./route.ts";

export type { Echo } from "./echo.ts";
export { ENCODED_DOCUMENT, ZSTD_DOCUMENT } from "./encodings.ts";
export { fileBlocks, fileBytes, seededBytes } from "./files.ts";

/** A running test server. */
export interface TestServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `http://localhost:PORT`: the same server under a host name (cookies are refused from IPs by default). */
  localUrl: string;
  port: number;
  /** Stops the server and drops every connection. */
  close(): Promise<void>;
}

/** Every endpoint; the patterns are anchored and match disjoint paths. */
export const routes: readonly Route[] = [
  ...echoRoutes, ...encodingRoutes, ...responseRoutes, ...redirectRoutes, ...cookieRoutes, ...authRoutes, ...digestRoutes, ...faultRoutes, ...fileRoutes,
  ...retryRoutes, ...loginRoutes, ...standInRoutes,
];

/** Starts a server on 127.0.0.1 and a random port. */
export async function startServer(): Promise<TestServer> {
  const server = http.createServer(serve(routes));
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    localUrl: `http://localhost:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (connections are refused). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
