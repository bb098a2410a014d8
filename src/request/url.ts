/** The one URL gate: a request's URL, a redirect's Location and the base URL all pass through it. */
import { InvalidUrlClientError, NonHttpUrlClientError } from "../errors/url.ts";

/** The errors a gate throws: for input that does not parse, and for a scheme other than http(s). */
export interface UrlRefusals {
  /** `input` did not parse against `base`; `cause` is the runtime's error. */
  invalid(input: string | URL, base: URL | undefined, cause: unknown): Error;
  /** `url` parsed, but its scheme is not http or https. */
  nonHttp(url: URL): Error;
}

const HTTP_SCHEMES: ReadonlySet<string> = new Set(["http:", "https:"]);
const WEBSOCKET_SCHEMES: ReadonlySet<string> = new Set(["ws:", "wss:", "http:", "https:"]);

/** Parses `input` against `base`; only http and https are accepted, unless `schemes` says otherwise. */
export function parseHttpUrl(input: string | URL, base: URL | undefined, refusals: UrlRefusals, schemes = HTTP_SCHEMES): URL {
  let url: URL;
  try {
    url = new URL(input, base);
  } catch (err) {
    throw refusals.invalid(input, base, err);
  }
  if (!schemes.has(url.protocol)) throw refusals.nonHttp(url);
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

const WEBSOCKET_URL: UrlRefusals = {
  invalid: REQUEST_URL.invalid,
  nonHttp: (url) => new NonHttpUrlClientError(url, `unsupported URL scheme ${JSON.stringify(url.protocol)} for a WebSocket (ws, wss, http or https)`),
};

/** A WebSocket's URL resolved against the base URL, as ws: or wss: (an http: URL becomes ws:, https: wss:, as in aiohttp). */
export function resolveWebSocketUrl(input: string | URL, base: URL | undefined): URL {
  const url = parseHttpUrl(input, base, WEBSOCKET_URL, WEBSOCKET_SCHEMES);
  if (url.protocol === "http:" || url.protocol === "https:") url.protocol = url.protocol === "http:" ? "ws:" : "wss:";
  return url;
}

/** The http(s) URL a ws(s) URL stands for: cookies, origins and limits go by it (a Secure cookie is sent over wss). */
export function httpEquivalent(url: URL): URL {
  if (url.protocol !== "ws:" && url.protocol !== "wss:") return url;
  const http = new URL(url);
  http.protocol = url.protocol === "ws:" ? "http:" : "https:";
  return http;
}
