/**
 * `--idle-timeout`: the sweep on its own, then a real server on a hand-driven clock with real
 * sockets: silent users are told and closed, keepalives (raw, and our client's own) keep a user
 * online, the login timeout still governs connections that never logged in, and with the option
 * off nothing is swept and no timer is left.
 */

import assert from "node:assert/strict";
import { ChatConnection } from "../../client/connection.ts";
import { type IdleCandidate, sweepIdle, sweepIntervalMs } from "../../server/idle_sweep.ts";
import { idleTimeoutNotice } from "../../server/notices.ts";
import { InvalidServerOptionError, startServer } from "../../server/mod.ts";
import { Session } from "../../server/session.ts";
import type { ChatServer } from "../../server/server.ts";
import { ManualClock } from "../helpers/clock.ts";
import { testServerOptions, withServer } from "../helpers/server.ts";
import { waitUntil } from "../helpers/wire.ts";
import { withTimeout } from "../helpers/timeout.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

/** The server's session for a logged-in name (its read time is what the sweep looks at). */
function sessionOf(server: ChatServer, key: string): Session {
  const member = server.room.find(key);
  assert.ok(member instanceof Session, `${key} is a session online`);
  return member;
}

/** Waits until the server has read something from `key` at the clock's current time. */
async function readNow(server: ChatServer, clock: ManualClock, key: string): Promise<void> {
  await waitUntil(
    () => sessionOf(server, key).lastReadAt === clock.now(),
    2000,
    `the server to read from ${key}`,
  );
}

Deno.test("the sweep runs every quarter of the timeout, at least every second", opts, () => {
  assert.equal(sweepIntervalMs(1), 1000);
  assert.equal(sweepIntervalMs(4), 1000);
  assert.equal(sweepIntervalMs(90), 22_500);
  assert.equal(sweepIntervalMs(3600), 900_000);
});

Deno.test("startServer refuses a bad idleTimeoutSeconds before binding anything", async () => {
  for (const idleTimeoutSeconds of [-1, 1.5, Number.NaN, 1e12]) {
    await assert.rejects(
      startServer(testServerOptions({ idleTimeoutSeconds }), { console: { log() {}, error() {} } }),
      (error: unknown) =>
        error instanceof InvalidServerOptionError && error.option === "idleTimeoutSeconds",
      String(idleTimeoutSeconds),
    );
  }
});

Deno.test("the sweep closes logged-in candidates silent for the timeout, only them", opts, () => {
  const kicked: string[] = [];
  const candidate = (name: string, loggedIn: boolean, lastReadAt: number): IdleCandidate => ({
    loggedIn,
    lastReadAt,
    kick: (text, reason) => kicked.push(`${name}: ${text} / ${reason}`),
  });
  const closed = sweepIdle(
    [
      candidate("silent", true, 0),
      candidate("exactly", true, 10_000),
      candidate("recent", true, 10_001),
      candidate("not-logged-in", false, 0),
    ],
    20_000,
    10,
  );
  assert.equal(closed, 2);
  const text = "error: no data for 10 s; closing (clients send a keepalive at least every 5 s)";
  assert.deepEqual(kicked, [`silent: ${text} / timed out`, `exactly: ${text} / timed out`]);
  assert.equal(idleTimeoutNotice(10), text);
  assert.equal(
    idleTimeoutNotice(90),
    "error: no data for 90 s; closing (clients send a keepalive at least every 45 s)",
  );
});

Deno.test(
  "a silent user is told and closed; the others see it left (timed out)",
  opts,
  async () => {
    const clock = new ManualClock();
    await withServer(
      { clock, options: { idleTimeoutSeconds: 4 } },
      async ({ server, login, console }) => {
        const alice = await login("alice");
        const bob = await login("bob");
        await alice.waitForNotice("bob joined");
        clock.advance(3000);
        await alice.sync(); // alice speaks at 3 s; bob has said nothing since his login at 0 s
        await readNow(server, clock, "alice");
        clock.advance(999);
        assert.equal(server.connectionCount(), 2, "nobody is closed before the timeout");
        clock.advance(1);
        const frames = await bob.expectClosed();
        assert.deepEqual(frames.map((f) => f.message), [idleTimeoutNotice(4)]);
        await alice.waitForNotice("bob left (timed out)");
        assert.match(
          await console.waitForLine("bob left"),
          /bob left from 127\.0\.0\.1:\d+ \(timed out\)$/,
        );
        await waitUntil(() => server.connectionCount() === 1, 2000, "bob's connection released");
        assert.deepEqual(server.onlineNames(), ["alice"]);
        // alice, silent since 3 s, goes at the first sweep 4 s after that (7 s).
        clock.advance(2999);
        assert.deepEqual(server.onlineNames(), ["alice"]);
        clock.advance(1);
        assert.deepEqual((await alice.expectClosed()).map((f) => f.message), [
          idleTimeoutNotice(4),
        ]);
      },
    );
    assert.equal(clock.pendingTimers, 0, "no timer is left after shutdown");
  },
);

