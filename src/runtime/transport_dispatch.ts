/**
 * Node's default transport: each hop handed straight to the dispatcher
 * Node's fetch sends with (undici's global one: Node's own Agent, or what
 * `setGlobalDispatcher()` installed), with a handler of aiofetch's own, and
 * without the fetch layer in between. On Node 18 and 20 that layer is most
 * of what a request costs: undici's dispatcher alone takes 0.15-0.6x of
 * fetch's time per request (bench/README.md). The dispatcher gets what
 * Node's fetch would give it for the same hop: the same options, the
 * headers fetch adds in fetch's order ({@link fetchHeaders}), the body in
 * fetch's form for any dispatcher but Node's own ({@link dispatchedBody});
 * tests/transport_dispatch.test.ts compares the bytes on the wire. The
 * response is a standard Response (dispatch_response.ts).
 *
 * A hop goes through the global fetch instead, as on every other runtime:
 * - until a global dispatcher exists: Node's fetch makes its own on its first call;
 * - when `globalThis.fetch` is not Node's own (a mock, a wrapper): it gets
 *   every hop, as it did before this transport;
 * - for bodies other than none, text and bytes (FormData, Blob, streams), a
 *   Content-Length of the caller's, and methods other than the usual seven;
 *   an empty body, to a dispatcher not Node's own;
 * - on a Node other than 18 and 20, whose fetch was not compared;
 * - with `AIOFETCH_NODE_TRANSPORT=fetch` in the environment (read once): a
 *   diagnostic switch, and how the tests run every test on both paths.
 */
import { DispatchBody } from "./dispatch_body.ts";
import { dispatchResponse, responseHeaders } from "./dispatch_response.ts";
import { ABORT_HOOK, type AbortHook, DISPATCH_ENABLED } from "./hop_init.ts";
import { nodeProcess } from "./node_process.ts";
import { type DispatchHandler, type Dispatcher, RAW_DISPATCHER, type RawHeaders } from "./undici.ts";

/** What a hop's fetch gets: the connector's `FetchFunction`. */
type HopFetch = (input: URL, init: RequestInit & { duplex?: "half" }) => Promise<Response>;

const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");

const versions = nodeProcess?.versions;
export { DISPATCH_ENABLED };

/** The global fetch, its URL as text: Deno and Bun take a string in faster than a URL object. */
const globalFetch: HopFetch = (input, init) => globalThis.fetch(input.href, init);

/**
 * Node's own fetch, told by its source: Node 18's and 20's load their bundled
 * undici on the first call. A mock or a wrapper put in its place is not, and
 * gets every hop, as it did before this transport.
 */
const NODE_FETCH_SOURCE = /require\('internal\/deps\/undici\/undici'\)|lazyUndici\(\)\.fetch\(/;
let fetchSeen: unknown;
let fetchIsNodes = false;

function nodesOwnFetch(): boolean {
  const current = globalThis.fetch;
  if (current !== fetchSeen) {
    fetchSeen = current;
    fetchIsNodes = typeof current === "function" && NODE_FETCH_SOURCE.test(Function.prototype.toString.call(current));
  }
  return fetchIsNodes;
}

/**
 * Node's own Agent, told by where its `dispatch()` lives: given no handler,
 * it throws at once (sending nothing), from Node's bundled undici. A
 * dispatcher of npm undici throws from node_modules, a MockAgent from its own
 * code; with no stack at all (`Error.stackTraceLimit = 0`) it is not taken for Node's.
 */
function isNodesAgent(dispatcher: Dispatcher): boolean {
  if (dispatcher.constructor?.name !== "Agent") return false;
  try {
    dispatcher.dispatch({}, null as unknown as DispatchHandler);
  } catch (err) {
    return /\(node:internal\/deps\/undici\/undici:/.test(String((err as Error)?.stack));
  }
  return false;
}

let dispatcherSeen: unknown;
let dispatcherIsNodes = false;

/** The global dispatcher, and whether it is Node's own Agent; undefined until something made one. */
function globalDispatcher(): { dispatcher: Dispatcher; nodes: boolean } | undefined {
  const dispatcher = (globalThis as Record<symbol, Dispatcher | undefined>)[GLOBAL_DISPATCHER];
  if (typeof dispatcher?.dispatch !== "function") return undefined;
  if (dispatcher !== dispatcherSeen) {
    dispatcherSeen = dispatcher;
    dispatcherIsNodes = isNodesAgent(dispatcher);
  }
  return { dispatcher, nodes: dispatcherIsNodes };
}

/** What fetch sends as is: the seven usual methods (fetch upper-cases six of them, and refuses CONNECT, TRACE, TRACK). */
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]);

