/**
 * Concurrency limits, as aiohttp's connector `limit` and `limitPerHost`: each
 * hop holds a slot of its own origin from before its first byte is sent until
 * its body is read or released; further hops wait, and the wait counts
 * against `ClientTimeout.connect`.
 */

interface Waiter {
  key: string;
  grant: () => void;
  refuse: (reason: unknown) => void;
}

/** Counts requests in flight, in total and per origin. */
export class Limiter {
  readonly #limit: number;
  readonly #perHost: number;
  #active = 0;
  readonly #perKey = new Map<string, number>();
  readonly #queue: Waiter[] = [];
  #closed: unknown = undefined;

  /** `limit` and `limitPerHost` of 0 mean no limit. */
  constructor(limit: number, limitPerHost: number) {
    for (const [name, value] of [["limit", limit], ["limitPerHost", limitPerHost]] as const) {
      if (!Number.isInteger(value) || value < 0) throw new TypeError(`${name} must be a non-negative integer, got ${value}`);
    }
    this.#limit = limit;
    this.#perHost = limitPerHost;
  }

  /**
   * Waits for a slot for `key` (an origin); resolves to the function that
   * frees it. `abortSignal` (or the function that gives it, called only when
   * the slot must be waited for) ends the wait.
   */
  acquire(key: string, abortSignal: AbortSignal | (() => AbortSignal)): Promise<() => void> | (() => void) {
    if (this.#closed !== undefined) throw this.#closed;
    if (this.#free(key)) return this.#take(key);
    const signal = typeof abortSignal === "function" ? abortSignal() : abortSignal;
    signal.throwIfAborted();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        key,
        grant: () => {
          signal.removeEventListener("abort", onAbort);
          resolve(this.#take(key));
        },
        refuse: (reason) => {
          signal.removeEventListener("abort", onAbort);
          reject(reason);
        },
      };
      const onAbort = () => {
        this.#queue.splice(this.#queue.indexOf(waiter), 1);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  /** Refuses every waiting and later `acquire()` with `reason`; slots held are still freed as usual. */
  close(reason: unknown): void {
    this.#closed ??= reason;
    for (const waiter of this.#queue.splice(0)) waiter.refuse(this.#closed);
  }

  #free(key: string): boolean {
    return (!this.#limit || this.#active < this.#limit) &&
      (!this.#perHost || (this.#perKey.get(key) ?? 0) < this.#perHost);
  }

  #take(key: string): () => void {
    this.#active++;
    // Per origin only with a per-host limit: nothing reads the counts otherwise.
    const counted = this.#perHost > 0;
    if (counted) this.#perKey.set(key, (this.#perKey.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active--;
      if (counted) {
        const left = this.#perKey.get(key)! - 1;
        if (left) this.#perKey.set(key, left);
        else this.#perKey.delete(key);
      }
      this.#wakeNext();
    };
  }

  #wakeNext(): void {
    const index = this.#queue.findIndex((waiter) => this.#free(waiter.key));
    if (index >= 0) this.#queue.splice(index, 1)[0]!.grant();
  }
}
