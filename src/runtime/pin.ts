/**
 * The check of a pinned certificate (aiohttp's `Fingerprint`) on a TLS
 * connection aiofetch opened itself: undici's (transport_undici.ts) and a
 * WebSocket's (ws_connection.ts), each run before a byte is written on it.
 */
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { PeerFingerprintMismatch, type TlsConfig } from "./transport_types.ts";

// Not a static import: the npm build is one bundle, which hoists a builtin's static import to load with aiofetch
// itself, while this module loads with a transport or a WebSocket connection, on first need.
const { createHash } = await import("node:crypto");

/** The pin's verdict on a new connection: undefined when it holds (or there is no TLS). */
export function pinFailure(socket: Socket, tls: TlsConfig): PeerFingerprintMismatch | undefined {
  const raw = (socket as TLSSocket).getPeerCertificate?.()?.raw;
  if (!raw) return new PeerFingerprintMismatch(tls.fingerprint!, "(no certificate)");
  const got = createHash("sha256").update(raw).digest("hex");
  return got === tls.fingerprint ? undefined : new PeerFingerprintMismatch(tls.fingerprint!, got);
}
