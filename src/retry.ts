/**
 * Retries as a middleware: `middlewares: [retry()]`. It runs inside the
 * redirect loop, so each hop is retried on its own and `history` keeps only
 * the redirects; the response returned is the last attempt's, and its
 * `requestInfo` is what that attempt sent.
 */
import { ClientConnectorError, ServerDisconnectedError } from "./errors/connection.ts";
import { ClientSSLError } from "./errors/tls.ts";
import { describeRequest } from "./errors/describe.ts";
import { ServerTimeoutError } from "./errors/timeout.ts";
import type { ClientMiddleware, ClientRequest } from "./pipeline/middleware.ts";
import type { ClientResponse } from "./response/response.ts";
import { retryAfterMs } from "./retry_after.ts";
import { startTimer, stopTimer } from "./runtime/timers.ts";

/** What {@link RetryOptions.onRetry} is told before each wait. */
export interface RetryAttempt {
  /** The request about to be sent again. */
  readonly request: ClientRequest;
  /** The retry about to be made: 1 for the second attempt. */
  readonly retry: number;
  /** How long aiofetch waits first, in milliseconds. */
  readonly delay: number;
  /** The response that is retried (already released), if the attempt got one. */
  readonly response?: ClientResponse;
  /** The error that is retried, if the attempt failed. */
  readonly error?: unknown;
}

/** The options of {@link retry}; every one has a default. */
export interface RetryOptions {
  /**
   * Attempts in all, the first included. Default 3.
   *
   * @example
   * ```ts
   * const session = new ClientSession({ middlewares: [retry({ attempts: 5 })] });
   * ```
   */
  attempts?: number;
  /**
   * Methods retried after a status or a dropped connection. Default the
   * idempotent ones: GET, HEAD, OPTIONS, PUT, DELETE, TRACE; a POST is retried
   * only if listed. A refused connection or a failed DNS lookup is retried for
   * any method, since nothing was sent.
   *
   * @example
   * ```ts
   * retry({ methods: ["GET", "POST"] }); // this API's POSTs are idempotent
   * ```
   */
  methods?: readonly string[];
  /**
   * Statuses retried. Default 408, 413, 429, 500, 502, 503, 504.
   *
   * @example
   * ```ts
   * retry({ statuses: [503] });
   * ```
   */
  statuses?: readonly number[];
  /**
   * Which errors are retried (before the method check). Default: refused
   * connections and DNS failures (`ClientConnectorError`, but not its TLS
   * failures, `ClientSSLError`), and a server that dropped the connection
   * (`ServerDisconnectedError`). The request's own
   * timeouts and the user's abort are never retried: they bound the whole request.
   *
   * @example
   * ```ts
   * retry({ errors: (error) => error instanceof ClientConnectorError });
   * ```
   */
  errors?: (error: unknown) => boolean;
  /**
   * The wait before retry `n` (1 for the second attempt) in milliseconds,
   * when the response names none. Default: 300 ms doubled per retry, of which
   * a random 0 to 50% is taken off (jitter), so clients that failed together
   * do not come back together.
   *
   * @example
   * ```ts
   * retry({ backoff: (n) => 1000 * n }); // 1 s, 2 s, 3 s…
   * ```
   */
  backoff?: (retry: number) => number;
  /**
   * The longest wait, in milliseconds; default 30,000. The backoff is capped
   * at it; a response whose `Retry-After` asks for longer is returned as it is.
   *
   * @example
   * ```ts
   * retry({ maxDelay: 5_000 });
   * ```
   */
  maxDelay?: number;
  /**
   * Called before each wait, for logging; what it throws fails the request.
   *
   * @example
   * ```ts
   * retry({ onRetry: (info) => console.warn(`retry ${info.retry} of ${info.request.url} in ${info.delay} ms`) });
   * ```
   */
  onRetry?: (attempt: RetryAttempt) => void | Promise<void>;
}

const IDEMPOTENT = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"];
const RETRIED_STATUSES = [408, 413, 429, 500, 502, 503, 504];

