import { clientErrorBrand } from "./client_error.ts";
import { redactUrl } from "./describe.ts";

/**
 * The runtime's URL error, unless it may carry the URL's credentials (in its
 * message, or in Node's `input`): then a TypeError of the same message with
 * the URL redacted stands in for it.
 */
function withoutSecret(cause: unknown, raw: string, shown: string): unknown {
  if (raw === shown || cause === undefined) return cause;
  const message = cause instanceof Error ? cause.message.split(raw).join(shown) : "invalid URL";
  return new TypeError(message);
}

/**
 * A URL that cannot be used. It is a `ClientError` and also a `TypeError`,
 * as the runtimes' own URL errors are, so code catching either keeps working.
 */
export class InvalidURL extends TypeError {
  /** The offending URL, credentials redacted. */
  readonly url: string;
  /** Brands this error as a `ClientError` (see `ClientError[Symbol.hasInstance]`). */
  readonly [clientErrorBrand] = true;

  /** `reason` starts the message; the URL follows it, credentials redacted. */
  constructor(url: string | URL, reason: string, options?: { cause?: unknown }) {
    const shown = redactUrl(url);
    super(`${reason}: ${shown}`, { cause: withoutSecret(options?.cause, String(url), shown) });
    this.name = new.target.name;
    this.url = shown;
  }
}

/** A request URL that does not parse. */
export class InvalidUrlClientError extends InvalidURL {}

/** A redirect's `Location` that does not parse. */
export class InvalidUrlRedirectClientError extends InvalidUrlClientError {}

/** A URL whose scheme is not http or https. */
export class NonHttpUrlClientError extends InvalidURL {}

/** A redirect to a scheme other than http or https (`javascript:`, `ftp:`, …). */
export class NonHttpUrlRedirectClientError extends NonHttpUrlClientError {}
