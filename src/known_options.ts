/**
 * Unknown options are refused, as aiohttp refuses an unknown keyword
 * argument: in plain JavaScript a misspelt or borrowed option (fetch's
 * `body`, ky's `searchParams`, ofetch's `baseURL`, aiohttp's `allow_redirects`)
 * would otherwise be dropped without a word. The error names the option and,
 * where there is one, the aiofetch name to use instead. Each options type
 * keeps its list of names beside it, checked against the type by {@link keysOf}.
 */
/** A list of every key of `T`, checked at compile time: a key added to `T` and not listed is a type error. */
export function keysOf<T>(): <const K extends readonly (keyof T)[]>(keys: [Exclude<keyof T, K[number]>] extends [never] ? K : never) => ReadonlySet<string> {
  return (keys) => new Set(keys as readonly string[]);
}

/** What other clients call it, and what aiofetch takes instead. */
const INSTEAD: Readonly<Record<string, string>> = {
  body: "data (text, bytes, a stream, FormData, a Blob, form fields) or json",
  query: "params",
  searchParams: "params",
  baseURL: "baseUrl",
  prefixUrl: "baseUrl",
  redirect: "allowRedirects and maxRedirects",
  throwHttpErrors: "raiseForStatus",
  ignoreResponseError: "raiseForStatus",
  retry: "middlewares: [retry()]",
  hooks: "middlewares or traceConfigs",
  onRequest: "middlewares",
  onResponse: "middlewares",
  responseType: "resp.json(), resp.text() or resp.read()",
  parseResponse: "resp.json({ loads })",
  total: "timeout: { total }",
  ssl: "connector: new TCPConnector({ ssl }), or ssl on each request",
  verifySsl: "ssl: false (on the connector or a request)",
  verify_ssl: "ssl: false (on the connector or a request)",
  sslContext: "ssl: { ca, cert, key }",
  ssl_context: "ssl: { ca, cert, key }",
};

const camelCase = (name: string) => name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** The aiofetch name `name` most likely means, if any. */
function suggestion(name: string, known: ReadonlySet<string>): string | undefined {
  const camel = camelCase(name);
  if (camel !== name && known.has(camel)) return camel;
  for (const option of known) if (option.toLowerCase() === name.toLowerCase()) return option;
  if (Object.hasOwn(INSTEAD, name)) return INSTEAD[name];
  for (const option of known) if (editDistance(option.toLowerCase(), name.toLowerCase()) <= 2) return option;
  return undefined;
}

/**
 * Throws a `TypeError` for the first key of `options` not in `known`.
 * `where` names the call (`GET https://…`, `new ClientSession()`) and is made
 * only when one is refused. A loop over the keys: cheap on every request.
 */
export function refuseUnknownOptions(options: object, known: ReadonlySet<string>, where: () => string): void {
  for (const name in options) {
    // An option set to undefined asks for nothing, so dropping it loses nothing (`{ ...defaults, x: undefined }`).
    if (known.has(name) || (options as Record<string, unknown>)[name] === undefined) continue;
    const hint = suggestion(name, known);
    throw new TypeError(`${where()}: unknown option "${name}"${hint ? `; use ${hint}` : ""}`);
  }
}

/** Levenshtein distance, for near misses such as `maxRedirect` or `allowRedirect`. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
