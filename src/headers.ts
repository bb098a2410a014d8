import { VERSION } from "./version.ts";

/** Headers in any form `new Headers()` accepts; `undefined` values are skipped. */
export type HeadersLike = HeadersInit | Record<string, string | undefined>;

const FORBIDDEN = /[\r\n\0]/;

/** The headers every request gets unless skipped (`skipAutoHeaders`). */
export const AUTO_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ["accept", "*/*"],
  // The only encodings every runtime decodes by itself (Deno hands deflate back raw).
  ["accept-encoding", "gzip, br"],
  ["user-agent", `aiofetch/${VERSION}`],
];

function entriesOf(init: HeadersLike): Iterable<[string, string | undefined]> {
  if (typeof (init as Headers).forEach === "function" && typeof (init as Headers).get === "function") {
    return (init as Headers).entries();
  }
  if (Array.isArray(init)) return init as Array<[string, string]>;
  return Object.entries(init as Record<string, string | undefined>);
}

/**
 * Checks names and values for CR, LF and NUL before anything is sent:
 * header injection is refused with the offending header named.
 */
function checkHeader(name: string, value: string, what: () => string): void {
  if (FORBIDDEN.test(name) || FORBIDDEN.test(value)) {
    throw new TypeError(`${what()}: header ${JSON.stringify(name)} contains CR, LF or NUL`);
  }
}

/**
 * Lays `layers` over each other, later ones replacing earlier ones key by key
 * (aiohttp's rule for session and request headers). Validates every header.
 */
export function mergeHeaders(what: () => string, ...layers: Array<HeadersLike | undefined>): Headers {
  const merged = new Headers();
  for (const layer of layers) {
    if (!layer) continue;
    const seen = new Set<string>();
    for (const [name, value] of entriesOf(layer)) {
      if (value === undefined) continue;
      const text = String(value);
      checkHeader(name, text, what);
      const key = name.toLowerCase();
      // A layer replaces a key once, then appends its own repeats (Set-Cookie-like pairs).
      if (seen.has(key)) merged.append(key, text);
      else merged.set(key, text);
      seen.add(key);
    }
  }
  return merged;
}

/** Adds the auto headers that are neither set nor skipped. */
export function addAutoHeaders(headers: Headers, skip: ReadonlySet<string>): void {
  for (const [name, value] of AUTO_HEADERS) {
    if (!skip.has(name) && !headers.has(name)) headers.set(name, value);
  }
}

/** The Content-Length header as a number, if present and a valid size. */
export function contentLengthOf(headers: Headers): number | undefined {
  const value = headers.get("content-length");
  const length = value === null ? NaN : Number(value);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

/** Lower-cased header names, for `skipAutoHeaders`. */
export function headerNameSet(names: Iterable<string> | undefined): Set<string> {
  return new Set(Array.from(names ?? [], (name) => name.toLowerCase()));
}
