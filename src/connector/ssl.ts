/**
 * The `ssl` option of connectors and requests, as aiohttp's `ssl=`: `true`
 * (verify, the default), `false` (no verification), {@link SSLOptions} (a
 * CA, a client certificate, a name to verify), or a {@link Fingerprint}.
 * Checked here, once, into the settings the transports take
 * (runtime/transport.ts).
 */
import type { TlsConfig } from "../runtime/transport.ts";

/**
 * PEM text, or its bytes (a file's contents, say).
 *
 * @example
 * ```ts
 * const ca: PemInput = await Deno.readFile("internal-ca.pem"); // or "-----BEGIN CERTIFICATE-----\n…"
 * ```
 */
export type PemInput = string | Uint8Array;

/**
 * TLS settings, where aiohttp takes an `SSLContext`. PEM values are the text
 * (or its bytes), not a file name: read the file first.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 *
 * const connector = new TCPConnector({ ssl: { ca: readFileSync("internal-ca.pem") } });
 * // mTLS: a client certificate, its key and the key's passphrase
 * await session.get("https://mtls.example/", {
 *   ssl: { cert: readFileSync("client.pem"), key: readFileSync("client-key.pem"), passphrase: "secret" },
 * });
 * ```
 */
export interface SSLOptions {
  /**
   * The CA certificates to trust, instead of the runtime's own roots (on
   * Deno, in addition to them: its client cannot drop them). One PEM text
   * may hold several.
   */
  ca?: PemInput | readonly PemInput[];
  /** The client certificate (chain), for servers that ask for one (mTLS). */
  cert?: PemInput;
  /** The client certificate's private key. */
  key?: PemInput;
  /** Decrypts `key`. */
  passphrase?: string;
  /** Verify the server's certificate (default true); `false` is `ssl: false` with the other settings kept. */
  rejectUnauthorized?: boolean;
  /** The name sent as SNI and the certificate is verified against, instead of the URL's host. */
  serverName?: string;
}

const DIGEST_NAMES: Record<number, string> = { 16: "an MD5", 20: "a SHA-1", 28: "a SHA-224", 48: "a SHA-384", 64: "a SHA-512" };

/**
 * A pinned server certificate, as aiohttp's `Fingerprint`: the SHA-256 of
 * its DER form. Given as `ssl`, the server's certificate must be that one,
 * whether or not its chain is trusted (the chain is not verified, as in
 * aiohttp); otherwise the connection is closed before anything is sent on
 * it, with a `ServerFingerprintMismatch`.
 *
 * @example
 * ```ts
 * // openssl x509 -in server.pem -outform DER | openssl dgst -sha256
 * const pin = new Fingerprint("ac:fb:d4:4c:76:09:…"); // or 64 hex digits without colons, or the 32 bytes
 * await using session = new ClientSession({ connector: new TCPConnector({ ssl: pin }) });
 * ```
 */
export class Fingerprint {
  /** The SHA-256, lower-case hex without colons. */
  readonly sha256: string;

  /** `digest`: 64 hex digits (colons allowed, any case) or 32 bytes. MD5 and SHA-1 digests are refused. */
  constructor(digest: string | Uint8Array) {
    const hex = typeof digest === "string"
      ? digest.replace(/:/g, "").toLowerCase()
      : digest instanceof Uint8Array
      ? Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("")
      : undefined;
    if (hex === undefined) throw new TypeError(`new Fingerprint(): the digest must be hex text or bytes, got ${typeof digest}`);
    if (!/^[0-9a-f]*$/.test(hex)) throw new TypeError("new Fingerprint(): the digest is not hex (digits 0-9, a-f, colons between bytes)");
    if (hex.length !== 64) {
      const got = hex.length % 2 ? `${hex.length} hex digits` : `${hex.length / 2}`;
      const other = DIGEST_NAMES[hex.length / 2];
      throw new TypeError(`new Fingerprint(): a SHA-256 is 32 bytes, got ${got}${other ? ` (${other} digest, which is not accepted)` : ""}`);
    }
    this.sha256 = hex;
  }
}

/**
 * What `ssl` takes: `true` (verify against the runtime's roots, the
 * default), `false` (no verification at all), {@link SSLOptions}, or a
 * {@link Fingerprint} (a pinned certificate, the chain not verified).
 *
 * @example
 * ```ts
 * const lab = new TCPConnector({ ssl: false });           // a test server with a self-signed certificate
 * await session.get(url, { ssl: { ca: internalCaPem } });  // one request against an internal CA
 * ```
 */
