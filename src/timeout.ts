import { ConnectionTimeoutError, ServerTimeoutError, SocketTimeoutError } from "./errors/timeout.ts";
import { keysOf, refuseUnknownOptions } from "./known_options.ts";
import { holdQueued, type QueuedTimer, startQueued, stopQueued } from "./timer_queue.ts";

/** The fields of a {@link ClientTimeout}, all in milliseconds; 0 or `undefined` disables one. */
export interface ClientTimeoutOptions {
  /** The whole operation: waiting for a slot, every redirect hop and reading the body. */
  total?: number;
  /** Waiting for a concurrency slot plus reaching the response headers. */
  connect?: number;
  /** The longest gap allowed between two chunks of the body. */
  sockRead?: number;
}

const TIMEOUT_FIELDS = keysOf<ClientTimeoutOptions>()(["total", "connect", "sockRead"]);

/**
 * Timeouts in milliseconds, as aiohttp's `ClientTimeout` (which counts seconds).
 * A request's timeout replaces the session's entirely, as in aiohttp. A bare
 * number, here or as a `timeout` option, is `total` in milliseconds (as ky's
 * `timeout` is): `timeout: 60` is 60 ms, not aiohttp's 60 seconds.
 *
 * @example
 * ```ts
 * const session = new ClientSession({ timeout: { total: 30_000, sockRead: 5_000 } });
 * await session.get(url, { timeout: 10_000 }); // the same as { total: 10_000 }
 * ```
 */
export class ClientTimeout implements ClientTimeoutOptions {
  /** The whole operation, body included. Default 300,000 ms (5 minutes). */
  readonly total: number | undefined;
  /** Slot wait plus time to response headers. */
  readonly connect: number | undefined;
  /** The longest gap between two body chunks. */
  readonly sockRead: number | undefined;

  /** Fields in milliseconds (a number is `total`); with no argument, `total` is 300,000 and the others are off. */
  constructor(fields: ClientTimeoutOptions | number = { total: 300_000 }) {
    const { total, connect, sockRead } = fieldsOf(fields);
    this.total = checkField("total", total);
    this.connect = checkField("connect", connect);
    this.sockRead = checkField("sockRead", sockRead);
  }

  /** Accepts a `ClientTimeout`, a plain object of its fields, or a number (`total`). */
  static from(value: ClientTimeout | ClientTimeoutOptions | number): ClientTimeout {
    return value instanceof ClientTimeout ? value : new ClientTimeout(value);
  }
}

function fieldsOf(fields: ClientTimeoutOptions | number): ClientTimeoutOptions {
  if (typeof fields === "number") return { total: fields };
  if (typeof fields !== "object" || fields === null) {
    throw new TypeError(`ClientTimeout: expected milliseconds or { total, connect, sockRead }, got ${String(fields)}`);
  }
  refuseUnknownOptions(fields, TIMEOUT_FIELDS, () => "ClientTimeout");
  return fields;
}

/** The reason an AbortController gives an abort without one, on this runtime. */
function abortError(): unknown {
  const controller = new AbortController();
  controller.abort();
  return controller.signal.reason;
}

function checkField(name: string, value: number | undefined): number | undefined {
  if (value === undefined || value === 0) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`ClientTimeout: ${name} must be a non-negative number of milliseconds, got ${String(value)}`);
  }
  return value;
}

/**
 * One request's timers and the signal they (and the user's own signal) abort:
 * `total` from the start, `connect` per hop until its headers arrive, and
 * `sockRead` while a body read waits. Each request owns its deadline, and
 * `finish()` stops every timer, so none of the request's timers outlives it
 * (the runtime timer they shared may stay armed, idle: src/timer_queue.ts).
 *
 * While someone awaits the request (from the start until its response is
 * returned, then during each body read) its timers hold the process open:
 * a script awaiting a slot or a stalled body gets its timeout error instead
 * of exiting silently. A response nobody is reading lets the process exit.
 */
export class Deadline {
  /**
   * Made when something asks for the signal (fetch, a wait for a slot, a
   * middleware): a hop sent through undici's dispatcher without fetch needs
   * none (runtime/transport_dispatch.ts), and an AbortController with a
   * listener on its signal costs Node more than the rest of the deadline.
   */
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown = undefined;
  readonly #label: () => string;
  readonly #timeout: ClientTimeout;
  readonly #userSignal: AbortSignal | undefined;
  #totalTimer: QueuedTimer | undefined;
  #connectTimer: QueuedTimer | undefined;
  #readTimer: QueuedTimer | undefined;
  #onUserAbort: (() => void) | undefined;
  /** When `total` started counting (performance.now()), if it is set. */
  readonly #startedAt: number | undefined;
  /** How many are awaiting the request now; its timers hold the process open while this is above 0. */
  #awaited = 1;
  /** Called right after the signal aborts: a plain list, cheaper per request than event listeners. */
  readonly #abortListeners: Array<() => void> = [];

