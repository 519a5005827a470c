/**
 * server/clock.ts: `within`, the one bounded wait of the server, on the injected clock; and a
 * session's last flush bounded by that clock, not the real one.
 */

import assert from "node:assert/strict";
import { within } from "../../server/clock.ts";
import { CLOSE_FLUSH_MS } from "../../server/session.ts";
import { ManualClock } from "../helpers/clock.ts";
import { withServer } from "../helpers/server.ts";
import { waitUntil } from "../helpers/timeout.ts";

Deno.test("within: work settled in time is true and leaves no timer", async () => {
  const clock = new ManualClock();
  assert.equal(await within(clock, 1000, Promise.resolve("done")), true);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("within: false once the clock passes the bound, the work still pending", async () => {
  const clock = new ManualClock();
  const never = new Promise<void>(() => {});
  const waiting = within(clock, 1000, never);
  clock.advance(999);
  let settled = false;
  void waiting.then(() => settled = true);
  await Promise.resolve();
  assert.equal(settled, false);
  clock.advance(1);
  assert.equal(await waiting, false);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("within: a rejection is passed on and the timer cancelled", async () => {
  const clock = new ManualClock();
  await assert.rejects(within(clock, 1000, Promise.reject(new Error("gone"))), /gone/);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test(
  "a shutdown's last flush to a client that stopped reading ends on the server's clock",
  { sanitizeOps: true, sanitizeResources: true },
  async () => {
    const clock = new ManualClock();
    await withServer({ clock, options: { floodRate: 0, sendqBytes: 256 * 1024 * 1024 } }, async (
      { server, login },
    ) => {
      try {
        const sender = await login("alice");
        await login("bob"); // never reads again
        const big = "x".repeat(60_000);
        // 24 MB for bob: far more than loopback's socket buffers hold.
        for (let i = 0; i < 400; i++) await sender.say(big);
        await sender.sync(10_000); // every message is in bob's outbox now
        const start = clock.now();
        let settled = false;
        void server.shutdown().then(() => settled = true);
        // Moves the manual clock while waiting; well inside the real CLOSE_FLUSH_MS, so only
        // the manual clock can end the wait.
        await waitUntil(
          () => {
            if (!settled) clock.advance(50);
            return settled;
          },
          CLOSE_FLUSH_MS / 2,
          "the shutdown while the clock moves",
        );
        assert.ok(clock.now() - start >= CLOSE_FLUSH_MS, "the shutdown waited for bob's flush");
      } finally {
        // Whatever happened, the clock lets the shutdown of withServer finish.
        clock.advance(CLOSE_FLUSH_MS);
      }
    });
  },
);
