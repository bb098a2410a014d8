/**
 * Hashing through `node:crypto`, which Node, Deno and Bun all have. Streaming
 * SHA-256 is for download checksums: WebCrypto's `crypto.subtle.digest` takes
 * the whole input at once, so checking a multi-GB download with it would mean
 * holding the file in memory, while createHash takes it chunk by chunk. The
 * one-shot helpers serve Digest auth, which needs MD5 and SHA-512/256 that
 * WebCrypto lacks. The module is imported on first use, so importing aiofetch
 * loads no crypto module.
 */

/** A SHA-256 being computed. */
export interface Sha256 {
  /** Adds bytes (they are not kept). */
  update(chunk: Uint8Array): void;
  /** The digest in lower-case hex; call once, at the end. */
  hex(): string;
}

let cryptoModule: Promise<typeof import("node:crypto")> | undefined;
const loadCrypto = () => (cryptoModule ??= import("node:crypto"));

/** Starts a SHA-256. */
export async function createSha256(): Promise<Sha256> {
  const { createHash } = await loadCrypto();
  const hash = createHash("sha256");
  return {
    update: (chunk) => void hash.update(chunk),
    hex: () => hash.digest("hex"),
  };
}

/**
 * The digest of `data` in lower-case hex; a string is hashed as UTF-8.
 * `algorithm` is a `node:crypto` name (`md5`, `sha256`, `sha512-256`).
 *
 * @example
 * ```ts
 * await hexDigest("md5", "abc"); // "900150983cd24fb0d6963f7d28e17f72"
 * ```
 */
export async function hexDigest(algorithm: string, data: string | Uint8Array): Promise<string> {
  const { createHash } = await loadCrypto();
  return createHash(algorithm).update(data).digest("hex");
}

const available = new Map<string, boolean>();

/**
 * Whether this runtime's `node:crypto` has `algorithm`. Tried rather than
 * looked up in getHashes(), whose names differ between runtimes and versions.
 *
 * @example
 * ```ts
 * if (!(await hasHash("sha512-256"))) console.log("no SHA-512/256 here");
 * ```
 */
export async function hasHash(algorithm: string): Promise<boolean> {
  let known = available.get(algorithm);
  if (known === undefined) {
    const { createHash } = await loadCrypto();
    try {
      createHash(algorithm);
      known = true;
    } catch {
      known = false;
    }
    available.set(algorithm, known);
  }
  return known;
}

/**
 * `bytes` random bytes from the system's secure source, in hex (Node 18 has
 * no global `crypto`).
 *
 * @example
 * ```ts
 * const cnonce = await randomHex(16); // 32 hex digits
 * ```
 */
export async function randomHex(bytes: number): Promise<string> {
  const { randomBytes } = await loadCrypto();
  return randomBytes(bytes).toString("hex");
}
