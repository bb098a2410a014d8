import { BasicAuth } from "../auth.ts";
import { encodeData, encodeJson, type EncodedBody } from "./body.ts";
import { resolveUrl } from "./url.ts";
import { describeRequest } from "../errors/describe.ts";
import { addAutoHeaders, type HeaderRecord, headerNameSet, type HeadersLike, mergeHeaders, TOKEN } from "../headers.ts";
import { appendParams } from "./params.ts";
import type { RequestOptions } from "../options.ts";

/** The session-wide settings a request is prepared with. */
export interface RequestDefaults {
  baseUrl: URL | undefined;
  headers: HeadersLike | undefined;
  auth: BasicAuth | undefined;
  skipAutoHeaders: ReadonlySet<string>;
  jsonSerialize: (value: unknown) => string;
}

/** The per-request inputs that shape what is sent. */
export type RequestShape = Pick<RequestOptions, "params" | "data" | "json" | "headers" | "auth" | "skipAutoHeaders">;

/**
 * A request ready for its first hop.
 * A class, not an object literal: V8 tenures a literal's allocation site
 * once most of its objects outlive a scavenge, as a request's do (see
 * bench/README.md, "Where the time goes").
 */
export class PreparedRequest {
  constructor(
    /** Upper-case method. */
    readonly method: string,
    /** The absolute URL, params applied, credentials stripped. */
    readonly url: URL,
    /** Headers to send, before auth and cookies. */
    readonly headers: HeaderRecord,
    /** The encoded body, if any. */
    readonly body: EncodedBody | undefined,
    /** The Basic auth to send, if any. */
    readonly auth: BasicAuth | undefined,
  ) {}
}

/** Takes URL credentials out of the URL, as Basic auth (aiohttp's rule). */
function takeUrlAuth(url: URL): BasicAuth | undefined {
  // Credentials put an "@" in the href; one string search is cheaper than reading both (Deno: 0.3 µs a request).
  if (!url.href.includes("@")) return undefined;
  const auth = BasicAuth.fromUrl(url);
  if (auth) {
    url.username = "";
    url.password = "";
  }
  return auth;
}

/** Runs `encode`; a TypeError it throws about the input gets the request's label in front. */
function naming<T>(label: () => string, encode: () => T): T {
  try {
    return encode();
  } catch (err) {
    if (err instanceof TypeError) throw new TypeError(`${label()}: ${err.message}`, { cause: err });
    throw err;
  }
}

function encodeBody(label: () => string, shape: RequestShape, serialize: (value: unknown) => string): EncodedBody | undefined {
  if (shape.data !== undefined && shape.json !== undefined) {
    throw new TypeError(`${label()}: data and json cannot be used together`);
  }
  if (shape.json !== undefined) return naming(label, () => encodeJson(shape.json, serialize));
  if (shape.data !== undefined && shape.data !== null) return naming(label, () => encodeData(shape.data!));
  return undefined;
}

/**
 * Turns a method, URL and options into what the first hop sends: URL
 * resolved and params applied, headers merged, auth chosen, body encoded.
 * Every bad input throws here, before anything goes out.
 */
export function prepareRequest(defaults: RequestDefaults, method: string, input: string | URL, shape: RequestShape): PreparedRequest {
  const verb = String(method).toUpperCase();
  if (!TOKEN.test(verb)) throw new TypeError(`invalid HTTP method ${JSON.stringify(method)}`);
  return prepareAt(defaults, verb, resolveUrl(input, defaults.baseUrl), shape);
}

/**
 * {@link prepareRequest} for a URL already through its gate (a WebSocket's
 * ws: or wss: URL, say): params applied, credentials taken out as auth,
 * headers merged, body encoded. `url` is changed in place.
 */
export function prepareAt(defaults: RequestDefaults, verb: string, url: URL, shape: RequestShape): PreparedRequest {
  // Named in error messages only, so built only when one is thrown.
  const label = () => describeRequest(verb, url);
  const urlAuth = takeUrlAuth(url);
  naming(label, () => appendParams(url, shape.params));
  if (urlAuth && shape.auth) throw new TypeError(`${label()}: credentials in the URL and the auth option cannot be combined`);
  const headers = mergeHeaders(label, defaults.headers, shape.headers);
  const explicitAuth = shape.auth ?? urlAuth;
  if (explicitAuth && "authorization" in headers) {
    throw new TypeError(`${label()}: an Authorization header cannot be combined with auth or URL credentials`);
  }
  const auth = explicitAuth ?? ("authorization" in headers ? undefined : defaults.auth);
  const body = encodeBody(label, shape, defaults.jsonSerialize);
  if (body?.contentType && !("content-type" in headers)) headers["content-type"] = body.contentType;
  // A request's list adds to the session's, as in aiohttp.
  const skip = shape.skipAutoHeaders
    ? new Set([...defaults.skipAutoHeaders, ...headerNameSet(shape.skipAutoHeaders)])
    : defaults.skipAutoHeaders;
  addAutoHeaders(headers, skip);
  return new PreparedRequest(verb, url, headers, body, auth);
}
