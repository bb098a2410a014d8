/**
 * The fetch of a transport whose hops go to aiofetch's own HTTP/1.1 client
 * (h1_client.ts) where they can: each hop the client can send as the
 * runtime's fetch would, with the headers that fetch adds; any other (a
 * streamed body, a method of the caller's, a Host or Content-Length of the
 * caller's) through `viaFetch`, the runtime's fetch with the same option.
 */
import type { SocketClient } from "./h1_client.ts";
import { signalled } from "./hop_init.ts";
import { abortSource, bodyBytes, dispatchHop, plainHop } from "./transport_dispatch.ts";
import type { Transport, TransportFetch } from "./transport_types.ts";

/** What the runtime's fetch sends as its User-Agent (Deno/2.9.6, Bun/1.4.5). */
const USER_AGENT = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent ?? "aiofetch";

/** The headers Deno's fetch (2.9) adds where a request has none of its own, in its order. */
export const DENO_FETCH_HEADERS: Readonly<Record<string, string>> = { accept: "*/*", "accept-language": "*", "user-agent": USER_AGENT, "accept-encoding": "gzip,br" };
/** The headers Bun's fetch (1.4) adds where a request has none of its own, in its order. */
export const BUN_FETCH_HEADERS: Readonly<Record<string, string>> = { connection: "keep-alive", "user-agent": USER_AGENT, accept: "*/*", "accept-encoding": "gzip, deflate, br, zstd" };

/** The headers the runtime's fetch would send for `headers`: its `defaults` where absent, the body's type and length. */
function sentHeaders(headers: Record<string, string>, defaults: Readonly<Record<string, string>>, text: boolean, bytes: Uint8Array | null, method: string): Record<string, string> {
  const sent: Record<string, string> = Object.assign({}, headers);
  if (text && !("content-type" in sent)) sent["content-type"] = "text/plain;charset=UTF-8";
  for (const name in defaults) if (!(name in sent)) sent[name] = defaults[name]!;
  if (bytes) sent["content-length"] = String(bytes.byteLength);
  else if (method === "POST" || method === "PUT" || method === "PATCH") sent["content-length"] = "0";
  return sent;
}

/**
 * A transport of `client`, with `native` (the runtime's fetch with the same
 * settings) for the hops it does not carry; closing it closes both.
 */
export function socketTransport(client: SocketClient, native: Transport, defaults: Readonly<Record<string, string>>): Transport {
  return {
    hooksAborts: true,
    fetch: socketFetch(client, native.fetch, defaults),
    close: () => Promise.all([client.close(), native.close()]).then(() => undefined),
  };
}

/**
 * Each hop through `client` where it can go (see the module comment), with
 * the headers the runtime's fetch adds (`defaults`), else `viaFetch`.
 */
export function socketFetch(client: SocketClient, viaFetch: TransportFetch, defaults: Readonly<Record<string, string>>): TransportFetch {
  return (input, init) => {
    if (!plainHop(init) || "host" in (init.headers as Record<string, string>)) return viaFetch(input, signalled(init));
    const method = init.method!;
    const bytes = bodyBytes(init.body, method);
    if (bytes === undefined) return viaFetch(input, signalled(init));
    const options = {
      origin: input.origin,
      path: input.pathname + input.search,
      method,
      headers: sentHeaders(init.headers as Record<string, string>, defaults, typeof init.body === "string", bytes, method),
      body: bytes,
    };
    // The client hands each chunk over as a buffer of its own: no copy is needed.
    return dispatchHop(client, options, input, method, abortSource(init), true);
  };
}
