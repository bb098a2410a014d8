/**
 * Request timers that share one runtime timer per duration. Timers of the
 * same duration expire in the order they start, so each duration keeps them
 * in a queue and arms one runtime timer, for the first that is still
 * running. Why: a setTimeout and its clearTimeout cost Deno 2-4 µs (its
 * timers are Node-compatible objects), as much as the rest of a request's
 * own work there, and with many requests in flight each would make and
 * clear one or more.
 *
 * When the last timer of a duration stops, its runtime timer is left armed
 * but idle: it holds nothing open (unref'd, so a process exits, and Deno's
 * test sanitizer does not count it) and calls nothing when it comes due,
 * when it is cleared. A timer started meanwhile takes it over. Why: requests
 * made one after another would otherwise each make and clear a runtime
 * timer (2.8 µs on Deno, against 0.08 µs to unref and ref one). It holds
 * the process open while any of its timers is held (see {@link startQueued}).
 */
import { holdProcess, startTimer, stopTimer, type TimerHandle } from "./runtime/timers.ts";

/** A timer started by {@link startQueued}. */
export interface QueuedTimer {
  /** When it fires (performance.now()). */
  readonly at: number;
  /** What it calls; `undefined` once it fired or was stopped. */
  fire: (() => void) | undefined;
  /** Whether it holds the process open. */
  held: boolean;
  readonly queue: TimerQueue;
}

/** Queues with an armed runtime timer, by duration: a queue is dropped when that comes due with no timer running. */
const queues = new Map<number, TimerQueue>();
/** Timers started and neither fired nor stopped, over every queue. */
let runningTimers = 0;

/** Calls `fire` after `ms` milliseconds, holding the process open only if `holding` (see the module comment). */
export function startQueued(fire: () => void, ms: number, holding: boolean): QueuedTimer {
  let queue = queues.get(ms);
  if (!queue) queues.set(ms, queue = new TimerQueue(ms));
  return queue.start(fire, holding);
}

/** Stops a timer from {@link startQueued}; safe to call twice or with `undefined`. */
export function stopQueued(timer: QueuedTimer | undefined): void {
  if (timer?.fire) timer.queue.stop(timer);
}

/** How many timers from {@link startQueued} are running (neither fired nor stopped): none once every request is over. */
export function runningQueuedTimers(): number {
  return runningTimers;
}

/** Makes a timer from {@link startQueued} hold the process open (`true`) or not; no-op for `undefined` or an ended one. */
export function holdQueued(timer: QueuedTimer | undefined, holding: boolean): void {
  if (timer?.fire && timer.held !== holding) timer.queue.hold(timer, holding);
}

/** The timers of one duration, oldest first (see the module comment). */
class TimerQueue {
  readonly #ms: number;
  /** Started timers from `#head` on, stopped ones among them until they are passed or compacted away. */
  #timers: QueuedTimer[] = [];
  #head = 0;
  /** Timers not yet fired or stopped. */
  #running = 0;
  /** Running timers that hold the process open: the runtime timer is held while this is above 0. */
  #held = 0;
  #timer: TimerHandle | undefined;

  constructor(ms: number) {
    this.#ms = ms;
  }

  start(fire: () => void, holding: boolean): QueuedTimer {
    const timer: QueuedTimer = { at: performance.now() + this.#ms, fire, held: holding, queue: this };
    this.#timers.push(timer);
    this.#running++;
    runningTimers++;
    if (holding) this.#changeHeld(1);
    // An armed runtime timer is due no later than this one: it re-arms for the next when it fires.
    if (this.#timer === undefined) this.#arm(timer.at);
    return timer;
  }

  stop(timer: QueuedTimer): void {
    this.#forget(timer);
    // Idle (see the module comment): the runtime timer stays, for the next timer to take over.
    if (this.#running === 0) return this.#empty();
    // Stopped timers are passed over lazily; compacted when they outnumber the running ones.
    if (this.#timers.length - this.#head > 2 * this.#running + 64) {
      this.#timers = this.#timers.slice(this.#head).filter((queued) => queued.fire !== undefined);
      this.#head = 0;
    }
  }

  hold(timer: QueuedTimer, holding: boolean): void {
    timer.held = holding;
    this.#changeHeld(holding ? 1 : -1);
  }

  #forget(timer: QueuedTimer): void {
    timer.fire = undefined;
    this.#running--;
    runningTimers--;
    if (timer.held) this.#changeHeld(-1);
  }

  #changeHeld(by: number): void {
    const wasHeld = this.#held > 0;
    this.#held += by;
    if (wasHeld !== this.#held > 0) holdProcess(this.#timer, !wasHeld);
  }

  #arm(at: number): void {
    this.#timer = startTimer(() => this.#expire(), Math.max(0, at - performance.now()), this.#held > 0);
  }

  #empty(): void {
    this.#timers.length = 0;
    this.#head = 0;
  }

  #clear(): void {
    stopTimer(this.#timer);
    this.#timer = undefined;
    this.#empty();
    if (queues.get(this.#ms) === this) queues.delete(this.#ms);
  }

  /** The runtime timer fired: fires every timer due, then arms for the next one still running. */
  #expire(): void {
    this.#timer = undefined;
    const now = performance.now();
    const due: Array<() => void> = [];
    while (this.#head < this.#timers.length) {
      const timer = this.#timers[this.#head]!;
      if (timer.fire && timer.at > now) break;
      this.#head++;
      if (timer.fire) {
        due.push(timer.fire);
        this.#forget(timer);
      }
    }
    if (this.#running === 0) this.#clear();
    else this.#arm(this.#timers[this.#head]!.at);
    // Last: what fires may stop or start timers of this queue.
    for (const fire of due) fire();
  }
}
