/**
 * The runtimes report a failed `fetch` in different shapes: Node puts a system
 * code on `err.cause.code`, Bun on `err.code`, and Deno only describes it in
 * `err.cause.message` ("Connection refused (os error 111)", "dns error", …).
 * This module reads all of them and answers with one vocabulary.
 */

/** What kind of failure a runtime's fetch error describes. */
export type NetworkFailureKind = "refused" | "dns" | "disconnected" | "payload" | "other";

/** A runtime's fetch error, read into one shape. */
export interface NetworkFailure {
  /** The failure's kind, which picks the aiofetch error class. */
  kind: NetworkFailureKind;
  /** A system-style code (`ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`, …). */
  code: string;
  /** The most specific message the runtime gave. */
  detail: string;
}

const CODE_KINDS: Record<string, NetworkFailureKind> = {
  ECONNREFUSED: "refused",
  EHOSTUNREACH: "refused",
  ENETUNREACH: "refused",
  EADDRNOTAVAIL: "refused",
  ConnectionRefused: "refused",
  ENOTFOUND: "dns",
  EAI_AGAIN: "dns",
  EAI_NONAME: "dns",
  EAI_FAIL: "dns",
  ECONNRESET: "disconnected",
  EPIPE: "disconnected",
  ECONNABORTED: "disconnected",
  UND_ERR_SOCKET: "disconnected",
  UND_ERR_CLOSED: "disconnected",
  ConnectionClosed: "disconnected",
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: "payload",
  Z_DATA_ERROR: "payload",
  ERR_INVALID_CHUNKED_ENCODING: "payload",
  ZlibError: "payload",
  DecompressionError: "payload",
  BrotliDecompressionError: "payload",
};

/** Message fragments (Deno's, and Bun's and Node's fallbacks) mapped to a code. */
const MESSAGE_CODES: Array<[RegExp, string]> = [
  [/connection refused|econnrefused|unable to connect/i, "ECONNREFUSED"],
  [/dns error|name or service not known|failed to lookup address|enotfound|getaddrinfo/i, "ENOTFOUND"],
  [/connection reset|econnreset|socket hang up|other side closed|connection closed|broken pipe|closed before message completed|socket connection was closed/i, "ECONNRESET"],
  [/content-length|end of file before message length reached|unexpected eof|incomplete|response body|decompress|gzip|deflate|brotli|chunk|corrupt|invalid data/i, "EPAYLOAD"],
];

function codeOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const code = (value as { code?: unknown }).code;
  return typeof code === "string" && code ? code : undefined;
}

function messageOf(value: unknown): string {
  return value instanceof Error ? value.message : typeof value === "string" ? value : "";
}

/** Walks `err`, `err.cause`, `err.cause.cause`… for the first known system code. */
function findCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = codeOf(current);
    if (code && code in CODE_KINDS) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The deepest non-empty message in the cause chain: usually the most precise one. */
function deepestMessage(err: unknown): string {
  let best = messageOf(err);
  let current = (err as { cause?: unknown } | undefined)?.cause;
  for (let depth = 0; depth < 5 && current; depth++) {
    const text = messageOf(current);
    if (text) best = text;
    current = (current as { cause?: unknown }).cause;
  }
  return best;
}

/** Reads any runtime's fetch or body-read error into a {@link NetworkFailure}. */
export function readNetworkFailure(err: unknown): NetworkFailure {
  const detail = deepestMessage(err);
  const code = findCode(err);
  if (code) return { kind: CODE_KINDS[code]!, code: code === "ConnectionRefused" ? "ECONNREFUSED" : code, detail };
  const texts = [detail, messageOf(err)].join(" | ");
  for (const [pattern, found] of MESSAGE_CODES) {
    if (pattern.test(texts)) {
      return { kind: found === "EPAYLOAD" ? "payload" : CODE_KINDS[found]!, code: found, detail };
    }
  }
  return { kind: "other", code: codeOf(err) ?? "EUNKNOWN", detail };
}
