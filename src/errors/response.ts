import { ClientError } from "./client_error.ts";
import { describeRequest } from "./describe.ts";
import type { RequestInfo } from "./request_info.ts";

/**
 * A redirect response in an error's `history`, by what it tells: each is a
 * `ClientResponse` (typed here by its fields, since the response module
 * depends on this one).
 */
export interface RedirectResponse {
  /** The redirect's status, such as 302. */
  readonly status: number;
  /** Its reason phrase. */
  readonly reason: string;
  /** The method of the hop it answered. */
  readonly method: string;
  /** The URL of the hop it answered. */
  readonly url: URL;
  /** Its headers, `Location` among them. */
  readonly headers: Headers;
}

/** The response facts a {@link ClientResponseError} carries. */
export interface ResponseErrorInit {
  /** The request that got this response. */
  requestInfo: RequestInfo;
  /** The redirect responses that came before it, oldest first. */
  history?: readonly RedirectResponse[];
  /** The HTTP status code. */
  status: number;
  /** The status's reason phrase (`ClientResponse.reason`); `message` by default. */
  reason?: string;
  /** The status text (reason phrase), or a description of the problem (aiohttp's `message`). */
  message: string;
  /** The response's headers. */
  headers?: Headers;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * The server answered, but not as asked: a status ≥ 400 under `raiseForStatus`,
 * a body of the wrong content type, too many redirects.
 */
export class ClientResponseError extends ClientError {
  // Private, with a getter, so that printing or serializing the error never shows the headers sent (auth, cookies).
  readonly #requestInfo: RequestInfo;
  /** The redirect responses before this one, oldest first. */
  readonly history: readonly RedirectResponse[];
  /** The HTTP status code. */
  readonly status: number;
  /** The status's reason phrase, as `response.reason` (`"Not Found"`). */
  readonly reason: string;
  /** The response headers. */
  readonly headers: Headers;

  /**
   * The message is `METHOD url: STATUS, message="…"`: the request first, as
   * in every aiofetch error, then aiohttp's `status, message`.
   */
  constructor(init: ResponseErrorInit) {
    const { requestInfo, status, message } = init;
    super(`${describeRequest(requestInfo.method, requestInfo.url)}: ${status}, message=${JSON.stringify(message)}`, {
      cause: init.cause,
    });
    this.#requestInfo = requestInfo;
    this.history = init.history ?? [];
    this.status = status;
    this.reason = init.reason ?? message;
    this.headers = init.headers ?? new Headers();
  }

  /** The request that got this response, as sent: its headers include auth and cookies, so keep them out of logs. */
  get requestInfo(): RequestInfo {
    return this.#requestInfo;
  }
}

/** `response.json()` found a content type that is not JSON. */
export class ContentTypeError extends ClientResponseError {}

/**
 * `response.json()` got a body that does not parse (Python's
 * `json.JSONDecodeError`, which aiohttp lets through); `cause` holds the
 * parser's own error, and the body's text stays readable with `text()`.
 */
export class JSONDecodeError extends ClientResponseError {}

/** A redirect chain longer than `maxRedirects`; `history` holds the responses so far. */
export class TooManyRedirects extends ClientResponseError {}

/**
 * A Digest challenge that cannot be answered: an algorithm that aiofetch, or
 * this runtime's `node:crypto`, lacks, a qop other than auth and auth-int, no
 * nonce or realm. `status` and `headers` are the 401's; the message names the
 * request and never the credentials.
 *
 * @example
 * ```ts
 * try {
 *   await session.get("https://example.com/protected");
 * } catch (err) {
 *   if (err instanceof DigestAuthError) console.error(err.message);
 * }
 * ```
 */
export class DigestAuthError extends ClientResponseError {}
