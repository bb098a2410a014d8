/**
 * TLS failures, as aiohttp names them: the server's certificate refused
 * (ClientConnectorCertificateError), the handshake failing otherwise
 * (ClientConnectorSSLError), and a pinned certificate not matching
 * (ServerFingerprintMismatch).
 */
import type { ClientErrorOptions } from "./client_error.ts";
import { ClientConnectorError, type ConnectorErrorInit, ServerConnectionError } from "./connection.ts";

/**
 * A TLS connection could not be made: the parent of the two TLS failures of
 * the connector, as aiohttp's `ClientSSLError`.
 *
 * @example
 * ```ts
 * try {
 *   await session.get("https://self-signed.example/");
 * } catch (err) {
 *   if (err instanceof ClientSSLError) console.error(`TLS to ${err.host}:${err.port} failed (${err.code})`);
 * }
 * ```
 */
export class ClientSSLError extends ClientConnectorError {}

/**
 * The TLS handshake failed for a reason other than the server's certificate:
 * the server refused the client certificate (or its absence), the two sides
 * share no protocol version or cipher, the port does not speak TLS, or the
 * client key could not be read. `code` is the runtime's (`EPROTO`,
 * `ERR_SSL_…`).
 *
 * @example
 * ```ts
 * // A port that speaks plain HTTP:
 * await session.get("https://127.0.0.1:8080/"); // rejects with ClientConnectorSSLError
 * ```
 */
export class ClientConnectorSSLError extends ClientSSLError {}

/**
 * What a {@link ClientConnectorCertificateError} says beyond where the connection went.
 *
 * @example
 * ```ts
 * const init: CertificateErrorInit = { host: "127.0.0.1", port: 8443, code: "CERT_HAS_EXPIRED", reason: "certificate has expired" };
 * ```
 */
export interface CertificateErrorInit extends ConnectorErrorInit {
  /** Why the certificate was refused, as the runtime put it. */
  reason: string;
}

/**
 * The server's certificate was refused: its issuer is not trusted, it is not
 * valid for the host name, it has expired…. `code` says which, in OpenSSL's
 * words on every runtime (`UNABLE_TO_VERIFY_LEAF_SIGNATURE`,
 * `ERR_TLS_CERT_ALTNAME_INVALID`, `CERT_HAS_EXPIRED`, …), and `reason` as the
 * runtime put it.
 *
 * @example
 * ```ts
 * try {
 *   await session.get("https://internal.example/");
 * } catch (err) {
 *   if (err instanceof ClientConnectorCertificateError) console.error(err.code, err.reason);
 *   // UNABLE_TO_VERIFY_LEAF_SIGNATURE unable to verify the first certificate
 * }
 * ```
 */
export class ClientConnectorCertificateError extends ClientSSLError {
  /** Why the certificate was refused, as the runtime put it. */
  readonly reason: string;

  /** `init` says where the connection went and why its certificate was refused. */
  constructor(message: string, init: CertificateErrorInit) {
    super(message, init);
    this.reason = init.reason;
  }
}

/**
 * What a {@link ServerFingerprintMismatch} says.
 *
 * @example
 * ```ts
 * const init: FingerprintMismatchInit = { expected: pinned.sha256, got: "1ce044e6…", host: "api.example", port: 443 };
 * ```
 */
export interface FingerprintMismatchInit extends ClientErrorOptions {
  /** The SHA-256 that was pinned, lower-case hex. */
  expected: string;
  /** The SHA-256 of the certificate the server showed, lower-case hex. */
  got: string;
  /** The host connected to. */
  host: string;
  /** The port connected to. */
  port: number;
}

/**
 * The server's certificate is not the one pinned with a `Fingerprint`. The
 * connection was closed before anything was sent on it.
 *
 * @example
 * ```ts
 * try {
 *   await session.get("https://api.example/", { ssl: new Fingerprint(pinned) });
 * } catch (err) {
 *   if (err instanceof ServerFingerprintMismatch) console.error(`expected ${err.expected}, got ${err.got}`);
 * }
 * ```
 */
export class ServerFingerprintMismatch extends ServerConnectionError {
  /** The SHA-256 that was pinned, lower-case hex. */
  readonly expected: string;
  /** The SHA-256 of the certificate the server showed, lower-case hex. */
  readonly got: string;
  /** The host connected to. */
  readonly host: string;
  /** The port connected to. */
  readonly port: number;

  /** `init` holds both fingerprints and where the connection went. */
  constructor(message: string, init: FingerprintMismatchInit) {
    super(message, { cause: init.cause });
    this.expected = init.expected;
    this.got = init.got;
    this.host = init.host;
    this.port = init.port;
  }
}
