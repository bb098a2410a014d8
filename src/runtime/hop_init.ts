/**
 * The RequestInit members every hop adds to what it sends: the body as sent
 * (fetch_codings.ts), and on Bun, when the environment names a proxy,
 * `proxy: false`. Bun's fetch would otherwise follow HTTP_PROXY and its kin
 * by itself: aiohttp's default (`trustEnv: false`) uses no proxy, and with
 * `trustEnv` aiofetch picks each hop's proxy itself (connector/env_proxy.ts).
 * Where the environment names none, this is the same object as
 * RAW_BODY_INIT, and the hop sends exactly what it did.
 */
import { environmentHasProxy } from "./env.ts";
import { RAW_BODY_INIT } from "./fetch_codings.ts";
import { nodeProcess } from "./node_process.ts";

const versions = nodeProcess?.versions;
const BUN = typeof versions?.bun === "string";
/** Node 18 or 20 (not Bun, whose `process` says so; Deno's is not read), its fetch undici's. */
const NODE = typeof versions?.undici === "string" && !BUN && /^(?:18|20)\./.test(versions.node ?? "");
/**
 * Whether Node's hops may go to undici's dispatcher without fetch
 * (transport_dispatch.ts); `AIOFETCH_NODE_TRANSPORT=fetch` is its
 * diagnostic switch, read once.
 */
export const DISPATCH_ENABLED: boolean = NODE && nodeProcess?.env?.AIOFETCH_NODE_TRANSPORT !== "fetch";

/**
 * What a hop's init carries, under {@link ABORT_HOOK}, when its signal is
 * the request's own: the request's deadline, which a transport that is not
 * fetch listens to instead (runtime/transport_dispatch.ts), without ever
 * making the signal.
 */
export interface AbortHook {
  /** The request's signal, made on first use. */
  readonly signal: AbortSignal;
  /** Why the request was aborted; `undefined` while it has not been. */
  abortReason(): unknown;
  /** Calls `listener` once, right after the request is aborted. */
  addAbortListener(listener: () => void): void;
  removeAbortListener(listener: () => void): void;
}

/** The member of a hop's init that holds its {@link AbortHook}. */
export const ABORT_HOOK: unique symbol = Symbol("aiofetch.abortHook");

/**
 * Set to true on a transport (and on a connector that sends through one)
 * whose fetch listens to a hop's {@link AbortHook}: aiofetch's own HTTP/1.1
 * client (runtime/transport_socket.ts). Its hops then make no signal unless
 * something reads it (making one and listening to it cost Deno and Bun
 * 10-20 % of such a request with 64 in flight).
 */
export const HOOKS_ABORTS: unique symbol = Symbol("aiofetch.hooksAborts");

/** Whether `transport` says it listens to the {@link AbortHook} (see {@link HOOKS_ABORTS}). */
export function hooksAborts(transport: object): boolean {
  return (transport as { [HOOKS_ABORTS]?: boolean })[HOOKS_ABORTS] === true;
}

/**
 * `signal` as an own enumerable accessor, read from the hook: `{ ...init }`
 * in a fetch of the caller's copies it as a value. One shared descriptor, as
 * an accessor in an object literal costs more.
 */
const HOOKED_SIGNAL: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: { [ABORT_HOOK]: AbortHook }) {
    return this[ABORT_HOOK].signal;
  },
};

/**
 * `init` with the request's own signal, or its hook. A transport that
 * `hooks` (aiofetch's own client) gets the hook alone, an own member that a
 * spread copies: it listens to the hook, and gives the hops it hands to
 * fetch their signal itself ({@link signalled}); an accessor costs Bun and
 * Deno 0.1-0.2 µs per hop. Where a hop may go without fetch otherwise
 * (Node's dispatcher), `signal` is an accessor, made only when something
 * reads it; elsewhere every hop goes to a fetch, which reads it at once,
 * and a plain member is cheaper to read than an accessor (Deno: 2 µs per
 * hop).
 */
export function withRequestSignal<T extends object>(init: T, hook: AbortHook, hooks: boolean): T {
  if (hooks) {
    (init as T & { [ABORT_HOOK]: AbortHook })[ABORT_HOOK] = hook;
    return init;
  }
  if (!DISPATCH_ENABLED) {
    (init as T & { signal: AbortSignal }).signal = hook.signal;
    return init;
  }
  (init as T & { [ABORT_HOOK]: AbortHook })[ABORT_HOOK] = hook;
  return Object.defineProperty(init, "signal", HOOKED_SIGNAL);
}

/** `init`, as a transport that hooks aborts hands it to fetch: with the request's signal, made from its hook if it has one. */
export function signalled<T extends RequestInit & { [ABORT_HOOK]?: AbortHook }>(init: T): T {
  const hook = init[ABORT_HOOK];
  if (hook && init.signal === undefined) init.signal = hook.signal;
  return init;
}

/** What a hop's fetch init starts from. */
export const HOP_INIT: Readonly<Partial<RequestInit>> = BUN && environmentHasProxy() ? { ...RAW_BODY_INIT, proxy: false } as Partial<RequestInit> : RAW_BODY_INIT;
