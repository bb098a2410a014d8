/**
 * The unix-socket test server: every route of the plain test server
 * (server/mod.ts), over HTTP on a socket in the system's temporary folder.
 */
import { rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { listen, type Listening } from "./listen.ts";
import { routes } from "./mod.ts";
import { serve } from "./route.ts";

/** A running unix-socket test server. */
export interface UnixTestServer extends Listening {
  /** The socket's path. */
  path: string;
}

let serial = 0;

/** A socket path in the temporary folder that nothing listens on. */
export function unusedSocketPath(): string {
  return join(tmpdir(), `aiofetch-${process.pid}-${Date.now()}-${serial++}.sock`);
}

/** Starts an HTTP server on a new unix socket. */
export async function startUnixServer(): Promise<UnixTestServer> {
  const path = unusedSocketPath();
  const server = http.createServer(serve(routes));
  // Longer than undici's 2-second margin, under which it never reuses a connection.
  server.keepAliveTimeout = 5000;
  const listening = await listen(server, { path });
  return {
    ...listening,
    path,
    async close() {
      await listening.close();
      rmSync(path, { force: true });
    },
  };
}
