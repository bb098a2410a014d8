/**
 * The options of `session.wsConnect()`, aiohttp's `ws_connect` keywords in
 * camelCase and milliseconds, and {@link ClientWSTimeout}. Each is checked
 * here, once, into the settings the handshake and the socket read.
 */
import type { BasicAuth } from "../auth.ts";
import type { ConnectionRoute } from "../connector/proxy.ts";
import type { SSLSetting } from "../connector/ssl.ts";
import type { HeadersLike } from "../headers.ts";
import { keysOf, refuseUnknownOptions } from "../known_options.ts";
import type { Params } from "../request/params.ts";
import { TOKEN } from "../headers.ts";

/** The fields of a {@link ClientWSTimeout}, in milliseconds; 0 turns one off. */
export interface ClientWSTimeoutOptions {
  /** The longest wait of a `receive()` for a message; none by default. */
  wsReceive?: number;
  /** How long `close()` waits for the server's CLOSE before it drops the connection; 10,000 by default. */
  wsClose?: number;
}

const WS_TIMEOUT_FIELDS = keysOf<ClientWSTimeoutOptions>()(["wsReceive", "wsClose"]);

/**
 * A WebSocket's own timeouts, as aiohttp's `ClientWSTimeout(ws_receive,
 * ws_close)`, in milliseconds. They apply once the socket is open; the
 * handshake is bounded by the session's {@link ClientTimeout}.
 *
 * @example
 * ```ts
 * const ws = await session.wsConnect(url, { timeout: new ClientWSTimeout({ wsReceive: 30_000, wsClose: 2_000 }) });
 * ```
 */
export class ClientWSTimeout implements ClientWSTimeoutOptions {
  /** The longest wait of a `receive()`; `undefined` for none (the default). */
  readonly wsReceive: number | undefined;
  /** The longest wait of `close()` for the server's CLOSE; `undefined` for none. Default 10,000 ms, as aiohttp's. */
  readonly wsClose: number | undefined;

  /** Fields in milliseconds; `wsClose` is 10,000 unless given (0: wait for ever). */
  constructor(fields: ClientWSTimeoutOptions = {}) {
    if (typeof fields !== "object" || fields === null) {
      throw new TypeError(`ClientWSTimeout: expected { wsReceive, wsClose } in milliseconds, got ${String(fields)}`);
    }
    refuseUnknownOptions(fields, WS_TIMEOUT_FIELDS, () => "ClientWSTimeout");
    const where = () => "ClientWSTimeout";
    this.wsReceive = nonNegative(where, "wsReceive", fields.wsReceive);
    this.wsClose = nonNegative(where, "wsClose", fields.wsClose ?? 10_000);
  }
}

/**
 * Options of `session.wsConnect()`. The handshake also gets the session's
 * headers, auth, cookies, limits and connection settings (the connector's
 * `ssl`, the session's proxy or, with `trustEnv`, the environment's), and
 * is bounded by its `timeout`.
 */
export interface WSConnectOptions {
  /** Subprotocols to offer, in order of preference; the server must choose one of them (see `ws.protocol`). */
  protocols?: Iterable<string>;
  /** Headers that replace the session's, key by key. */
  headers?: HeadersLike;
  /** Query parameters, appended to any query the URL already has. */
  params?: Params;
  /** Basic auth for the handshake, replacing the session's; sent to the first URL's origin only. */
  auth?: BasicAuth;
  /** The Origin header. */
  origin?: string;
  /**
   * Send a PING after this many milliseconds without anything received; if no
   * PONG (or anything else) comes within half of it, the socket is closed
   * with 1006 and `receive()` gets an ERROR whose data is a `ServerTimeoutError`.
   */
  heartbeat?: number;
  /** Answer the server's PINGs and hide its PONGs (default true); with false, PING and PONG messages are returned. */
  autoping?: boolean;
  /**
   * Accepted for aiohttp's sake; the connection answers a server's CLOSE at
   * once either way (npm `ws` does), so a CLOSE received is final.
   */
  autoclose?: boolean;
  /** The socket's timeouts (a {@link ClientWSTimeout} or its fields); not a number: the handshake has the session's timeout. */
  timeout?: ClientWSTimeout | ClientWSTimeoutOptions;
  /** aiohttp's older `receive_timeout`: the same as `timeout: { wsReceive }`, not to be given beside it. */
  receiveTimeout?: number;
  /** The largest message accepted, in bytes; a larger one ends the socket with 1009. Default 4 MiB, as aiohttp's; 0 for no limit. */
  maxMsgSize?: number;
  /** Offer permessage-deflate with this window size (9 to 15; 15 is aiohttp's usual value); 0, the default, offers none. */
  compress?: number;
  /**
   * TLS settings for a wss: URL, replacing the connector's, as a request's
   * `ssl` does: `true` (verify, the default), `false` (verify nothing),
   * `{ ca, cert, key, passphrase, rejectUnauthorized, serverName }`, or a
   * `Fingerprint` (the pinned certificate checked before the handshake is
   * sent). A redirect to another wss: URL uses them too.
   *
   * @example
   * ```ts
   * const ws = await session.wsConnect("wss://internal.example/feed", { ssl: { ca: internalCaPem } });
   * ```
   */
  ssl?: SSLSetting;
  /**
   * An `http:` proxy for this socket, replacing the session's, with this
   * call's `proxyAuth` and `proxyHeaders` only. ws: and wss: URLs alike go
   * through a CONNECT tunnel (aiohttp forwards a ws: handshake in absolute
   * form instead); credentials in the URL are percent-decoded and sent as
   * Proxy-Authorization, to the proxy alone.
   *
   * @example
   * ```ts
   * const ws = await session.wsConnect("wss://example.com/chat", { proxy: "http://user:p%40ss@proxy.internal:3128" });
   * ```
   */
  proxy?: ConnectionRoute["proxy"];
  /** The proxy's Basic credentials (aiohttp's `proxy_auth`); without `proxy`, for the session's proxy. */
  proxyAuth?: BasicAuth;
  /** Headers for the proxy, sent with the CONNECT (aiohttp's `proxy_headers`); without `proxy`, for the session's proxy. */
  proxyHeaders?: HeadersLike;
  /**
   * Aborts the handshake; the signal's reason is rethrown as is. It covers
   * the handshake only: an open socket is closed with `close()`, and a
   * `receive()` takes a signal of its own.
   */
  signal?: AbortSignal;
}