const encoder = new TextEncoder();

/**
 * The body's bytes as fetch sends them (text in UTF-8; bytes copied, as
 * fetch copies them when called: the caller's may change before the socket
 * takes them); null for none; `undefined` when only fetch sends it the way
 * fetch does (see the module comment).
 */
export function bodyBytes(body: unknown, method: string): Uint8Array | null | undefined {
  if (body === null || body === undefined) return null;
  if (method === "GET" || method === "HEAD") return undefined;
  if (typeof body === "string") return encoder.encode(body);
  return body instanceof Uint8Array ? new Uint8Array(body) : undefined;
}

/**
 * The headers Node's fetch (18 and 20) hands its dispatcher for `headers`
 * and `body`, in its order: the caller's, a text body's type, then its own,
 * each only if absent, except `sec-fetch-mode`, which it sets, and
 * Content-Length, which it adds (the caller's is left to fetch: it would
 * join them), and the no-cache pair for a conditional request (a
 * validator header asks caches not to answer). It drops `host`. undici writes `host` and `connection` first
 * and Content-Length last, for fetch as for this transport.
 */
function fetchHeaders(headers: Record<string, string>, text: boolean, bytes: Uint8Array | null, method: string, url: URL): Record<string, string> {
  // A plain object, as fetch gives one: no `__proto__` header reaches here (see dispatchable()).
  const sent: Record<string, string> = Object.assign({}, headers);
  if (text && !("content-type" in sent)) sent["content-type"] = "text/plain;charset=UTF-8";
  if (!("accept" in sent)) sent.accept = "*/*";
  if (!("accept-language" in sent)) sent["accept-language"] = "*";
  if (bytes) sent["content-length"] = String(bytes.byteLength);
  else if (method === "POST" || method === "PUT") sent["content-length"] = "0";
  sent["sec-fetch-mode"] = "cors";
  if (!("user-agent" in sent)) sent["user-agent"] = "node";
  if ("if-modified-since" in sent || "if-none-match" in sent || "if-unmodified-since" in sent || "if-match" in sent || "if-range" in sent) {
    if (!("pragma" in sent)) sent.pragma = "no-cache";
    if (!("cache-control" in sent)) sent["cache-control"] = "no-cache";
  }
  if ("range" in sent) sent["accept-encoding"] = "accept-encoding" in sent ? `${sent["accept-encoding"]}, identity` : "identity";
  if (!("accept-encoding" in sent)) sent["accept-encoding"] = url.protocol === "https:" ? "br, gzip, deflate" : "gzip, deflate";
  delete sent.host;
  return sent;
}

