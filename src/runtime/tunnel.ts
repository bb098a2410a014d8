/**
 * The CONNECT tunnel through an HTTP proxy, as aiofetch opens it itself:
 * for undici's connections (transport_proxy.ts) and for WebSockets
 * (ws_connection.ts). The request head, then the proxy's answer read off
 * the socket: a 2xx leaves the socket as the tunnel, anything else fails it
 * once, with the proxy's status. The same on a {@link ByteSocket}, for
 * aiofetch's own HTTP/1.1 client. And a CONNECT made only to read the
 * answer, for Deno's client, which does not say it (transport_deno.ts).
 */
import type { Socket } from "node:net";
import type { ByteSocket } from "./h1_client.ts";
import { bareHost, type ProxyConfig, ProxyRefusal } from "./transport_types.ts";

/** A proxy's answer head longer than this is refused. */
const MAX_HEAD = 16 * 1024;
/** How long a proxy may take to answer a CONNECT: undici's own connect timeout. */
const ANSWER_TIMEOUT_MS = 10_000;

/** The origin a tunnel goes to: undici's connect options have these members. */
export interface TunnelTarget {
  readonly hostname: string;
  /** Empty for the scheme's default. */
  readonly port: string;
  readonly protocol: string;
}

const defaultPort = (protocol: string) => (protocol === "https:" || protocol === "wss:" ? "443" : "80");

function disconnected(message: string): Error {
  // Read as the proxy closing the connection (runtime/network_errors.ts), never retried in a loop by undici.
  return Object.assign(new Error(message), { code: "ECONNRESET" });
}

/** The proxy closed the connection without answering the CONNECT. */
export function closedUnanswered(): Error {
  return disconnected("the proxy closed the connection without answering the CONNECT");
}

/** The refusal the proxy's answer `head` to a CONNECT says; undefined for a 2xx, which opens the tunnel. */
function refusalIn(head: string): ProxyRefusal | undefined {
  const status = /^HTTP\/1\.[01] (\d{3}) ?([^\r\n]*)/.exec(head);
  if (!status) return new ProxyRefusal(0, "not an HTTP answer");
  const code = Number(status[1]);
  return code >= 200 && code < 300 ? undefined : new ProxyRefusal(code, status[2]!);
}

/** Reads the proxy's answer to a CONNECT: resolves for a 2xx, rejects with its status otherwise (the socket destroyed). */
export function answer(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    let head = "";
    const done = (err?: Error) => {
      socket.off("data", onData).off("end", onEnd).off("error", onError).off("timeout", onTimeout);
      socket.setTimeout(0);
      if (err) {
        socket.destroy();
        reject(err);
      } else resolve();
    };
    const onData = (chunk: Uint8Array) => {
      head += (chunk as unknown as { toString(encoding: string): string }).toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return head.length > MAX_HEAD ? done(new ProxyRefusal(0, "answer head too long")) : undefined;
      // What came after the head (nothing, for a tunnel just opened) belongs to the tunnel.
      const after = head.length - end - 4;
      if (after > 0) socket.unshift(chunk.subarray(chunk.length - after));
      done(refusalIn(head));
    };
    const onEnd = () => done(closedUnanswered());
    const onError = (err: Error) => done(err);
    const onTimeout = () => done(disconnected(`the proxy did not answer the CONNECT in ${ANSWER_TIMEOUT_MS / 1000} s`));
    socket.on("data", onData).on("end", onEnd).on("error", onError).on("timeout", onTimeout);
    socket.setTimeout(ANSWER_TIMEOUT_MS);
  });
}

/**
 * Opens a tunnel to `target`'s origin on `socket`, a connection to `proxy`
 * (aiofetch's own HTTP/1.1 client's, h1_client.ts): resolves for a 2xx,
 * rejects with the proxy's refusal or closing otherwise. The caller closes
 * the socket on failure.
 */
export async function tunnelThrough(socket: ByteSocket, proxy: ProxyConfig, target: TunnelTarget): Promise<void> {
  const request = new TextEncoder().encode(connectHead(proxy, target));
  for (let at = 0; at < request.length;) at += await socket.write(request.subarray(at));
  const buffer = new Uint8Array(MAX_HEAD);
  let end = 0;
  for (;;) {
    const count = await socket.read(buffer.subarray(end));
    if (count === null) throw closedUnanswered();
    end += count;
    const head = new TextDecoder("latin1").decode(buffer.subarray(0, end));
    const over = head.indexOf("\r\n\r\n");
    if (over < 0) {
      if (end === buffer.length) throw new ProxyRefusal(0, "answer head too long");
      continue;
    }
    // Nothing may come before the TLS handshake the client starts: bytes after the head are not a tunnel's.
    if (over + 4 !== end) throw new ProxyRefusal(0, "data after the answer head");
    const refused = refusalIn(head);
    if (refused) throw refused;
    return;
  }
}

/** The CONNECT request for `target`'s origin, with the proxy's headers and credentials. */
export function connectHead(proxy: ProxyConfig, target: TunnelTarget): string {
  const host = target.hostname.includes(":") ? `[${target.hostname}]` : target.hostname;
  const authority = `${host}:${target.port || defaultPort(target.protocol)}`;
  const lines = [`CONNECT ${authority} HTTP/1.1`, `host: ${authority}`];
  for (const [name, value] of Object.entries(proxy.headers)) lines.push(`${name}: ${value}`);
  if (proxy.authorization !== undefined) lines.push(`proxy-authorization: ${proxy.authorization}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/**
 * Asks `proxy` for a tunnel to `target`'s origin only to read its answer:
 * its refusal, or undefined when it opens the tunnel after all (which is
 * then closed). Rejects when the proxy cannot be reached or does not answer;
 * `signal` ends it early.
 */
export async function refusal(proxy: ProxyConfig, target: TunnelTarget, signal?: AbortSignal | null): Promise<ProxyRefusal | undefined> {
  const net = await import("node:net");
  const { hostname, port } = new URL(proxy.origin);
  // An IPv6 proxy's hostname keeps its brackets in a URL; net.connect takes the bare address.
  const socket = net.connect({ host: bareHost(hostname), port: Number(port) || 80 });
  const abort = () => socket.destroy(new Error("aborted"));
  signal?.addEventListener("abort", abort, { once: true });
  try {
    socket.write(connectHead(proxy, target));
    await answer(socket);
    socket.destroy();
    return undefined;
  } catch (err) {
    if (err instanceof ProxyRefusal) return err;
    throw err;
  } finally {
    signal?.removeEventListener("abort", abort);
  }
}
