/**
 * The `response` of a Digest Authorization header, RFC 7616 section 3.4.1:
 * the hash that proves the password without sending it.
 */
import { hexDigest } from "./runtime/hash.ts";

/** The RFC 7616 hash algorithms, by upper-case name, and their `node:crypto` names. */
const HASHES: Readonly<Record<string, string>> = { "MD5": "md5", "SHA-256": "sha256", "SHA-512-256": "sha512-256" };

/**
 * A quality of protection aiofetch answers with.
 *
 * @example
 * ```ts
 * const qop: DigestQop = "auth-int";
 * ```
 */
export type DigestQop = "auth" | "auth-int";

/**
 * The `node:crypto` hash of an algorithm name and whether it is a `-sess`
 * one; undefined for a name RFC 7616 lacks.
 *
 * @example
 * ```ts
 * hashOf("sha-256-SESS"); // { hash: "sha256", session: true }
 * ```
 */
export function hashOf(algorithm: string): { hash: string; session: boolean } | undefined {
  const upper = algorithm.toUpperCase();
  const session = upper.endsWith("-SESS");
  const hash = HASHES[session ? upper.slice(0, -"-SESS".length) : upper];
  return hash === undefined ? undefined : { hash, session };
}

const UTF8 = new TextEncoder();

/**
 * A header value's bytes as the server sent them: fetch gives each byte as
 * one character, so a UTF-8 realm hashed as a JS string would be encoded twice.
 */
function headerBytes(value: string): Uint8Array {
  return Uint8Array.from(value, (char) => char.charCodeAt(0));
}

/** `parts` joined with ":" between them. */
function joinBytes(parts: readonly Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((size, part) => size + part.length, parts.length - 1));
  let at = 0;
  parts.forEach((part, i) => {
    if (i > 0) joined[at++] = 0x3a;
    joined.set(part, at);
    at += part.length;
  });
  return joined;
}

/**
 * What RFC 7616 section 3.4.1 computes the `response` from.
 *
 * @example
 * ```ts
 * const parts: DigestParts = {
 *   algorithm: "SHA-256", username: "Mufasa", password: "Circle of Life", realm: "http-auth@example.org",
 *   method: "GET", uri: "/dir/index.html", nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
 *   cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", nc: "00000001", qop: "auth", entity: "",
 * };
 * ```
 */
export interface DigestParts {
  /** `MD5`, `MD5-sess`, `SHA-256`, `SHA-256-sess`, `SHA-512-256` or `SHA-512-256-sess`, any case. */
  algorithm: string;
  username: string;
  password: string;
  /** As the header carried it: one character a byte. */
  realm: string;
  /** The method, upper case. */
  method: string;
  /** The request-target: the path and query sent. */
  uri: string;
  nonce: string;
  cnonce: string;
  /** The nonce count, 8 hex digits. */
  nc: string;
  /** Undefined for an RFC 2069 challenge, which offered no qop. */
  qop: DigestQop | undefined;
  /** The body as sent, for `auth-int`; a string is hashed as UTF-8. */
  entity: string | Uint8Array;
}

/**
 * The `response` value of an Authorization header (RFC 7616 section 3.4.1).
 *
 * @example
 * ```ts
 * // RFC 7616 section 3.9.1
 * await digestResponse({
 *   algorithm: "MD5", username: "Mufasa", password: "Circle of Life", realm: "http-auth@example.org",
 *   method: "GET", uri: "/dir/index.html", nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
 *   cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", nc: "00000001", qop: "auth", entity: "",
 * }); // "8ca523f5e9506fed4657c9700eebdbec"
 * ```
 */
export async function digestResponse(parts: DigestParts): Promise<string> {
  const algorithm = hashOf(parts.algorithm);
  if (!algorithm) throw new TypeError(`digestResponse: ${JSON.stringify(parts.algorithm)} is not an RFC 7616 algorithm`);
  const H = (data: Uint8Array) => hexDigest(algorithm.hash, data);
  const { method, uri, nonce, cnonce, qop } = parts;
  // The login, password and body are hashed as UTF-8; all else comes from or goes into headers, one character a byte.
  let ha1 = await H(joinBytes([UTF8.encode(parts.username), headerBytes(parts.realm), UTF8.encode(parts.password)]));
  if (algorithm.session) ha1 = await H(headerBytes(`${ha1}:${nonce}:${cnonce}`));
  const entity = typeof parts.entity === "string" ? UTF8.encode(parts.entity) : parts.entity;
  const a2 = qop === "auth-int" ? `${method}:${uri}:${await H(entity)}` : `${method}:${uri}`;
  const ha2 = await H(headerBytes(a2));
  return H(headerBytes(qop ? `${ha1}:${nonce}:${parts.nc}:${cnonce}:${qop}:${ha2}` : `${ha1}:${nonce}:${ha2}`));
}
