/**
 * The runtimes report a failed `fetch` in different shapes: Node puts a system
 * code on `err.cause.code`, Bun on `err.code`, and Deno only describes it in
 * `err.cause.message` ("Connection refused (os error 111)", "dns error", …).
 * This module reads all of them and answers with one vocabulary.
 */

/**
 * What kind of failure a runtime's fetch error describes: `certificate` is the
 * server's certificate refused, `tls` any other failed TLS handshake,
 * `fingerprint` a pinned certificate not matching, `proxy` a proxy refusing a tunnel.
 */
export type NetworkFailureKind = "refused" | "dns" | "disconnected" | "payload" | "certificate" | "tls" | "fingerprint" | "proxy" | "other";

/** A runtime's fetch error, read into one shape. */
export interface NetworkFailure {
  /** The failure's kind, which picks the aiofetch error class. */
  kind: NetworkFailureKind;
  /** A system-style code (`ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`, …). */
  code: string;
  /** The most specific message the runtime gave. */
  detail: string;
  /**
   * `detail` without what only the runtime's authors read: the request Deno
   * names in it ("error sending request for url (…): "), OpenSSL's error
   * stack around its reason ("80DC…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:…").
   */
  reason: string;
  /** For a `fingerprint` failure: the pinned SHA-256 and the server's, lower-case hex. */
  pin?: { expected: string; got: string };
  /** For a `proxy` failure: the proxy's answer to the CONNECT. */
  tunnel?: { status: number; statusText: string };
}

/**
 * OpenSSL's verification codes, which Node and Bun report as they are (on
 * `err.cause.code` and `err.code`), and Node's own for a name mismatch.
 */
const CERTIFICATE_CODES = [
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_REVOKED",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "CERT_SIGNATURE_FAILURE",
  "CERT_CHAIN_TOO_LONG",
  "INVALID_CA",
  "INVALID_PURPOSE",
  "PATH_LENGTH_EXCEEDED",
  "HOSTNAME_MISMATCH",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
  "ERROR_IN_CERT_NOT_BEFORE_FIELD",
  "ERROR_IN_CERT_NOT_AFTER_FIELD",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_TLS_CERT_ALTNAME_FORMAT",
];

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
  EPAYLOAD: "payload",
  // Bun's for a failed handshake; Node's are ERR_SSL_… and ERR_OSSL_… (kindOfCode).
  EPROTO: "tls",
  // runtime/transport_types.ts: a client key or certificate that cannot be used, a pin that does not hold.
  ERR_TLS_SETUP: "tls",
  ERR_TLS_FINGERPRINT_MISMATCH: "fingerprint",
  // Bun's, and runtime/transport_types.ts's: a proxy refusing a tunnel.
  ERR_PROXY_TUNNEL: "proxy",
  ...Object.fromEntries(CERTIFICATE_CODES.map((code) => [code, "certificate" as const])),
};

function kindOfCode(code: string): NetworkFailureKind | undefined {
  return CODE_KINDS[code] ?? (code.startsWith("ERR_SSL_") || code.startsWith("ERR_OSSL_") ? "tls" : undefined);
}

/**
 * Message fragments (Deno's, and Bun's and Node's fallbacks) mapped to a
 * code. Deno's TLS client (rustls) names its certificate errors in words of
 * its own, read here into OpenSSL's codes, as Node and Bun give them.
 */
const MESSAGE_CODES: Array<[RegExp, string]> = [
  [/invalid peer certificate: certificate not valid for name/i, "ERR_TLS_CERT_ALTNAME_INVALID"],
  [/invalid peer certificate: UnknownIssuer/i, "UNABLE_TO_VERIFY_LEAF_SIGNATURE"],
  [/invalid peer certificate: Expired/i, "CERT_HAS_EXPIRED"],
  [/invalid peer certificate: NotValidYet/i, "CERT_NOT_YET_VALID"],
  [/invalid peer certificate: Revoked/i, "CERT_REVOKED"],
  [/invalid peer certificate/i, "CERT_REJECTED"],
  [/received fatal alert: CertificateRequired/i, "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED"],
  [/received fatal alert|received corrupt message|peer is incompatible|peer misbehaved/i, "EPROTO"],
  [/tls handshake eof/i, "ECONNRESET"],
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

/** Walks `err`, `err.cause`, `err.cause.cause`… for the first known system code, and the error that has it. */
function findCode(err: unknown): { code: string; at: object } | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = codeOf(current);
    if (code && kindOfCode(code)) return { code, at: current as object };
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

/** The proxy's answer: aiofetch's own ProxyRefusal has it; Bun says "Proxy refused to open a tunnel: 407 Proxy Authentication Required". */
function tunnelAnswer(err: object): { status: number; statusText: string } {
  const { status, statusText } = err as { status?: unknown; statusText?: unknown };
  if (typeof status === "number") return { status, statusText: String(statusText ?? "") };
  const said = /(\d{3}) ?([^\r\n]*)$/.exec(messageOf(err));
  return said ? { status: Number(said[1]), statusText: said[2]! } : { status: 0, statusText: messageOf(err) };
}

const DENO_PREFIX = /^error sending request for url \(.*?\): (?:client error \(Connect\): )?/;
const OPENSSL_STACK = /^[0-9A-F]+:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+):/;

function failure(kind: NetworkFailureKind, code: string, detail: string): NetworkFailure {
  const reason = OPENSSL_STACK.exec(detail)?.[1] ?? detail.replace(DENO_PREFIX, "");
  return { kind, code, detail, reason: reason.trim() };
}

/** Reads any runtime's fetch or body-read error into a {@link NetworkFailure}. */
export function readNetworkFailure(err: unknown): NetworkFailure {
  const detail = deepestMessage(err);
  const found = findCode(err);
  if (found?.code === "ERR_TLS_FINGERPRINT_MISMATCH") {
    const { expected, got, message } = found.at as { expected: string; got: string; message: string };
    return { ...failure("fingerprint", found.code, message), pin: { expected, got } };
  }
  if (found?.code === "ERR_PROXY_TUNNEL") return { ...failure("proxy", found.code, detail), tunnel: tunnelAnswer(found.at) };
  if (found) return failure(kindOfCode(found.code)!, found.code === "ConnectionRefused" ? "ECONNREFUSED" : found.code, detail);
  const texts = [detail, messageOf(err)].join(" | ");
  for (const [pattern, found] of MESSAGE_CODES) {
    if (pattern.test(texts)) return failure(kindOfCode(found)!, found, detail);
  }
  return failure("other", codeOf(err) ?? "EUNKNOWN", detail);
}

/** Why a unix socket could not be reached, in Node's and Bun's codes and Deno's words. */
const SOCKET_CODES = ["ENOENT", "ECONNREFUSED", "EACCES", "ENOTSOCK"];
const SOCKET_MESSAGES: Array<[RegExp, string]> = [
  [/no such file or directory/i, "ENOENT"],
  [/connection refused/i, "ECONNREFUSED"],
  [/permission denied/i, "EACCES"],
];

/**
 * The code of a fetch error that says a unix socket could not be reached
 * (its path missing, nothing listening, no permission); undefined for any
 * other failure. Only for hops sent to a socket: over TCP, or for a body
 * read from a file, `ENOENT` means something else.
 */
export function socketFailureCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = codeOf(current);
    if (code && SOCKET_CODES.includes(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  const text = deepestMessage(err);
  return SOCKET_MESSAGES.find(([pattern]) => pattern.test(text))?.[1];
}
