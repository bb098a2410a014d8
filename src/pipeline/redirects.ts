import { ClientPayloadError } from "../errors/payload.ts";
import { describeRequest } from "../errors/describe.ts";
import { InvalidUrlRedirectClientError, NonHttpUrlRedirectClientError } from "../errors/url.ts";
import type { EncodedBody } from "../request/body.ts";
import { parseHttpUrl } from "../request/url.ts";
import type { HeaderRecord } from "../headers.ts";

/** The statuses that are followed (aiohttp's set). */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** The next hop of a redirect: where, how, and with which body. */
export interface RedirectHop {
  url: URL;
  method: string;
  body: EncodedBody | undefined;
  /** True when the hop changes scheme, host or port. */
  crossOrigin: boolean;
}

const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization"];
const BODY_HEADERS = ["content-type", "content-length", "content-encoding", "content-language", "content-location", "transfer-encoding"];

/** Resolves a Location against the current URL; only http(s) targets, fragment and userinfo dropped (aiohttp drops userinfo too). */
function resolveLocation(location: string, current: URL, method: string): URL {
  const target = parseHttpUrl(location, current, {
    invalid: (_, __, cause) => new InvalidUrlRedirectClientError(location, `${describeRequest(method, current)}: invalid redirect Location`, { cause }),
    nonHttp: (url) => new NonHttpUrlRedirectClientError(url, `${describeRequest(method, current)}: redirect to a non-http URL`),
  });
  target.hash = "";
  target.username = "";
  target.password = "";
  return target;
}

/**
 * Where a 3xx with a Location sends the request next, following aiohttp:
 * 303 (except HEAD), and 301/302 for POST, become GET without a body;
 * 307/308 keep method and body, and a body that cannot be sent twice fails.
 * Removes the body's headers from `headers` when the body is dropped, and the
 * credentials (Authorization, Cookie, Proxy-Authorization) when the hop
 * leaves the origin.
 */
export function nextHop(status: number, location: string, current: URL, method: string, body: EncodedBody | undefined, headers: HeaderRecord): RedirectHop {
  const url = resolveLocation(location, current, method);
  const toGet = (status === 303 && method !== "HEAD") || ((status === 301 || status === 302) && method === "POST");
  let nextBody = body;
  let nextMethod = method;
  if (toGet) {
    nextMethod = "GET";
    nextBody = undefined;
    for (const name of BODY_HEADERS) delete headers[name];
  } else if (body && !body.replayable) {
    throw new ClientPayloadError(
      `${describeRequest(method, current)}: a ${status} redirect needs the body sent again, but a one-shot stream cannot be replayed; send bytes, a string, a Blob or FormData instead`,
    );
  }
  const crossOrigin = url.origin !== current.origin;
  if (crossOrigin) for (const name of CREDENTIAL_HEADERS) delete headers[name];
  return { url, method: nextMethod, body: nextBody, crossOrigin };
}
