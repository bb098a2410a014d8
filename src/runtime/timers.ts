/**
 * Timers that keep a process alive only when asked to: a request's timers
 * hold the process while someone awaits the request (its headers, a body
 * read), and let it exit otherwise. Node and Bun return an object with
 * `ref()`/`unref()`; Deno returns a number and offers `Deno.refTimer`/`Deno.unrefTimer`.
 */

type DenoTimers = { Deno?: { refTimer?: (id: number) => void; unrefTimer?: (id: number) => void } };
type RefCounted = { ref: () => void; unref: () => void };

/** A handle returned by {@link startTimer}, for {@link stopTimer}. */
export type TimerHandle = ReturnType<typeof setTimeout>;

/** Calls `fn` after `ms` milliseconds; it holds the process open only if `holding`. */
export function startTimer(fn: () => void, ms: number, holding = false): TimerHandle {
  const handle = setTimeout(fn, ms);
  if (!holding) holdProcess(handle, false);
  return handle;
}

/** Makes a timer from {@link startTimer} hold the process open (`true`) or not; no-op for `undefined`. */
export function holdProcess(handle: TimerHandle | undefined, holding: boolean): void {
  if (typeof handle === "object" && handle !== null && typeof (handle as Partial<RefCounted>).unref === "function") {
    if (holding) (handle as RefCounted).ref();
    else (handle as RefCounted).unref();
  } else if (typeof handle === "number") {
    const deno = (globalThis as DenoTimers).Deno;
    if (holding) deno?.refTimer?.(handle);
    else deno?.unrefTimer?.(handle);
  }
}

/** Cancels a timer from {@link startTimer}; safe to call twice or with `undefined`. */
export function stopTimer(handle: TimerHandle | undefined): void {
  if (handle !== undefined) clearTimeout(handle);
}
