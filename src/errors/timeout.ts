import { ServerConnectionError } from "./connection.ts";

/** A timeout fired: `total` when raised as this class itself. */
export class ServerTimeoutError extends ServerConnectionError {}

/** `ClientTimeout.connect` fired: no response headers in time (waiting for a slot included). */
export class ConnectionTimeoutError extends ServerTimeoutError {}

/** `ClientTimeout.sockRead` fired: the gap between two body chunks was too long. */
export class SocketTimeoutError extends ServerTimeoutError {}
