/**
 * Timers that never keep a process alive on their own: the request they guard
 * (a socket, a pending read) does that. Node and Bun return an object with
 * `unref()`; Deno returns a number and offers `Deno.unrefTimer`.
 */

type DenoTimers = { Deno?: { unrefTimer?: (id: number) => void } };

/** A handle returned by {@link startTimer}, for {@link stopTimer}. */
export type TimerHandle = ReturnType<typeof setTimeout>;

/** Calls `fn` after `ms` milliseconds without holding the process open. */
export function startTimer(fn: () => void, ms: number): TimerHandle {
  const handle = setTimeout(fn, ms);
  if (typeof handle === "object" && handle !== null && typeof (handle as { unref?: unknown }).unref === "function") {
    (handle as { unref: () => void }).unref();
  } else if (typeof handle === "number") {
    (globalThis as DenoTimers).Deno?.unrefTimer?.(handle);
  }
  return handle;
}

/** Cancels a timer from {@link startTimer}; safe to call twice or with `undefined`. */
export function stopTimer(handle: TimerHandle | undefined): void {
  if (handle !== undefined) clearTimeout(handle);
}
