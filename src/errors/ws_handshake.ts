import { ClientResponseError, type ResponseErrorInit } from "./response.ts";

/** What a {@link WSServerHandshakeError} carries beyond a {@link ClientResponseError}. */
export interface WSHandshakeErrorInit extends ResponseErrorInit {
  /** The start of the refusal's body (at most 64 KiB); empty for a 101 that was not valid. */
  body?: Uint8Array;
}

/**
 * The server did not accept the WebSocket handshake, as aiohttp's
 * `WSServerHandshakeError`: it answered with a status other than 101
 * (`message` is `"Invalid response status"`), or with a 101 that is not a
 * valid upgrade (a missing Upgrade header, a wrong Sec-WebSocket-Accept, a
 * subprotocol or extension that was not offered). `status`, `headers` and
 * `history` are the answer's, and `body` holds the start of a refusal's body.
 *
 * @example
 * ```ts
 * try {
 *   await session.wsConnect("wss://example.com/chat");
 * } catch (err) {
 *   if (err instanceof WSServerHandshakeError && err.status === 401) console.error(new TextDecoder().decode(err.body));
 * }
 * ```
 */
export class WSServerHandshakeError extends ClientResponseError {
  /** The start of the refusal's body (at most 64 KiB), as bytes; empty for an invalid 101. */
  readonly body: Uint8Array;

  /** `init` is a {@link ClientResponseError}'s, with the refusal's body. */
  constructor(init: WSHandshakeErrorInit) {
    super(init);
    this.body = init.body ?? new Uint8Array(0);
  }
}