Deno.test("keepalive frames keep a silent user online", opts, async () => {
  const clock = new ManualClock();
  await withServer({ clock, options: { idleTimeoutSeconds: 4 } }, async ({ server, login }) => {
    const alice = await login("alice");
    const bob = await login("bob");
    await alice.waitForNotice("bob joined");
    for (let i = 0; i < 10; i++) {
      clock.advance(2000);
      await bob.send({ username: "bob", message: "" });
      await readNow(server, clock, "bob");
      // alice's is a keepalive with no name: also allowed after the login (PROTOCOL.md §3).
      await alice.send({ username: "", message: "" });
      await readNow(server, clock, "alice");
    }
    assert.deepEqual(server.onlineNames(), ["alice", "bob"], "20 s of keepalives only");
    const seen = await alice.sync();
    assert.deepEqual(seen, [], "nobody saw anything of the keepalives");
  });
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("our client's own keepalive keeps it online through the idle timeout", opts, async () => {
  const clock = new ManualClock();
  await withServer({ clock, options: { idleTimeoutSeconds: 4 } }, async ({ server, login }) => {
    const watcher = await login("watcher");
    const conn = await ChatConnection.connect({
      host: server.addr.hostname,
      port: server.addr.port,
      name: "carol",
      keepaliveMs: 2000,
      keepaliveClock: clock,
    });
    try {
      assert.equal((await withTimeout(conn.login, 5000, "carol's login")).ok, true);
      await watcher.waitForNotice("carol joined");
      for (let i = 0; i < 10; i++) {
        // Each step passes the client's keepalive (every 2 s) and the server's sweeps.
        clock.advance(2000);
        await readNow(server, clock, "carol");
        await watcher.say("still here");
        await readNow(server, clock, "watcher");
      }
      assert.deepEqual(server.onlineNames(), ["carol", "watcher"]);
      assert.equal(conn.isClosed, false);
    } finally {
      conn.close();
      await conn.closed;
    }
  });
  assert.equal(clock.pendingTimers, 0, "neither the server's nor the client's timer is left");
});

Deno.test("a connection that never logs in is left to the login timeout", opts, async () => {
  const clock = new ManualClock();
  await withServer(
    { clock, options: { idleTimeoutSeconds: 2, loginTimeoutSeconds: 10 } },
    async ({ server, connect }) => {
      const stranger = await connect();
      await waitUntil(() => server.connectionCount() === 1, 2000, "the stranger's connection");
      clock.advance(9_999);
      assert.equal(server.connectionCount(), 1, "the idle sweep leaves it alone");
      clock.advance(1);
      assert.deepEqual(await stranger.expectClosed(), [], "the login timeout closes it, silently");
    },
  );
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("with the option off nothing is swept and the sweep has no timer", opts, async () => {
  const off = new ManualClock();
  const on = new ManualClock();
  await withServer({ clock: off }, async ({ server, login }) => {
    await withServer({ clock: on, options: { idleTimeoutSeconds: 60 } }, () => {
      assert.equal(on.pendingTimers, off.pendingTimers + 1, "the sweep is the one extra timer");
      return Promise.resolve();
    });
    const alice = await login("alice");
    off.advance(24 * 3600 * 1000);
    await alice.sync();
    assert.deepEqual(server.onlineNames(), ["alice"], "a day of silence, still online");
  });
  assert.equal(off.pendingTimers, 0);
  assert.equal(on.pendingTimers, 0);
});
