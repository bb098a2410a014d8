/**
 * Query parameters, as aiohttp's `params=`: appended to any query the URL has.
 */

/** A single query value: stringified; `undefined` skips the key. */
export type ParamValue = string | number | bigint | boolean | undefined;

/**
 * Query parameters: an object (an array value repeats the key), pairs in order,
 * `URLSearchParams`, or a string sent as it is.
 */
export type Params =
  | Record<string, ParamValue | readonly ParamValue[]>
  | ReadonlyArray<readonly [string, ParamValue]>
  | URLSearchParams
  | string;

/** What the values belong to, for messages: `params`, or `data` (form fields) with a hint. */
interface FieldsOf {
  readonly name: string;
  readonly hint: string;
}

const PARAMS: FieldsOf = { name: "params", hint: "" };

function stringify(key: string, value: unknown, of: FieldsOf): string | undefined {
  switch (typeof value) {
    case "undefined":
      return undefined;
    case "string":
      return value;
    case "number":
    case "bigint":
    case "boolean":
      return String(value);
    default: {
      const shown = value === null ? "null" : typeof value;
      throw new TypeError(`${of.name}: the value of ${JSON.stringify(key)} is ${shown}; use a string, number, bigint or boolean${of.hint}`);
    }
  }
}

function* pairsOf(params: Exclude<Params, string>): Generator<[string, unknown]> {
  if (params instanceof URLSearchParams) {
    yield* params.entries();
  } else if (Array.isArray(params)) {
    for (const pair of params) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError("params: each pair must be [key, value]");
      yield [String(pair[0]), pair[1]];
    }
  } else {
    for (const [key, value] of Object.entries(params)) {
      if (Array.isArray(value)) for (const item of value) yield [key, item];
      else yield [key, value];
    }
  }
}

/**
 * The params as a query string (no leading `?`), UTF-8 and form-encoded
 * (space → `+`). `of` names them in messages: form fields in `data` too.
 */
export function encodeParams(params: Params, of: FieldsOf = PARAMS): string {
  if (typeof params === "string") return params.replace(/^\?/, "");
  if (typeof params !== "object" || params === null) {
    throw new TypeError(`params must be an object, pairs, URLSearchParams or a string, got ${params === null ? "null" : typeof params}`);
  }
  const search = new URLSearchParams();
  for (const [key, value] of pairsOf(params)) {
    const text = stringify(key, value, of);
    if (text !== undefined) search.append(key, text);
  }
  return search.toString();
}

/** Appends encoded params to the URL's existing query, in place. */
export function appendParams(url: URL, params: Params | undefined): void {
  if (params === undefined) return;
  const query = encodeParams(params);
  if (!query) return;
  const existing = url.search.replace(/^\?/, "");
  url.search = existing ? `${existing}&${query}` : query;
}
