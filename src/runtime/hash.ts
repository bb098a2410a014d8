/**
 * Streaming SHA-256, for download checksums. WebCrypto's `crypto.subtle.digest`
 * takes the whole input at once, so checking a multi-GB download with it would
 * mean holding the file in memory; `node:crypto`'s createHash takes it chunk by
 * chunk and is there on Node, Deno and Bun alike. It is imported on first use,
 * so importing aiofetch loads no crypto module.
 */

/** A SHA-256 being computed. */
export interface Sha256 {
  /** Adds bytes (they are not kept). */
  update(chunk: Uint8Array): void;
  /** The digest in lower-case hex; call once, at the end. */
  hex(): string;
}

let cryptoModule: Promise<typeof import("node:crypto")> | undefined;

/** Starts a SHA-256. */
export async function createSha256(): Promise<Sha256> {
  const { createHash } = await (cryptoModule ??= import("node:crypto"));
  const hash = createHash("sha256");
  return {
    update: (chunk) => void hash.update(chunk),
    hex: () => hash.digest("hex"),
  };
}