/** Nothing was sent: safe to retry whatever the method. */
const neverSent = (error: unknown) => error instanceof ClientConnectorError;
/** A TLS failure (a refused certificate, a refused client certificate) would only fail the same way again. */
const retriedByDefault = (error: unknown) => (neverSent(error) && !(error instanceof ClientSSLError)) || error instanceof ServerDisconnectedError;
const exponential = (retry: number) => 300 * 2 ** (retry - 1) * (1 - Math.random() / 2);

/**
 * A middleware that sends a hop again after a retried status or network
 * error, waiting between attempts: the response's `Retry-After` (seconds or
 * an HTTP-date; on a 429 also `RateLimit-Reset`), else exponential backoff
 * with jitter. A wait holds no concurrency slot, ends early on the request's
 * abort, and is never begun if it would outlive the request's
 * `ClientTimeout.total`: the request then fails with a `ServerTimeoutError`
 * that says so. A one-shot stream body is never sent twice.
 *
 * @example
 * ```ts
 * import { ClientSession, retry } from "aiofetch";
 * await using session = new ClientSession({ middlewares: [retry({ attempts: 4 })] });
 * const resp = await session.get("https://api.example.com/flaky");
 * ```
 */
export function retry(options: RetryOptions = {}): ClientMiddleware {
  checkedKeys(options);
  const attempts = checkedCount("attempts", options.attempts ?? 3);
  const maxDelay = checkedDelay(options.maxDelay ?? 30_000);
  const methods = new Set((options.methods ?? IDEMPOTENT).map((method) => method.toUpperCase()));
  const statuses = new Set(options.statuses ?? RETRIED_STATUSES);
  const retriable = options.errors ?? retriedByDefault;
  const backoff = options.backoff ?? exponential;
  const { onRetry } = options;

  return async (request, handler) => {
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= attempts || !request.replayable;
      let response: ClientResponse;
      try {
        response = await handler(request);
      } catch (error) {
        if (last || request.signal.aborted || !retriable(error)) throw error;
        if (!neverSent(error) && !methods.has(request.method.toUpperCase())) throw error;
        await wait(request, { request, retry: attempt, delay: Math.min(backoff(attempt), maxDelay), error }, onRetry);
        continue;
      }
      if (last || !statuses.has(response.status) || !methods.has(request.method.toUpperCase())) return response;
      const asked = retryAfterMs(response.headers, response.status);
      if (asked !== undefined && asked > maxDelay) return response;
      // The slot goes back before the wait, not after it.
      await response.release();
      await wait(request, { request, retry: attempt, delay: asked ?? Math.min(backoff(attempt), maxDelay), response }, onRetry);
    }
  };
}

/** Waits before a retry, or fails the request if the wait would outlive its `total`. */
async function wait(request: ClientRequest, attempt: RetryAttempt, onRetry: RetryOptions["onRetry"]): Promise<void> {
  const left = request.timeLeft();
  if (attempt.delay >= left) {
    const after = attempt.response ? `${attempt.response.status} ${attempt.response.reason}` : "the error in `cause`";
    throw new ServerTimeoutError(
      `${describeRequest(request.method, request.url)}: not retried after ${after}: the ${Math.round(attempt.delay)} ms wait ` +
        `would outlive ClientTimeout.total (${Math.round(left)} ms left)`,
      { cause: attempt.error },
    );
  }
  await onRetry?.(attempt);
  await sleep(attempt.delay, request.signal);
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      stopTimer(timer);
      reject(signal.reason);
    };
    // Held: someone awaits the request while it waits to retry.
    const timer = startTimer(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms, true);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

const OPTION_NAMES = ["attempts", "methods", "statuses", "errors", "backoff", "maxDelay", "onRetry"];

function checkedKeys(options: RetryOptions): void {
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) throw new TypeError(`retry(): unknown option "${key}"; the options are ${OPTION_NAMES.join(", ")}`);
  }
}

function checkedCount(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`retry(): ${name} must be a whole number of at least 1, got ${String(value)}`);
  return value;
}

function checkedDelay(value: number): number {
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new TypeError(`retry(): maxDelay must be a non-negative number of milliseconds, got ${String(value)}`);
  }
  return value;
}
