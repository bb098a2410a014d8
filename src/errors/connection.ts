import { ClientError, type ClientErrorOptions } from "./client_error.ts";

/** Anything that went wrong with the connection rather than with the answer. */
export class ClientConnectionError extends ClientError {}

/** Where a connection attempt went, and what the system said. */
export interface ConnectorErrorInit extends ClientErrorOptions {
  /** The host name or address tried. */
  host: string;
  /** The port tried. */
  port: number;
  /** The system's error code, such as `ECONNREFUSED` or `ENOTFOUND`. */
  code: string;
}

/** The connection could not be made (refused, unreachable, …). */
export class ClientConnectorError extends ClientConnectionError {
  /** The host name or address tried. */
  readonly host: string;
  /** The port tried. */
  readonly port: number;
  /** The system's error code, such as `ECONNREFUSED`. */
  readonly code: string;

  /** `init` says where the connection went and what the system said. */
  constructor(message: string, init: ConnectorErrorInit) {
    super(message, { cause: init.cause });
    this.host = init.host;
    this.port = init.port;
    this.code = init.code;
  }
}

/** The host name could not be resolved. */
export class ClientConnectorDNSError extends ClientConnectorError {}

/**
 * Where a unix-socket connection attempt went, and what the system said.
 *
 * @example
 * ```ts
 * const init: UnixConnectorErrorInit = { host: "localhost", port: 80, code: "ENOENT", path: "/var/run/docker.sock" };
 * ```
 */
export interface UnixConnectorErrorInit extends ConnectorErrorInit {
  /** The socket's path. */
  path: string;
}

/**
 * A {@link UnixConnector}'s socket could not be reached: no such file
 * (`ENOENT`), nothing listening (`ECONNREFUSED`), no permission (`EACCES`).
 *
 * @example
 * ```ts
 * try {
 *   await session.get("http://localhost/version");
 * } catch (err) {
 *   if (err instanceof UnixClientConnectorError) console.error(`is the daemon running? ${err.path}: ${err.code}`);
 * }
 * ```
 */
export class UnixClientConnectorError extends ClientConnectorError {
  /** The socket's path. */
  readonly path: string;

  /** `init` says which socket was tried and what the system said. */
  constructor(message: string, init: UnixConnectorErrorInit) {
    super(message, init);
    this.path = init.path;
  }
}

/** The server side of an established connection failed. */
export class ServerConnectionError extends ClientConnectionError {}

/** The server closed the connection before the response was complete. */
export class ServerDisconnectedError extends ServerConnectionError {}
