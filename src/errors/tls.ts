/**
 * TLS failures, as aiohttp names them: the server's certificate refused
 * (ClientConnectorCertificateError), and the handshake failing otherwise
 * (ClientConnectorSSLError).
 */
import { ClientConnectorError, type ConnectorErrorInit } from "./connection.ts";

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

/** What a {@link ClientConnectorCertificateError} says beyond where the connection went. */
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
