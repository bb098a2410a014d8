/**
 * Starts the WebSocket test server (ws_server.mjs) in a Node child process,
 * for the tests of every runtime: `node` from PATH (not the runtime running
 * the tests, which may be Deno or Bun), or `AIOFETCH_TEST_NODE`. The child
 * exits when its stdin closes, so it never outlives the tests.
 */
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";

// Node runs the compiled tests (.build/tests/server/), the others the sources.
const SCRIPT = fileURLToPath(new URL(import.meta.url.endsWith(".ts") ? "./ws_server.mjs" : "../../../tests/server/ws_server.mjs", import.meta.url));

/** What the server saw of one request on an upgrade path (a handshake, refused or not). */
export interface WsLogEntry {
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  messages: Array<{ type: "text" | "binary"; size: number; text?: string }>;
  pings: number;
  pongs: number;
  close: { code: number; reason: string } | null;
  extensions: string;
  protocol?: string;
  error?: string;
  /** Set by `__freeze` and `__stall`. */
  frozen?: boolean;
  stalled?: boolean;
}

/** A running WebSocket test server. */
export interface WsTestServer {
  /** `ws://127.0.0.1:PORT` */
  url: string;
  /** `ws://localhost:PORT`: the same server under a host name (another origin, and cookies are kept). */
  localUrl: string;
  /** `http://127.0.0.1:PORT`, for the plain endpoints. */
  httpUrl: string;
  port: number;
  /** `wss://127.0.0.1:PORT`: the same endpoints over TLS, with the fixtures' leaf (signed by the test CA). */
  tlsUrl: string;
  /** `wss://localhost:PORT`: the same under a host name. */
  tlsLocalUrl: string;
  tlsPort: number;
  /** `wss://127.0.0.1:PORT`: over TLS, a client certificate signed by the client CA required. */
  mtlsUrl: string;
  /** A unix socket the plain endpoints listen on too. */
  socketPath: string;
  /** What the server saw for `id`, oldest first. */
  log(id: string): Promise<WsLogEntry[]>;
  /** Waits until `check` holds for the log of `id` (polling), and returns that log. */
  waitFor(id: string, check: (log: WsLogEntry[]) => boolean): Promise<WsLogEntry[]>;
  /** Resumes a connection stalled by `__stall`. */
  resume(id: string): Promise<void>;
  /** Kills the server process. */
  close(): Promise<void>;
}

let counter = 0;

/** A fresh connection id, for the log. */
export function wsId(name: string): string {
  return `${name}-${process.pid}-${++counter}`;
}

interface Ports {
  port: number;
  tlsPort: number;
  mtlsPort: number;
  socketPath: string;
}

function readPorts(child: ChildProcess): Promise<Ports> {
  return new Promise((resolve, reject) => {
    let text = "";
    child.stdout!.on("data", (data: Uint8Array) => {
      text += String(data);
      const line = text.split("\n")[0];
      if (text.includes("\n")) resolve(JSON.parse(line!) as Ports);
    });
    child.on("exit", (code) => reject(new Error(`the WebSocket test server exited (${code})`)));
    child.on("error", reject);
  });
}

/** Starts the server; resolves once it listens. */
export async function startWsServer(): Promise<WsTestServer> {
  const node = process.env.AIOFETCH_TEST_NODE ?? "node";
  const child = spawn(node, [SCRIPT], { stdio: ["pipe", "pipe", "inherit"] });
  const { port, tlsPort, mtlsPort, socketPath } = await readPorts(child);
  const httpUrl = `http://127.0.0.1:${port}`;
  const log = async (id: string) => (await (await fetch(`${httpUrl}/log?id=${encodeURIComponent(id)}`)).json()) as WsLogEntry[];
  return {
    url: `ws://127.0.0.1:${port}`,
    localUrl: `ws://localhost:${port}`,
    httpUrl,
    port,
    tlsUrl: `wss://127.0.0.1:${tlsPort}`,
    tlsLocalUrl: `wss://localhost:${tlsPort}`,
    tlsPort,
    mtlsUrl: `wss://127.0.0.1:${mtlsPort}`,
    socketPath,
    log,
    async waitFor(id, check) {
      for (;;) {
        const entries = await log(id);
        if (check(entries)) return entries;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async resume(id) {
      await (await fetch(`${httpUrl}/resume?id=${encodeURIComponent(id)}`)).text();
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.stdin!.end();
      }),
  };
}
