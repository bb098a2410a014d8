/**
 * Transports: how a hop reaches its server when a connection option is set
 * (TLS settings, a unix socket). Each runtime takes them in its own way, so
 * this module picks the runtime's file by feature and imports it only when a
 * connector first needs one; a session with no connection option never loads
 * any of them and sends with the plain global fetch.
 *
 * - Node (18, 20): the global fetch with a `dispatcher` made by npm undici 6
 *   (the line that still runs on Node 18), transport_node.ts.
 * - Deno: aiofetch's own HTTP/1.1 client over Deno's sockets, with
 *   `Deno.createHttpClient` as fetch's `client` for the hops it does not
 *   carry and for a local address; undici's own fetch where Deno
 *   has no such option (no verification, `serverName`, a fingerprint),
 *   transport_deno.ts.
 * - Bun: fetch's `tls` and `unix` members; undici's fetch for a fingerprint,
 *   transport_bun.ts.
 */
import { type Transport, type TransportConfig, type TlsConfig, TlsSetupError } from "./transport_types.ts";

export type { TlsConfig, Transport, TransportConfig, TransportFetch } from "./transport_types.ts";

type Runtime = "node" | "deno" | "bun";

/** Feature detection: Deno's HttpClient, Bun's version, then Node's fetch (undici). */
function runtime(): Runtime | undefined {
  if (typeof (globalThis as { Deno?: { createHttpClient?: unknown } }).Deno?.createHttpClient === "function") return "deno";
  const versions = (globalThis as { process?: { versions?: Record<string, unknown> } }).process?.versions;
  if (typeof versions?.bun === "string") return "bun";
  if (typeof versions?.undici === "string") return "node";
  return undefined;
}

/**
 * Throws a TypeError, when the connector is made, if this runtime's fetch
 * takes no connection options at all (a browser, a worker); `where` names
 * the call. Node, Deno and Bun take every option in one way or another.
 */
export function checkTransport(where: string): void {
  if (!runtime()) throw new TypeError(`${where}: this runtime's fetch takes no connection options; they need Node 18+, Deno 2 or Bun 1`);
}

/** `tls` with its key decrypted, so that every runtime gets a plain key and a wrong passphrase fails the same way. */
export async function decrypted(tls: TlsConfig): Promise<TlsConfig> {
  if (tls.passphrase === undefined || tls.key === undefined) return tls;
  const { createPrivateKey } = await import("node:crypto");
  try {
    const key = createPrivateKey({ key: tls.key, passphrase: tls.passphrase }).export({ format: "pem", type: "pkcs8" }) as string;
    return { ...tls, key, passphrase: undefined };
  } catch (err) {
    // No cause: its message would win as the most precise one, and it says less.
    throw new TlsSetupError(`cannot decrypt the client key with the passphrase given (${err instanceof Error ? err.message : String(err)})`);
  }
}

/** Makes the transport for `config` on this runtime, importing what it needs. */
export async function openTransport(config: TransportConfig): Promise<Transport> {
  const ready = config.tls ? { ...config, tls: await decrypted(config.tls) } : config;
  switch (runtime()) {
    case "deno":
      return (await import("./transport_deno.ts")).openDenoTransport(ready);
    case "bun":
      return (await import("./transport_bun.ts")).openBunTransport(ready);
    default:
      return (await import("./transport_node.ts")).openNodeTransport(ready);
  }
}
