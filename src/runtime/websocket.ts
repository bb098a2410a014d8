/**
 * The WebSocket handshake on npm `ws` (this file and ws_transport.ts are the
 * only code that knows `ws`). It does everything aiohttp's client needs on
 * Node 18+, Deno (through its node:http layer) and Bun (whose `import "ws"`
 * is its own built-in copy of the same API). The runtimes' own WebSocket
 * objects cannot: Deno's cannot ping, send a User-Agent or read a refusal's
 * status; Bun's cannot see the handshake response; Node 18 and 20 have none
 * without a flag.
 *
 * `ws` is imported on the first connection only, so a program that opens no
 * WebSocket loads none of it (and, on Deno, needs no `--allow-env` for it).
 * Its types are kept to the small local interfaces of ws_transport.ts, so
 * none of them reach aiofetch's public types.
 */
import type { Socket } from "node:net";
import type { OwnConnection } from "./ws_connection.ts";
import { deniedPermission, RuntimePermissionError } from "../errors/permission.ts";
import type { HeaderRecord } from "../headers.ts";
import type { TransportConfig } from "./transport_types.ts";
import { type IncomingLike, socketOf, type WsSocket, WsTransport, type WSTransport } from "./ws_transport.ts";

export type { WSListener, WSTransport } from "./ws_transport.ts";

/** How the server answered the handshake. A network failure rejects instead, with the runtime's error. */
export type Handshake =
  /** The 101's Set-Cookie lines and Sec-WebSocket-Extensions: all that is read of it, so no Headers object is made. */
  | { readonly kind: "open"; readonly transport: WSTransport; readonly setCookie: readonly string[]; readonly extensions: string | undefined }
  /** A status other than 101 (a redirect or a refusal), with the start of its body. */
  | { readonly kind: "answer"; readonly status: number; readonly headers: Headers; readonly body: Uint8Array }
  /** A 101 that is not a valid upgrade; `reason` is what is wrong with it. */
  | { readonly kind: "invalid"; readonly headers: Headers; readonly reason: string };

/** What one handshake sends and how its socket behaves. */
export interface TransportOptions {
  /** Every header to send but the handshake's own (Sec-WebSocket-*, Upgrade, Connection, Host). */
  readonly headers: HeaderRecord;
  readonly protocols: readonly string[];
  /** The largest message accepted; 0 for no limit. */
  readonly maxPayload: number;
  /** Offer permessage-deflate with this window size; 0 offers none. */
  readonly compress: number;
  /** Answer PINGs by itself. */
  readonly autoPong: boolean;
  /** How long a close waits for the server's close before the connection is dropped; `undefined` for ever. */
  readonly closeTimeout: number | undefined;
  /** Ends the handshake: the socket is dropped and the promise rejects with the signal's reason. */
  readonly signal: AbortSignal;
  /**
   * How the connection is made when the session asks for more than `ws`'s
   * own way: TLS settings, an HTTP proxy, a unix socket. aiofetch then opens
   * it itself (ws_connection.ts) and hands it to `ws`.
   */
  readonly route: TransportConfig | undefined;
}

/** The most of a refusal's body kept for its error. */
const REFUSAL_BODY_LIMIT = 64 * 1024;
/** The longest timer there is: "no close timeout" for `ws`, which wants a number. */
const FOREVER = 2 ** 31 - 1;
const DENO_ENV_FLAG = "--allow-env=WS_NO_BUFFER_UTIL,WS_NO_UTF_8_VALIDATE";

type WsConstructor = new (url: string, protocols: string[], options: Record<string, unknown>) => WsSocket;

let loading: Promise<WsConstructor> | undefined;

/**
 * `ws`'s WebSocket class, imported on first use. On Deno, where `ws` reads
 * two environment variables as it loads, a refused `--allow-env` becomes a
 * {@link RuntimePermissionError} naming the flag.
 */
function loadWs(): Promise<WsConstructor> {
  return (loading ??= import("ws").then(
    (mod) => ((mod as { WebSocket?: unknown }).WebSocket ?? (mod as { default: unknown }).default) as WsConstructor,
    (err: unknown) => {
      loading = undefined;
      throw permissionError(err, DENO_ENV_FLAG) ?? err;
    },
  ));
}

/**
 * A Deno permission error (`NotCapable`, or `PermissionDenied` on older
 * Denos) as a {@link RuntimePermissionError}; `flag` is the flag to name, or
 * the one Deno's message names. `undefined` for any other error.
 */
export function permissionError(err: unknown, flag?: string): RuntimePermissionError | undefined {
  const denied = deniedPermission(err);
  if (!denied) return undefined;
  const named = flag ?? denied.flag;
  return new RuntimePermissionError(`WebSocket on Deno needs ${named} (${denied.error.message})`, named, { cause: err });
}

/** The headers of a node:http message, repeats (Set-Cookie) kept apart. */
function headersOf(res: IncomingLike): Headers {
  const headers = new Headers();
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i]!, raw[i + 1]!);
    } catch {
      // A header fetch's Headers cannot hold is left out, as fetch leaves it out.
    }
  }
  return headers;
}

