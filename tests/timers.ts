/**
 * Counting the library's timers: setTimeout and clearTimeout wrapped while a
 * test body runs, so that a test can tell how many timers started from src/
 * are still running once the body is over. Request timers share a runtime
 * timer per duration (src/timer_queue.ts), which is left armed but idle when
 * the last of them stops: for those, what counts is the request timers still
 * running, and an idle runtime timer that would hold the process open.
 */
import { runningQueuedTimers } from "../src/timer_queue.ts";

/** What {@link watchTimers} saw. */
export interface TimerWatch {
  /** Library timers left running: see {@link trackingTimers}. */
  left: number;
  /** setTimeout calls made from src/ while the body ran. */
  started: number;
  /** The runtime timers of src/timer_queue.ts still armed, each with whether it holds the process open. */
  queueTimers: Array<{ held: boolean }>;
}

/** Runs `body` with setTimeout/clearTimeout wrapped, and reports the library's timers (see {@link TimerWatch}). */
export async function watchTimers(body: () => Promise<void>): Promise<TimerWatch> {
  // The timers in place now: another watch's wrappers, when watches nest.
  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;
  const libraryTimers = new Map<unknown, { queue: boolean }>();
  const runningBefore = runningQueuedTimers();
  let started = 0;
  const wrappedSet = ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const stack = new Error().stack ?? "";
    let handle: unknown;
    handle = realSetTimeout(() => {
      libraryTimers.delete(handle);
      fn(...args);
    }, ms);
    if (/[/\\]src[/\\]/.test(stack)) {
      started++;
      libraryTimers.set(handle, { queue: /timer_queue\.[jt]s/.test(stack) });
    }
    return handle;
  }) as unknown as typeof setTimeout;
  const wrappedClear = ((handle: unknown) => {
    libraryTimers.delete(handle);
    realClearTimeout(handle as Parameters<typeof clearTimeout>[0]);
  }) as typeof clearTimeout;
  globalThis.setTimeout = wrappedSet;
  globalThis.clearTimeout = wrappedClear;
  try {
    await body();
  } finally {
    globalThis.setTimeout = realSetTimeout;
    globalThis.clearTimeout = realClearTimeout;
  }
  const queueTimers = [...libraryTimers].filter(([, { queue }]) => queue).map(([handle]) => ({ held: (handle as { hasRef(): boolean }).hasRef() }));
  const others = [...libraryTimers.values()].filter(({ queue }) => !queue).length;
  const left = others + (runningQueuedTimers() - runningBefore) + queueTimers.filter(({ held }) => held).length;
  return { left, started, queueTimers };
}

/**
 * Runs `body` with setTimeout/clearTimeout wrapped; resolves to the number of
 * library timers left running: timers started from src/ and neither cleared
 * nor fired, request timers (src/timer_queue.ts) neither stopped nor fired,
 * and idle runtime timers of the queue that hold the process open.
 */
export async function trackingTimers(body: () => Promise<void>): Promise<number> {
  return (await watchTimers(body)).left;
}
