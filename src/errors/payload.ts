import { ClientError } from "./client_error.ts";

/** The body could not be sent or read in full: truncated, malformed, too large, or not replayable. */
export class ClientPayloadError extends ClientError {}
