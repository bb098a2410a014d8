/**
 * The timers requests share per duration (src/timer_queue.ts): each fires
 * once, in start order, never after it was stopped, also when it is started
 * from another's callback or waits behind many stopped ones; and no runtime
 * timer is left once none of them runs (counted as tests/leaks.test.ts counts them).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startQueued, stopQueued } from "../src/timer_queue.ts";
import { trackingTimers } from "./timers.ts";

const realSetTimeout = globalThis.setTimeout;

const sleep = (ms: number) => new Promise((resolve) => realSetTimeout(resolve, ms));

test("timers of one duration fire once each, in start order, and a stopped one never", async () => {
  const fired: string[] = [];
  const left = await trackingTimers(async () => {
    const a = startQueued(() => fired.push("a"), 40, false);
    await sleep(5);
    const b = startQueued(() => fired.push("b"), 40, false);
    await sleep(5);
    startQueued(() => fired.push("c"), 40, false);
    // The first is stopped while the runtime timer is armed for it: the others still fire.
    stopQueued(a);
    stopQueued(a);
    await sleep(120);
    stopQueued(b);
  });
  assert.deepEqual(fired, ["b", "c"]);
  assert.equal(left, 0, "a runtime timer left armed");
});

test("a timer started from another's callback, of the same duration, fires too", async () => {
  const fired: string[] = [];
  const left = await trackingTimers(async () => {
    startQueued(() => {
      fired.push("first");
      startQueued(() => fired.push("second"), 20, false);
    }, 20, false);
    await sleep(100);
  });
  assert.deepEqual(fired, ["first", "second"]);
  assert.equal(left, 0);
});

test("many timers stopped behind a running one leave the later ones firing, and nothing armed when all are over", async () => {
  const fired: number[] = [];
  const left = await trackingTimers(async () => {
    const head = startQueued(() => fired.push(-1), 60, false);
    for (let i = 0; i < 500; i++) stopQueued(startQueued(() => fired.push(i), 60, false));
    const last = startQueued(() => fired.push(500), 60, false);
    await sleep(150);
    assert.deepEqual(fired, [-1, 500]);
    stopQueued(head);
    stopQueued(last);
  });
  assert.equal(left, 0);
});

test("the queue of a duration is cleared when its last timer stops: nothing armed, nothing fired", async () => {
  const fired: string[] = [];
  const left = await trackingTimers(async () => {
    const timers = [startQueued(() => fired.push("a"), 30_000, true), startQueued(() => fired.push("b"), 30_000, false)];
    for (const timer of timers) stopQueued(timer);
  });
  assert.equal(left, 0);
  assert.deepEqual(fired, []);
});