/** The body as fetch hands it to a dispatcher not Node's own: an async iterable of its bytes. */
async function* fetchBodyChunks(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

type DispatchedBody = Uint8Array | string | AsyncGenerator<Uint8Array> | null;

/**
 * The body in the form fetch gives `dispatcher`, or `undefined` where only
 * fetch gives it so. To Node's own Agent, the bytes: undici writes them as it
 * writes fetch's stream of them. To any other, what fetch gives it, so that
 * an interceptor, a retrying dispatcher or a MockAgent's body matcher sees
 * what it would from fetch: an async iterable of the bytes, or, to a
 * MockAgent, the body as given (text as text). An empty body goes to those
 * through fetch, which hands them a stream of nothing.
 */
function dispatchedBody(body: unknown, bytes: Uint8Array | null, dispatcher: Dispatcher, nodes: boolean): DispatchedBody | undefined {
  if (!bytes || nodes) return bytes;
  if (bytes.byteLength === 0) return undefined;
  if (dispatcher.isMockActive) return typeof body === "string" ? body : bytes;
  return fetchBodyChunks(bytes);
}

/** Node 18's fetch sets the cause of "fetch failed" by assignment (an enumerable property), Node 20's by the constructor's option. */
const CAUSE_ASSIGNED = /^18\./.test(versions?.node ?? "");

/**
 * A failure as Node's fetch reports it, so that `cause` is the same on both
 * paths: "fetch failed" before the response, "terminated" during its body,
 * each with undici's error as its cause.
 */
function asFetchReports(message: "fetch failed" | "terminated", err: unknown): TypeError {
  return CAUSE_ASSIGNED && message === "fetch failed" ? Object.assign(new TypeError(message), { cause: err }) : new TypeError(message, { cause: err });
}

/** Statuses whose response has no body, as fetch has them. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** What aborts a hop: the request's deadline (its {@link AbortHook}), or a signal of the caller's. */
type AbortSource = Pick<AbortHook, "abortReason" | "addAbortListener" | "removeAbortListener">;

/** A signal as an {@link AbortSource}. */
class SignalSource implements AbortSource {
  readonly #signal: AbortSignal;

  constructor(signal: AbortSignal) {
    this.#signal = signal;
  }

  abortReason(): unknown {
    return this.#signal.aborted ? this.#signal.reason : undefined;
  }

  addAbortListener(listener: () => void): void {
    this.#signal.addEventListener("abort", listener, { once: true });
  }

  removeAbortListener(listener: () => void): void {
    this.#signal.removeEventListener("abort", listener);
  }
}

/**
 * One hop's handler: resolves with the Response once the headers arrive,
 * then fills its body. An abort ends it as it ends fetch: the promise
 * rejects with the abort's reason before the headers, the body fails with
 * it after. Listening for the abort ends with the response.
 */
class HopHandler implements DispatchHandler {
  readonly #url: URL;
  readonly #method: string;
  readonly #aborts: AbortSource | undefined;
  readonly #resolve: (response: Response) => void;
  readonly #reject: (err: unknown) => void;
  readonly #onAbort = () => this.#aborted();
  #abort: ((reason: unknown) => void) | undefined;
  /** Set once the headers arrived: the response's body (null without one). */
  #body: DispatchBody | null | undefined;
  #over = false;
  /** Why the hop was aborted before undici started it: onConnect passes it on. */
  #abortedEarly: unknown = undefined;
  readonly #owned: boolean;

  constructor(url: URL, method: string, aborts: AbortSource | undefined, resolve: (response: Response) => void, reject: (err: unknown) => void, owned: boolean) {
    this.#owned = owned;
    this.#url = url;
    this.#method = method;
    this.#aborts = aborts;
    this.#resolve = resolve;
    this.#reject = reject;
    aborts?.addAbortListener(this.#onAbort);
  }

  onConnect(abort: (reason?: unknown) => void): void {
    this.#abort = abort;
    if (this.#abortedEarly !== undefined) abort(this.#abortedEarly);
  }

  onHeaders(status: number, headers: RawHeaders, resume: () => void, statusText: string): boolean {
    // An informational answer (100, 103): the response is still to come, as fetch waits for it.
    if (status < 200 || this.#over) return true;
    const body = this.#method === "HEAD" || NULL_BODY_STATUSES.has(status) ? null : new DispatchBody(resume, (reason) => this.#abort?.(reason), this.#owned);
    this.#body = body;
    this.#resolve(dispatchResponse(status, statusText, responseHeaders(headers as Array<Uint8Array | string>), this.#url, body));
    return true;
  }

  onData(chunk: Uint8Array): boolean {
    return this.#body ? this.#body.push(chunk) : true;
  }

  onComplete(): void {
    this.#body?.end();
    this.#finish();
  }

  onError(err: unknown): void {
    if (this.#over) return;
    if (this.#body === undefined) this.#reject(asFetchReports("fetch failed", err));
    else this.#body?.fail(asFetchReports("terminated", err));
    this.#finish();
  }

  #aborted(): void {
    if (this.#over) return;
    const reason = this.#aborts!.abortReason();
    if (this.#body === undefined) this.#reject(reason);
    else this.#body?.fail(reason);
    this.#finish();
    // Before onConnect, undici has not started: onConnect aborts it then.
    if (this.#abort) this.#abort(reason);
    else this.#abortedEarly = reason;
  }

  #finish(): void {
    this.#over = true;
    this.#aborts?.removeAbortListener(this.#onAbort);
  }
}

/**
 * Sends one hop through `dispatcher` (see the module comment). `owned`: the
 * dispatcher hands over each chunk of the body as a whole buffer of its own
 * (aiofetch's client does; undici's chunks are copied, as fetch copies them).
 */
export function dispatchHop(dispatcher: Dispatcher, options: object, url: URL, method: string, aborts: AbortSource | undefined, owned = false): Promise<Response> {
  const reason = aborts?.abortReason();
  if (reason !== undefined) return Promise.reject(reason);
  return new Promise((resolve, reject) => dispatcher.dispatch(options, new HopHandler(url, method, aborts, resolve, reject, owned)));
}

/** What aborts the hop `init` describes: its request's deadline, or the signal it was given. */
export function abortSource(init: RequestInit & { [ABORT_HOOK]?: AbortHook }): AbortSource | undefined {
  const hook = init[ABORT_HOOK];
  // Read only without a hook: reading a hooked init's signal makes it.
  if (hook) return hook;
  return init.signal ? new SignalSource(init.signal) : undefined;
}

/** The hop `init` describes, if it is one this transport sends as fetch would. */
function dispatchable(init: RequestInit & { duplex?: "half"; dispatcher?: unknown }): boolean {
  // An aiofetch hop: its init carries the dispatcher fetch would be given.
  return init.dispatcher === RAW_DISPATCHER && plainHop(init);
}

/**
 * Whether `init` is a hop a transport without fetch can send as fetch
 * would: nothing streamed, redirects left alone, a usual method, headers
 * without a Content-Length of the caller's.
 */
export function plainHop(init: RequestInit & { duplex?: "half" }): boolean {
  if (init.redirect !== "manual" || init.duplex !== undefined) return false;
  // A plain record of names in lower case, as aiofetch makes them (a `__proto__` header comes as pairs, and goes to fetch).
  const headers = init.headers;
  if (typeof headers !== "object" || headers === null || Object.hasOwn(headers, "__proto__")) return false;
  const prototype = Object.getPrototypeOf(headers);
  return (prototype === null || prototype === Object.prototype) && !("content-length" in headers) && METHODS.has(init.method!);
}

/**
 * Sends the hop through `dispatcher` as fetch would, or returns `undefined`
 * where only fetch sends it so. `nodes`: the dispatcher takes the body's
 * bytes as they are (Node's own Agent, or a transport's npm undici Agent,
 * which writes them as it writes fetch's stream of them).
 */
function sendDispatched(input: URL, init: RequestInit, dispatcher: Dispatcher, nodes: boolean): Promise<Response> | undefined {
  const method = init.method!;
  const bytes = bodyBytes(init.body, method);
  const body = bytes === undefined ? undefined : dispatchedBody(init.body, bytes, dispatcher, nodes);
  if (body === undefined) return undefined;
  const options = {
    path: input.pathname + input.search,
    origin: input.origin,
    method,
    body,
    headers: fetchHeaders(init.headers as Record<string, string>, typeof init.body === "string", bytes!, method, input),
    // As fetch asks: aiofetch follows redirects itself.
    maxRedirections: 0,
    upgrade: undefined,
  };
  return dispatchHop(dispatcher, options, input, method, abortSource(init));
}

/**
 * The connector's default fetch on Node 18 and 20: each hop through Node's
 * own dispatcher where it is sent the same as by fetch, through the global
 * fetch otherwise (see the module comment).
 */
const dispatchFetch: HopFetch = (input, init) => {
  const found = dispatchable(init) && nodesOwnFetch() ? globalDispatcher() : undefined;
  return (found && sendDispatched(input, init, found.dispatcher, found.nodes)) ?? globalFetch(input, init);
};

/**
 * The fetch of a transport with an Agent of its own (transport_node.ts): each
 * hop straight to `agent` where it is sent the same as by fetch, else
 * `viaFetch` (Node's fetch given the agent as its dispatcher). Without
 * {@link DISPATCH_ENABLED}, `viaFetch` alone.
 */
export function agentFetch(agent: Dispatcher, viaFetch: HopFetch): HopFetch {
  if (!DISPATCH_ENABLED) return viaFetch;
  return (input, init) => (dispatchable(init) && nodesOwnFetch() && sendDispatched(input, init, agent, true)) || viaFetch(input, init);
}

/** The default connector's fetch on this runtime. */
export const defaultFetch: HopFetch = DISPATCH_ENABLED ? dispatchFetch : globalFetch;
