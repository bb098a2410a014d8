/**
 * `trustEnv: true`, as aiohttp's `trust_env`: each hop's proxy from the
 * environment, by one set of rules on every runtime (urllib's, which aiohttp
 * uses): `http_proxy` for http URLs and `https_proxy` for https ones (the
 * lower-case name before the upper-case one), `all_proxy` when the scheme
 * has none (as curl reads it; aiohttp does not), and no proxy for a host
 * `no_proxy` lists: `*` for all; a name for itself and every name under it
 * (a leading dot is ignored); `host:port` for that port only.
 */
import { proxyVariables } from "../runtime/env.ts";
import type { BaseConnector, FetchFunction, HopTransport } from "./base.ts";
import { resolveProxy } from "./proxy.ts";
import type { SSLSetting } from "./ssl.ts";

/** The proxies the environment names. */
export interface EnvProxies {
  readonly http: string | undefined;
  readonly https: string | undefined;
  readonly noProxy: readonly string[];
}

/** A proxy variable as a URL: `proxy.corp:3128` is taken as `http://proxy.corp:3128`, as curl takes it. */
function proxyUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
}

/** Reads the environment's proxies, each checked as a `proxy` is (a TypeError names the variable). */
export function readEnvProxies(what: () => string): EnvProxies | undefined {
  const vars = proxyVariables(what);
  const pick = (name: "http" | "https" | "all") => {
    const lower = `${name}_proxy` as const;
    const upper = `${name.toUpperCase()}_PROXY` as "HTTP_PROXY" | "HTTPS_PROXY" | "ALL_PROXY";
    const variable = vars[lower] !== undefined ? lower : vars[upper] !== undefined ? upper : undefined;
    if (!variable) return undefined;
    const url = proxyUrl(vars[variable]);
    resolveProxy({ proxy: url }, () => `${what()}: ${variable}`);
    return url;
  };
  const all = pick("all");
  const http = pick("http") ?? all;
  const https = pick("https") ?? all;
  if (http === undefined && https === undefined) return undefined;
  return { http, https, noProxy: noProxyEntries(vars.no_proxy ?? vars.NO_PROXY ?? "") };
}

/** `no_proxy`'s entries, lower-case, without their leading dots. */
export function noProxyEntries(value: string): string[] {
  return value.split(",").map((name) => name.trim().toLowerCase().replace(/^\.+/, "")).filter(Boolean);
}

/** True when `no_proxy` exempts `url`'s host. */
export function bypassed(url: URL, noProxy: readonly string[]): boolean {
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  for (const entry of noProxy) {
    if (entry === "*") return true;
    const [name, entryPort] = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(entry)!.slice(1);
    if (entryPort !== undefined && entryPort !== port) continue;
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

/** The proxy `env` names for the http(s) URL `url`, if it is to be used. */
export function envProxyFor(env: EnvProxies, url: URL): string | undefined {
  const proxy = url.protocol === "https:" ? env.https : env.http;
  return proxy === undefined || bypassed(url, env.noProxy) ? undefined : proxy;
}

/**
 * Sends each hop through the proxy the environment names for its URL, or
 * straight when there is none or `no_proxy` exempts it; `ssl` is the
 * request's own, if any.
 */
export class EnvRouter implements HopTransport {
  readonly #connector: BaseConnector;
  readonly #env: EnvProxies;
  readonly #ssl: SSLSetting | undefined;
  readonly #what: () => string;
  readonly #byProxy = new Map<string, HopTransport>();

  constructor(connector: BaseConnector, env: EnvProxies, ssl: SSLSetting | undefined, what: () => string) {
    this.#connector = connector;
    this.#env = env;
    this.#ssl = ssl;
    this.#what = what;
  }

  #route(url: URL): HopTransport {
    const proxy = envProxyFor(this.#env, url) ?? "";
    let route = this.#byProxy.get(proxy);
    if (!route) {
      const ssl = this.#ssl;
      route = proxy ? this.#connector.transportFor({ ssl, proxy }, this.#what) : ssl === undefined ? this.#connector : this.#connector.transportFor({ ssl }, this.#what);
      this.#byProxy.set(proxy, route);
    }
    return route;
  }

  readonly fetch: FetchFunction = (url, init) => this.#route(url).fetch(url, init);

  /** The proxy `url`'s hop goes through, if any. */
  proxyFor(url: URL): string | undefined {
    return this.#route(url).proxyFor?.(url);
  }
}
