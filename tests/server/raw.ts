/**
 * A server that answers with bytes scripted per path, for the HTTP/1.1
 * client's tests (tests/h1_client.test.ts): each answer is a list of writes,
 * made one after another with a pause between them, so that the client gets
 * them in as many reads. It records each request it read (method, path,
 * headers, body) and the connection it came on.
 */
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { listen, type Listening } from "./listen.ts";

/**
 * What the server does after a scripted answer: keeps the connection, ends
 * it (a FIN, the client's side left open), closes it once the answer is
 * written (as a server closing an idle connection does), or destroys it at once.
 */
export type After = "keep" | "end" | "close" | "destroy";

/** A scripted answer: its writes, in order, then what becomes of the connection. */
export interface RawAnswer {
  readonly writes: ReadonlyArray<string | Uint8Array>;
  readonly after?: After;
}

/** A request the server read. */
export interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** The connection it came on, counted from 1. */
  readonly connection: number;
}

/** A running raw server. */
export interface RawServer extends Listening {
  readonly port: number;
  readonly requests: RawRequest[];
  /** Resolves once every connection the server accepted is closed. */
  allClosed(): Promise<void>;
}

/** Starts a server answering each path with `answers[path]` (404 with no body when absent). */
export async function startRawServer(answers: Record<string, RawAnswer>): Promise<RawServer> {
  const requests: RawRequest[] = [];
  let serial = 0;
  const live = new Set<net.Socket>();
  let idle: (() => void) | undefined;
  const server = net.createServer((socket) => {
    const connection = ++serial;
    live.add(socket);
    socket.on("close", () => {
      live.delete(socket);
      if (!live.size) idle?.();
    });
    socket.on("error", () => {});
    let buffered = Buffer.alloc(0);
    let busy = false;
    const next = async () => {
      if (busy) return;
      const end = buffered.indexOf("\r\n\r\n");
      if (end < 0) return;
      const lines = buffered.subarray(0, end).toString("latin1").split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(":");
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers["content-length"] ?? 0);
      if (buffered.length < end + 4 + length) return;
      const body = buffered.subarray(end + 4, end + 4 + length).toString();
      buffered = buffered.subarray(end + 4 + length);
      const [method, path] = lines[0]!.split(" ") as [string, string];
      requests.push({ method, path, headers, body, connection });
      const answer = answers[path] ?? { writes: ["HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"] };
      busy = true;
      for (const [i, write] of answer.writes.entries()) {
        if (i) await sleep(10);
        if (socket.destroyed) return;
        socket.write(write);
      }
      busy = false;
      if (answer.after === "end") socket.end();
      else if (answer.after === "close") socket.end(() => socket.destroy());
      else if (answer.after === "destroy") socket.destroy();
      else void next();
    };
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      void next();
    });
  });
  const listening = await listen(server, { port: 0 });
  return {
    ...listening,
    port: (server.address() as net.AddressInfo).port,
    requests,
    allClosed: () => (live.size ? new Promise((resolve) => (idle = resolve)) : Promise.resolve()),
  };
}
