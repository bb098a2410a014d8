/** The one URL gate: a request's URL, a redirect's Location and the base URL all pass through it. */
import { InvalidUrlClientError, NonHttpUrlClientError } from "../errors/url.ts";

/** The errors a gate throws: for input that does not parse, and for a scheme other than http(s). */
export interface UrlRefusals {
  /** `input` did not parse against `base`; `cause` is the runtime's error. */
  invalid(input: string | URL, base: URL | undefined, cause: unknown): Error;
  /** `url` parsed, but its scheme is not http or https. */
  nonHttp(url: URL): Error;
}

/** Parses `input` against `base`; only http and https are accepted. */
export function parseHttpUrl(input: string | URL, base: URL | undefined, refusals: UrlRefusals): URL {
  let url: URL;
  try {
    url = new URL(input, base);
  } catch (err) {
    throw refusals.invalid(input, base, err);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw refusals.nonHttp(url);
  return url;
}

const REQUEST_URL: UrlRefusals = {
  invalid: (input, base, cause) => new InvalidUrlClientError(String(input), base ? `invalid URL (base ${base.href})` : "invalid URL", { cause }),
  nonHttp: (url) => new NonHttpUrlClientError(url, `unsupported URL scheme ${JSON.stringify(url.protocol)}`),
};

/** A request's URL (or the session's base URL) resolved against the base URL. */
export function resolveUrl(input: string | URL, base: URL | undefined): URL {
  return parseHttpUrl(input, base, REQUEST_URL);
}
