/**
 * The proxy variables of the environment, read the same way on every
 * runtime: `process.env` on Node and Bun, `Deno.env` on Deno (which needs
 * `--allow-env`, or `--allow-env=HTTP_PROXY,…` for these names).
 */

/** The names read: aiohttp's (through urllib), and ALL_PROXY as curl, Deno and Bun read it. */
export const PROXY_VARIABLES = ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"] as const;

type Env = { get(name: string): string | undefined };

function environment(): Env | undefined {
  const deno = (globalThis as { Deno?: { env?: Env } }).Deno;
  if (deno?.env) return deno.env;
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env ? { get: (name) => env[name] } : undefined;
}

/** The proxy variables that are set and not empty. Throws a TypeError naming `what` when the runtime may not read them. */
export function proxyVariables(what: () => string): Partial<Record<(typeof PROXY_VARIABLES)[number], string>> {
  const env = environment();
  const found: Partial<Record<(typeof PROXY_VARIABLES)[number], string>> = {};
  for (const name of PROXY_VARIABLES) {
    let value: string | undefined;
    try {
      value = env?.get(name);
    } catch (err) {
      throw new TypeError(`${what()}: trustEnv cannot read ${name} (${err instanceof Error ? err.message : String(err)}); on Deno, allow it with --allow-env`);
    }
    if (value) found[name] = value;
  }
  return found;
}

/** True when the environment names a proxy, read without asking for permission (Deno answers false then). */
export function environmentHasProxy(): boolean {
  try {
    return Object.keys(proxyVariables(() => "")).some((name) => !/^no_proxy$/i.test(name));
  } catch {
    return false;
  }
}

interface DenoPermissions {
  querySync?(descriptor: { name: "env"; variable: string }): { state: string };
}

/**
 * Whether NO_PROXY or no_proxy is set and not empty: Deno's and Bun's own
 * clients apply them to every proxy, one given to them explicitly too, with
 * no way to be told not to. `undefined` where they cannot be read without
 * asking for the permission (Deno without `--allow-env` for them), which is
 * never asked for here.
 */
export function noProxySet(): boolean | undefined {
  const names = ["NO_PROXY", "no_proxy"];
  const permissions = (globalThis as { Deno?: { permissions?: DenoPermissions } }).Deno?.permissions;
  if (permissions && !names.every((variable) => permissions.querySync?.({ name: "env", variable }).state === "granted")) return undefined;
  const env = environment();
  return names.some((name) => Boolean(env?.get(name)));
}
