/**
 * The flush moderation policy: no gap while quiet, a gap that gives about framesPerWrite frames
 * per write under load, capped by the write budget and the longest gap, measured per window.
 */

import assert from "node:assert/strict";
import {
  DEFAULT_FLUSH_POLICY,
  FlushPolicy,
  type FlushPolicyOptions,
  moderationGapMs,
} from "../../server/flush_policy.ts";

const options: FlushPolicyOptions = {
  windowMs: 100,
  quietDeliveriesPerSecond: 150_000,
  framesPerWrite: 12,
  maxWritesPerSecond: 60_000,
  maxGapMs: 100,
};

Deno.test("quiet load (a 100-client room at 5 msg/s each) writes at once", () => {
  // 100 senders x 5 msg/s x 99 recipients = 49,500 deliveries per second.
  assert.equal(moderationGapMs(4_950, 100, 100, options), 0);
  assert.equal(moderationGapMs(0, 0, 100, options), 0);
  assert.equal(moderationGapMs(10, 10, 0, options), 0);
});

Deno.test("a busy big room gets a gap worth about framesPerWrite frames per write", () => {
  // 1,000 members at 500 deliveries per second each: 12 frames take 24 ms to arrive.
  const gap = moderationGapMs(50_000, 1000, 100, options);
  assert.ok(Math.abs(gap - 24) < 1e-9, `gap ${gap}`);
});

Deno.test("the write budget lengthens the gap for many clients; maxGapMs caps it", () => {
  // A join storm: 10,000 clients, 2.5 million deliveries per second.
  const capped = moderationGapMs(250_000, 10_000, 100, options);
  assert.equal(capped, 100);
  const budget = moderationGapMs(250_000, 3_000, 100, options);
  assert.ok(Math.abs(budget - 50) < 1e-9, `3,000 clients at 60,000 writes/s: ${budget}`);
});

Deno.test("a room flooded by few recipients needs almost no gap", () => {
  // 200 members with 60,000 deliveries per second each: 12 frames arrive in 0.2 ms... but the
  // write budget (60,000 writes/s over 200 clients) allows one write per 3.3 ms each.
  const gap = moderationGapMs(1_200_000, 200, 100, options);
  assert.ok(gap > 3 && gap < 3.5, `gap ${gap}`);
});

Deno.test("the policy measures per window and recomputes the gap when one ends", () => {
  const policy = new FlushPolicy(1000, options);
  assert.equal(policy.gapMs, 0);
  const window = policy.window;
  for (let client = 0; client < 1000; client++) {
    for (let frame = 0; frame < 50; frame++) policy.count(frame === 0);
  }
  assert.equal(policy.tick(1099), false, "the window is not over");
  assert.equal(policy.window, window);
  assert.equal(policy.tick(1100), true);
  assert.notEqual(policy.window, window, "clients count themselves again in the new window");
  assert.ok(Math.abs(policy.gapMs - 24) < 1e-9, `gap ${policy.gapMs}`);
  // Then quiet for a long time: one long window with little in it.
  policy.count(true);
  assert.equal(policy.tick(60_000), true);
  assert.equal(policy.gapMs, 0);
});

Deno.test("the defaults are the measured ones (docs/performance.md)", () => {
  assert.deepEqual({ ...DEFAULT_FLUSH_POLICY }, { ...options, framesPerWrite: 8 });
  // fanout-big's room: 500,000 deliveries/s would allow 62,500 writes/s at 8 frames each; the
  // budget of 60,000 makes it 1,000 clients / 60,000 writes/s = 16.7 ms.
  const gap = moderationGapMs(50_000, 1000, 100);
  assert.ok(Math.abs(gap - 1000 / 60) < 1e-9, `gap ${gap}`);
});
