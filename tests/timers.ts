/**
 * Counting the library's timers: setTimeout and clearTimeout wrapped while a
 * test body runs, so that a test can tell how many timers started from src/
 * are still armed once the body is over.
 */

const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

/** Runs `body` with setTimeout/clearTimeout wrapped; resolves to the number of library timers left armed. */
export async function trackingTimers(body: () => Promise<void>): Promise<number> {
  const libraryTimers = new Set<unknown>();
  const wrappedSet = ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const fromLibrary = /[/\\]src[/\\]/.test(new Error().stack ?? "");
    let handle: unknown;
    handle = realSetTimeout(() => {
      libraryTimers.delete(handle);
      fn(...args);
    }, ms);
    if (fromLibrary) libraryTimers.add(handle);
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
  return libraryTimers.size;
}
