/**
 * Starting and stopping the servers of tests/server on any runtime. close()
 * destroys every socket the server has seen: Deno's `server.close()` never
 * returns while a keep-alive socket is open.
 */
import type { Server, Socket } from "node:net";

/** A listening server: how many connections it accepted, and how to stop it. */
export interface Listening {
  /** Connections accepted so far (TLS ones once their handshake is over). */
  readonly connections: () => number;
  /** Connections open now. */
  readonly open: () => number;
  /** Stops the server and drops every connection. */
  close(): Promise<void>;
}

/**
 * Listens on `port` at 127.0.0.1, or on the unix socket `path`, tracking
 * sockets; `event` is the one a new connection is counted on
 * (`secureConnection` for a TLS server).
 */
export async function listen(server: Server, where: { port: 0 } | { path: string }, event = "connection"): Promise<Listening> {
  const sockets = new Set<Socket>();
  let count = 0;
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on(event, () => count++);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if ("path" in where) server.listen(where.path, resolve);
    else server.listen(0, "127.0.0.1", resolve);
  });
  return {
    connections: () => count,
    open: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Resolves once `server` has no connection open, checking every 10 ms; fails
 * after `limitMs`, which a test keeps below the clients' own idle timeouts
 * (undici's is 4 s) to see that a close() closed them.
 */
export async function allClosed(server: Listening, limitMs: number): Promise<void> {
  for (let waited = 0; server.open() > 0; waited += 10) {
    if (waited > limitMs) throw new Error(`${server.open()} connection(s) still open ${limitMs} ms later`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
