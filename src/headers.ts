import { VERSION } from "./version.ts";

/**
 * Headers in any form `new Headers()` accepts; `undefined` values are skipped.
 * The DOM's `HeadersInit` plus those `undefined` values, spelled out so the
 * declarations compile without the DOM lib (with `@types/node` alone).
 */
export type HeadersLike = Headers | Array<[string, string]> | Record<string, string | undefined>;

/** The headers every request gets unless skipped (`skipAutoHeaders`). */
export const AUTO_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ["accept", "*/*"],
  // What aiofetch decodes on every runtime (response/decoding.ts): not zstd, which Node 18 and 20 cannot decode.
  ["accept-encoding", "gzip, deflate, br"],
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
 * A request's headers as aiofetch builds them: lower-case names, repeats
 * joined with ", ". Handed to fetch as a plain record, which every runtime
 * takes in faster than a Headers object (on Deno by a third); a Headers object
 * is made only for `requestInfo`. No prototype, so any header name is a key.
 */
export type HeaderRecord = Record<string, string>;

/** An empty {@link HeaderRecord}. */
export function headerRecord(): HeaderRecord {
  return Object.create(null) as HeaderRecord;
}

/**
 * `headers` as fetch and `new Headers()` take them. A header named
 * `__proto__` goes as pairs: Node copies records into plain objects, where
 * that key would vanish.
 */
export function headersInit(headers: HeaderRecord): Array<[string, string]> | HeaderRecord {
  return "__proto__" in headers ? Object.entries(headers) : headers;
}

/** A copy of `headers` to add to. */
export function copyHeaders(headers: HeaderRecord): HeaderRecord {
  return Object.assign(headerRecord(), headers);
}

/** An HTTP token (RFC 9110): what a method or a header name must be. */
export const TOKEN: RegExp = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** CR, LF and NUL (header injection), and what a header cannot carry at all (beyond U+00FF). */
const FORBIDDEN = /[\r\n\0]|[^\0-\xff]/;

/**
 * Checks names and values before anything is sent, so that header injection
 * and unsendable headers are refused with the offending header named.
 */
function checkHeader(name: string, value: string, label: () => string): void {
  if (FORBIDDEN.test(name) || FORBIDDEN.test(value)) {
    throw new TypeError(`${label()}: header ${JSON.stringify(name)} contains CR, LF, NUL or a character beyond U+00FF`);
  }
  if (!TOKEN.test(name)) throw new TypeError(`${label()}: ${JSON.stringify(name)} is not a valid header name`);
}

/**
 * Lays `layers` over each other, later ones replacing earlier ones key by key
 * (aiohttp's rule for session and request headers). Validates every header.
 */
export function mergeHeaders(label: () => string, ...layers: Array<HeadersLike | undefined>): HeaderRecord {
  const merged = headerRecord();
  for (const layer of layers) {
    if (!layer) continue;
    const seen = new Set<string>();
    for (const [name, value] of entriesOf(layer)) {
      if (value === undefined) continue;
      // Leading and trailing whitespace is not part of a value (fetch's own rule).
      const text = String(value).trim();
      checkHeader(name, text, label);
      const key = name.toLowerCase();
      // A layer replaces a key once, then appends its own repeats, as Headers.append does.
      merged[key] = seen.has(key) ? `${merged[key]}, ${text}` : text;
      seen.add(key);
    }
  }
  return merged;
}

/** Adds the auto headers that are neither set nor skipped. */
export function addAutoHeaders(headers: HeaderRecord, skip: ReadonlySet<string>): void {
  for (const [name, value] of AUTO_HEADERS) {
    if (!skip.has(name) && !(name in headers)) headers[name] = value;
  }
}

/** A Content-Length value (from a response's Headers or a request's record) as a number, if present and a valid size. */
export function contentLengthOf(value: string | null | undefined): number | undefined {
  const length = value === null || value === undefined ? NaN : Number(value);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

/** Lower-cased header names, for `skipAutoHeaders`. */
export function headerNameSet(names: Iterable<string> | undefined): Set<string> {
  return new Set(Array.from(names ?? [], (name) => name.toLowerCase()));
}
