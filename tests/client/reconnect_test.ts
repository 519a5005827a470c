import assert from "node:assert/strict";
import {
  BACKOFF_BASE_MS,
  BACKOFF_JITTER,
  BACKOFF_MAX_MS,
  backoffDelay,
  realSleep,
} from "../../client/reconnect.ts";

Deno.test("backoff starts at 0.5 s and doubles up to 30 s without jitter", () => {
  const none = () => 0;
  const delays = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => backoffDelay(attempt, none));
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  assert.equal(backoffDelay(1000, none), BACKOFF_MAX_MS);
  assert.equal(backoffDelay(-3, none), BACKOFF_BASE_MS);
});

Deno.test("jitter only shortens a delay, by at most a quarter", () => {
  const almostOne = () => 0.999999;
  for (let attempt = 0; attempt < 12; attempt++) {
    const full = backoffDelay(attempt, () => 0);
    const least = backoffDelay(attempt, almostOne);
    assert.ok(least < full, `attempt ${attempt}: ${least} < ${full}`);
    assert.ok(least >= Math.floor(full * (1 - BACKOFF_JITTER)), `attempt ${attempt}: ${least}`);
    assert.equal(backoffDelay(attempt, () => 0.5), Math.round(full * (1 - BACKOFF_JITTER / 2)));
  }
  // A random source out of range cannot push the delay outside the bounds.
  assert.equal(backoffDelay(0, () => 7), Math.round(500 * (1 - BACKOFF_JITTER)));
  assert.equal(backoffDelay(0, () => -1), 500);
});

Deno.test("two clients with different random draws wait different times", () => {
  const a = backoffDelay(3, () => 0.1);
  const b = backoffDelay(3, () => 0.9);
  assert.notEqual(a, b);
});

Deno.test("the real sleep ends early when aborted and leaves no timer behind", async () => {
  const controller = new AbortController();
  const sleeping = realSleep(60_000, controller.signal);
  controller.abort();
  await sleeping;
  await realSleep(1, new AbortController().signal);
  await realSleep(60_000, AbortSignal.abort());
});