/** aiohttp's words for what `ws` finds wrong with a 101, its own words after them. */
function invalidReason(message: string): string {
  if (/upgrade header/i.test(message)) return "Invalid upgrade header";
  if (/sec-websocket-accept/i.test(message)) return "Invalid challenge response";
  if (/subprotocol/i.test(message)) return `Invalid subprotocol: ${message}`;
  if (/extension/i.test(message)) return `Invalid extension: ${message}`;
  return `Invalid handshake: ${message}`;
}

/** Reads the start of a refusal's body, then drops the connection. A 1xx, 204 or 304 has no body to wait for. */
function readRefusal(res: IncomingLike, ws: WsSocket): Promise<Uint8Array> {
  const status = res.statusCode ?? 0;
  if (status < 200 || status === 204 || status === 304) {
    ws.terminate();
    return Promise.resolve(new Uint8Array(0));
  }
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      ws.terminate();
      const body = new Uint8Array(size);
      let offset = 0;
      for (const chunk of chunks) {
        body.set(chunk.subarray(0, size - offset), offset);
        offset += chunk.byteLength;
        if (offset >= size) break;
      }
      resolve(body);
    };
    res.on("data", (chunk) => {
      chunks.push(chunk);
      size = Math.min(REFUSAL_BODY_LIMIT, size + chunk.byteLength);
      if (size >= REFUSAL_BODY_LIMIT) res.destroy();
    });
    res.on("end", done);
    res.on("close", done);
    // A connection cut mid-body ends it too ("close"): the refusal keeps what came.
    res.on("error", () => {});
  });
}

function wsOptions(options: TransportOptions, socket: Socket | undefined): Record<string, unknown> {
  const { compress } = options;
  return {
    ...(socket ? { createConnection: () => socket } : undefined),
    headers: options.headers,
    // aiohttp's compress=15 offers client_max_window_bits without a value, as `true` does here.
    perMessageDeflate: compress ? { clientMaxWindowBits: compress === 15 ? true : compress } : false,
    maxPayload: options.maxPayload,
    autoPong: options.autoPong,
    closeTimeout: options.closeTimeout ?? FOREVER,
    // Redirects are followed by aiofetch, with its own cookie and credential rules.
    followRedirects: false,
  };
}

/** The connection `route` asks for, opened by aiofetch (imported on first use); `undefined` for `ws`'s own. */
async function ownConnection(url: URL, route: TransportConfig, signal: AbortSignal): Promise<OwnConnection | undefined> {
  try {
    return await (await import("./ws_connection.ts")).openConnection(url, route, signal);
  } catch (err) {
    throw permissionError(err) ?? err;
  }
}

/**
 * Opens a WebSocket to `url` (ws: or wss:) and resolves with how the server
 * answered. A refused connection or a failed DNS lookup rejects with the
 * runtime's error, for the caller to classify.
 */
export async function openTransport(url: URL, options: TransportOptions): Promise<Handshake> {
  const WebSocket = await loadWs();
  const { signal, route } = options;
  signal.throwIfAborted();
  const own = route && (await ownConnection(url, route, signal));
  if (signal.aborted) {
    // Aborted as the connection became ready: nothing was written on it.
    own?.socket.destroy();
    throw signal.reason;
  }
  const ws = new WebSocket(url.href, [...options.protocols], wsOptions(options, own?.socket));
  return new Promise<Handshake>((resolve, reject) => {
    let upgrade: IncomingLike | undefined;
    let settled = false;
    let answered = false;
    const onAbort = () => {
      ws.terminate();
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    const settle = (outcome: Handshake | Error) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      if (outcome instanceof Error) reject(permissionError(outcome) ?? outcome);
      else resolve(outcome);
    };
    // What the connection reported before ws listened to it (ws reports what comes later itself).
    void own?.failed.then((err) => {
      if (settled || answered || signal.aborted) return;
      ws.terminate();
      settle(err);
    });
    ws.on("upgrade", (res) => (upgrade = res));
    ws.on("open", () => {
      const { headers } = upgrade!;
      const cookies = headers["set-cookie"];
      const setCookie = cookies === undefined ? [] : typeof cookies === "string" ? [cookies] : cookies;
      const extensions = headers["sec-websocket-extensions"];
      settle({ kind: "open", transport: new WsTransport(ws, socketOf(ws, upgrade!)), setCookie, extensions: typeof extensions === "string" ? extensions : undefined });
    });
    ws.on("unexpected-response", (_req, res) => {
      // Dropping the connection after the body makes ws report an error: the answer is what counts.
      answered = true;
      void readRefusal(res, ws).then((body) => settle({ kind: "answer", status: res.statusCode ?? 0, headers: headersOf(res), body }));
    });
    ws.on("error", (err) => {
      if (settled || answered || signal.aborted) return;
      // An error after the 101 arrived is ws refusing it (bad accept key, subprotocol, extension).
      settle(upgrade ? { kind: "invalid", headers: headersOf(upgrade), reason: invalidReason(err.message) } : err);
    });
  });
}