  /** `label` (`METHOD url`) starts the timeout messages; it is called only when one fires. */
  constructor(timeout: ClientTimeout, label: () => string, userSignal?: AbortSignal) {
    this.#timeout = timeout;
    this.#label = label;
    this.#userSignal = userSignal;
    if (userSignal) {
      if (userSignal.aborted) {
        this.#aborted = true;
        this.#reason = userSignal.reason;
      } else {
        this.#onUserAbort = () => this.abort(userSignal.reason);
        userSignal.addEventListener("abort", this.#onUserAbort, { once: true });
      }
    }
    if (timeout.total) {
      this.#totalTimer = this.#start(ServerTimeoutError, "total", timeout.total);
      // The timer's own reading of the clock: a performance.now() costs Deno 0.4 µs.
      this.#startedAt = this.#totalTimer.at - timeout.total;
    }
    if (timeout.connect) this.#connectTimer = this.#start(ConnectionTimeoutError, "connect", timeout.connect);
  }

  /** Aborted by a timeout or by the user's signal; pass it to `fetch`. Made on first use. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** True when `signal` is this deadline's own (never making it). */
  ownsSignal(signal: AbortSignal): boolean {
    return this.#controller !== undefined && this.#controller.signal === signal;
  }

  /** True when body reads are timed (`sockRead` is set). */
  get timesReads(): boolean {
    return this.#timeout.sockRead !== undefined;
  }

  /** Milliseconds left before `total` fires (at least 0); `Infinity` without a `total`. */
  totalRemaining(): number {
    if (this.#startedAt === undefined) return Infinity;
    return Math.max(0, this.#timeout.total! - (performance.now() - this.#startedAt));
  }

  /** Response headers arrived: the connect phase is over. */
  connected(): void {
    stopQueued(this.#connectTimer);
    this.#connectTimer = undefined;
  }

  /** A redirect starts a new hop, which gets its own connect budget. */
  restartConnect(): void {
    const ms = this.#timeout.connect;
    if (!ms || this.#aborted) return;
    stopQueued(this.#connectTimer);
    this.#connectTimer = this.#start(ConnectionTimeoutError, "connect", ms);
  }

  /** The response was handed over: until a body read starts, nothing awaits the request. */
  responded(): void {
    this.#letGo();
  }

  /** A body read starts waiting: it holds the process, and `sockRead` runs, until {@link Deadline.readEnded}. */
  readStarted(): void {
    this.#hold();
    const ms = this.#timeout.sockRead;
    if (ms && !this.#aborted) this.#readTimer = this.#start(SocketTimeoutError, "sockRead", ms);
  }

  /** The body read returned (or failed). */
  readEnded(): void {
    stopQueued(this.#readTimer);
    this.#readTimer = undefined;
    this.#letGo();
  }

  /** Calls `listener` right after the request is aborted (by a timeout, the user's signal or {@link Deadline.abort}). */
  addAbortListener(listener: () => void): void {
    this.#abortListeners.push(listener);
  }

  /** Stops calling `listener`. */
  removeAbortListener(listener: () => void): void {
    const index = this.#abortListeners.indexOf(listener);
    if (index >= 0) this.#abortListeners.splice(index, 1);
  }

  /**
   * Why the request was aborted: the user's own reason untouched, or the
   * timeout error that fired; `undefined` while it has not been aborted.
   */
  abortReason(): unknown {
    return this.#aborted ? this.#reason : undefined;
  }

  /** Clears every timer and listener; the request is over. Safe to call twice. */
  finish(): void {
    stopQueued(this.#totalTimer);
    stopQueued(this.#connectTimer);
    stopQueued(this.#readTimer);
    this.#totalTimer = this.#connectTimer = this.#readTimer = undefined;
    if (this.#onUserAbort) this.#userSignal!.removeEventListener("abort", this.#onUserAbort);
    this.#onUserAbort = undefined;
  }

  /** Aborts the request now with `reason`, which the request and its body then throw as is. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    // As AbortController has it: no reason is the runtime's AbortError.
    this.#reason = reason === undefined ? abortError() : reason;
    this.#controller?.abort(this.#reason);
    for (const listener of this.#abortListeners.splice(0)) listener();
  }

  #start(type: typeof ServerTimeoutError, field: string, ms: number): QueuedTimer {
    return startQueued(() => {
      if (this.#aborted) return;
      this.abort(new type(`${this.#label()}: timed out (ClientTimeout.${field} = ${ms} ms)`));
      this.finish();
    }, ms, this.#awaited > 0);
  }

  #hold(): void {
    if (this.#awaited++ === 0) this.#holdTimers(true);
  }

  #letGo(): void {
    if (--this.#awaited === 0) this.#holdTimers(false);
  }

  #holdTimers(holding: boolean): void {
    holdQueued(this.#totalTimer, holding);
    holdQueued(this.#connectTimer, holding);
    holdQueued(this.#readTimer, holding);
  }
}
