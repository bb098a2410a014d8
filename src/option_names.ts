/** The names of a request's and a session's options, each list checked against its type. */
import { keysOf } from "./known_options.ts";
import type { RequestOptions, SessionOptions } from "./options.ts";

/** The options of a request. */
export const REQUEST_OPTIONS: ReadonlySet<string> = keysOf<RequestOptions>()([
  "params", "data", "json", "headers", "auth", "skipAutoHeaders", "cookies", "timeout", "raiseForStatus", "signal",
  "allowRedirects", "maxRedirects", "beforeRedirect", "middlewares", "maxBodySize", "autoDecompress",
  "onDownloadProgress", "onUploadProgress", "traceRequestCtx", "ssl", "proxy", "proxyAuth", "proxyHeaders",
]);

/** The options of module-level `request()`: a request's and `fetch`. */
export const ONE_SHOT_OPTIONS: ReadonlySet<string> = new Set([...REQUEST_OPTIONS, "fetch"]);

/** The options of a session. */
export const SESSION_OPTIONS: ReadonlySet<string> = keysOf<SessionOptions>()([
  "baseUrl", "headers", "auth", "timeout", "raiseForStatus", "beforeRedirect", "middlewares", "traceConfigs",
  "jsonSerialize", "skipAutoHeaders", "fetch", "cookies", "cookieJar", "limit", "limitPerHost", "connector",
  "connectorOwner", "maxBodySize", "autoDecompress", "proxy", "proxyAuth", "proxyHeaders", "trustEnv",
]);
