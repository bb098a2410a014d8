import { clientErrorBrand } from "./client_error.ts";
import { redactUrl } from "./describe.ts";

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
    super(`${reason}: ${shown}`, options);
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