/** The option names of `wsConnect()`, checked against the type. */
export const WS_CONNECT_OPTIONS: ReadonlySet<string> = keysOf<WSConnectOptions>()([
  "protocols", "headers", "params", "auth", "origin", "heartbeat", "autoping", "autoclose", "timeout", "receiveTimeout",
  "maxMsgSize", "compress", "ssl", "proxy", "proxyAuth", "proxyHeaders", "signal",
]);

/** What other clients and aiohttp call something `wsConnect()` does not take, and why. */
const NOT_TAKEN: Readonly<Record<string, string>> = {
  method: "a WebSocket handshake is always a GET",
  serverHostname: "the name to verify is ssl: { serverName }",
  cookies: "the session's cookie jar is sent; add cookies with session.cookieJar.updateCookies()",
};

/** A socket's settings, resolved once from the options. */
export interface WSSettings {
  readonly protocols: readonly string[];
  readonly heartbeat: number | undefined;
  readonly autoping: boolean;
  readonly receiveTimeout: number | undefined;
  readonly closeTimeout: number | undefined;
  readonly maxMsgSize: number;
  readonly compress: number;
}

/** Checks `options` (every input error is thrown here, before anything is sent) into a socket's settings. */
export function wsSettings(options: WSConnectOptions, label: () => string): WSSettings {
  for (const name of Object.keys(NOT_TAKEN)) {
    if ((options as Record<string, unknown>)[name] !== undefined) throw new TypeError(`${label()}: option "${name}" is not taken: ${NOT_TAKEN[name]}`);
  }
  refuseUnknownOptions(options, WS_CONNECT_OPTIONS, label);
  const timeout = wsTimeout(options, label);
  const compress = options.compress ?? 0;
  if (compress !== 0 && !(Number.isInteger(compress) && compress >= 9 && compress <= 15)) {
    throw new TypeError(`${label()}: compress must be 0 or a window size from 9 to 15, got ${String(compress)}`);
  }
  return {
    protocols: checkedProtocols(options.protocols, label),
    heartbeat: nonNegative(label, "heartbeat", options.heartbeat),
    autoping: options.autoping ?? true,
    receiveTimeout: timeout.wsReceive,
    closeTimeout: timeout.wsClose,
    maxMsgSize: nonNegative(label, "maxMsgSize", options.maxMsgSize ?? 4 * 1024 * 1024) ?? 0,
    compress,
  };
}

function wsTimeout(options: WSConnectOptions, label: () => string): ClientWSTimeout {
  const { timeout, receiveTimeout } = options;
  if (typeof timeout === "number") {
    throw new TypeError(`${label()}: timeout is a ClientWSTimeout ({ wsReceive, wsClose } in milliseconds); the handshake is bounded by the session's timeout`);
  }
  const resolved = timeout instanceof ClientWSTimeout ? timeout : new ClientWSTimeout(timeout);
  if (receiveTimeout === undefined) return resolved;
  if (timeout?.wsReceive !== undefined) throw new TypeError(`${label()}: receiveTimeout and timeout.wsReceive are the same setting: give one`);
  return new ClientWSTimeout({ wsReceive: receiveTimeout, wsClose: resolved.wsClose ?? 0 });
}

function checkedProtocols(protocols: Iterable<string> | undefined, label: () => string): string[] {
  if (protocols === undefined) return [];
  if (typeof protocols === "string") throw new TypeError(`${label()}: protocols is a list of names, got a string`);
  const list = [...protocols];
  for (const [i, name] of list.entries()) {
    if (typeof name !== "string" || !TOKEN.test(name)) throw new TypeError(`${label()}: subprotocol ${JSON.stringify(name)} is not a token`);
    if (list.indexOf(name) !== i) throw new TypeError(`${label()}: subprotocol ${JSON.stringify(name)} is offered twice`);
  }
  return list;
}

/** A non-negative number of milliseconds or bytes (0 and `undefined` give `undefined`: off). */
function nonNegative(where: () => string, name: string, value: number | undefined): number | undefined {
  if (value === undefined || value === 0) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`${where()}: ${name} must be a non-negative number, got ${String(value)}`);
  }
  return value;
}
