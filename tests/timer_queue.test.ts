/**
 * The timers requests share per duration (src/timer_queue.ts): each fires
 * once, in start order, never after it was stopped, also when it is started
 * from another's callback or waits behind many stopped ones; none runs once
 * all are over (counted as tests/leaks.test.ts counts them); and the runtime
 * timer left idle holds nothing open, calls nothing and is taken over.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startQueued, stopQueued } from "../src/timer_queue.ts";
import { trackingTimers, watchTimers } from "./timers.ts";

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

test("a duration's last timer stopped: nothing running, nothing holding the process, nothing fired", async () => {
  const fired: string[] = [];
  const left = await trackingTimers(async () => {
    const timers = [startQueued(() => fired.push("a"), 30_000, true), startQueued(() => fired.push("b"), 30_000, false)];
    for (const timer of timers) stopQueued(timer);
  });
  assert.equal(left, 0);
  assert.deepEqual(fired, []);
});

test("the runtime timer left idle is taken over by the next timer, and calls nothing when it comes due", async () => {
  const fired: string[] = [];
  let takeover: Awaited<ReturnType<typeof watchTimers>> | undefined;
  const watch = await watchTimers(async () => {
    stopQueued(startQueued(() => fired.push("a"), 45, true));
    takeover = await watchTimers(() => Promise.resolve(stopQueued(startQueued(() => fired.push("b"), 45, true))));
    await sleep(120);
    // It came due with nothing running and is gone; c arms a new one, which fires.
    startQueued(() => fired.push("c"), 45, false);
    await sleep(120);
  });
  assert.equal(takeover!.started, 0, "b, of the same duration, made no runtime timer of its own");
  assert.deepEqual(fired, ["c"]);
  assert.deepEqual(watch.queueTimers, [], "both came due and were cleared");
  assert.equal(watch.left, 0);
});

test("while idle, the runtime timer does not hold the process open", async () => {
  const watch = await watchTimers(() => Promise.resolve(stopQueued(startQueued(() => {}, 30_001, true))));
  assert.deepEqual(watch.queueTimers, [{ held: false }]);
  assert.equal(watch.left, 0);
});