export type SSLSetting = boolean | SSLOptions | Fingerprint;

const OPTION_NAMES = ["ca", "cert", "key", "passphrase", "rejectUnauthorized", "serverName"];

/** The text of a PEM value; `what` names it in errors, made only then. */
function pemText(value: PemInput, label: string, expected: RegExp, what: () => string): string {
  const text = typeof value === "string" ? value : value instanceof Uint8Array ? new TextDecoder().decode(value) : undefined;
  if (text === undefined) throw new TypeError(`${what()}: ssl.${label} must be PEM text or its bytes, got ${typeof value}`);
  if (!expected.test(text)) {
    const hint = typeof value === "string" && !text.includes("-----") ? " (it is the PEM text, not a file name: read the file first)" : "";
    throw new TypeError(`${what()}: ssl.${label} is not PEM ("-----BEGIN …-----")${hint}`);
  }
  return text;
}

const CERTIFICATE = /-----BEGIN (?:TRUSTED )?CERTIFICATE-----/;
const PRIVATE_KEY = /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----/;

function optionalString(options: SSLOptions, name: "passphrase" | "serverName", what: () => string): string | undefined {
  const value = options[name];
  if (value !== undefined && (typeof value !== "string" || !value)) throw new TypeError(`${what()}: ssl.${name} must be a non-empty string`);
  return value;
}

function caList(ca: SSLOptions["ca"], what: () => string): readonly string[] | undefined {
  if (ca === undefined) return undefined;
  const list: readonly PemInput[] = Array.isArray(ca) ? ca : [ca as PemInput];
  if (!list.length) throw new TypeError(`${what()}: ssl.ca is empty; leave it out to trust the runtime's own roots`);
  return list.map((item) => pemText(item, "ca", CERTIFICATE, what));
}

function fromOptions(options: SSLOptions, what: () => string): TlsConfig {
  for (const name of Object.keys(options)) {
    if (!OPTION_NAMES.includes(name)) throw new TypeError(`${what()}: unknown ssl option "${name}"; the options are ${OPTION_NAMES.join(", ")}`);
  }
  const { rejectUnauthorized = true } = options;
  if (typeof rejectUnauthorized !== "boolean") throw new TypeError(`${what()}: ssl.rejectUnauthorized must be a boolean`);
  const cert = options.cert === undefined ? undefined : pemText(options.cert, "cert", CERTIFICATE, what);
  const key = options.key === undefined ? undefined : pemText(options.key, "key", PRIVATE_KEY, what);
  if ((cert === undefined) !== (key === undefined)) throw new TypeError(`${what()}: ssl.cert and ssl.key go together`);
  const passphrase = optionalString(options, "passphrase", what);
  if (passphrase !== undefined && key === undefined) throw new TypeError(`${what()}: ssl.passphrase decrypts ssl.key, which is missing`);
  const serverName = optionalString(options, "serverName", what);
  const config = { ca: caList(options.ca, what), cert, key, passphrase, verify: rejectUnauthorized, serverName, fingerprint: undefined };
  return { ...config, id: JSON.stringify(config) };
}

/** True when `config` asks for nothing but the runtime's defaults (`ssl: {}`). */
function isDefault(config: TlsConfig): boolean {
  return config.verify && !config.ca && !config.cert && config.serverName === undefined;
}

const NOTHING = { ca: undefined, cert: undefined, key: undefined, passphrase: undefined, serverName: undefined, fingerprint: undefined };

/** `ssl: false`. */
const UNVERIFIED: TlsConfig = { ...NOTHING, verify: false, id: "unverified" };

function pinned(fingerprint: Fingerprint): TlsConfig {
  return { ...NOTHING, verify: false, fingerprint: fingerprint.sha256, id: `fingerprint ${fingerprint.sha256}` };
}

/**
 * The TLS settings `ssl` asks for: `undefined` for the runtime's defaults
 * (`true`). `what` names the call in errors (`new TCPConnector()`, `GET url`).
 */
export function resolveSsl(ssl: SSLSetting | undefined, what: () => string): TlsConfig | undefined {
  if (ssl === undefined || ssl === true) return undefined;
  if (ssl === false) return UNVERIFIED;
  if (ssl instanceof Fingerprint) return pinned(ssl);
  if (typeof ssl !== "object" || ssl === null || Array.isArray(ssl)) {
    throw new TypeError(`${what()}: ssl must be true, false, a Fingerprint or an object of TLS settings, got ${ssl === null ? "null" : typeof ssl}`);
  }
  const config = fromOptions(ssl, what);
  return isDefault(config) ? undefined : config;
}
