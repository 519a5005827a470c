/**
 * When join and leave notices go out: one by one while they are rare, gathered for a window in
 * busy moments; the notice texts for one and for many joins or leaves, and their inverses.
 */

import assert from "node:assert/strict";
import { BATCH_BURST, BATCH_WINDOW_MS, NoticeBatcher } from "../../server/notice_batcher.ts";
import {
  isModerationLeave,
  joinedCount,
  joinNotice,
  leaveNotice,
  leftCount,
} from "../../server/notices.ts";
import { banLeaveReason, kickReason } from "../../server/moderation/notices.ts";
import { ManualClock } from "../helpers/clock.ts";
import { withServer } from "../helpers/server.ts";
import type { TestClient } from "../helpers/wire.ts";
import { leaveNotices, namesListed } from "../helpers/leave_notices.ts";

/** A batcher on a manual clock that records each window's end. */
function setup(options: { burst?: number; rate?: number; windowMs?: number } = {}) {
  const clock = new ManualClock();
  let flushes = 0;
  const batcher = new NoticeBatcher<string>({ clock, ...options }, () => flushes++);
  return { clock, batcher, flushes: () => flushes };
}

Deno.test("a burst of joins is announced one by one; the next ones are gathered", () => {
  const { batcher, clock, flushes } = setup();
  for (let i = 0; i < BATCH_BURST; i++) assert.equal(batcher.admit(`u${i}`), true, `join ${i}`);
  assert.equal(batcher.admit("late1"), false);
  assert.equal(batcher.admit("late2"), false);
  assert.equal(batcher.pending, 2);
  assert.equal(clock.pendingTimers, 1, "one window timer for the whole batch");
  clock.advance(BATCH_WINDOW_MS - 1);
  assert.equal(flushes(), 0);
  clock.advance(1);
  assert.equal(flushes(), 1, "the window's end asks the owner to announce");
  assert.deepEqual(batcher.drain(), ["late1", "late2"]);
  assert.equal(batcher.pending, 0);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("while a batch is open every join goes into it, even once tokens are back", () => {
  const { batcher, clock } = setup({ burst: 1, rate: 1000, windowMs: 100 });
  assert.equal(batcher.admit("a"), true);
  assert.equal(batcher.admit("b"), false);
  clock.advance(50); // a token is back, but announcing c now would put it before b
  assert.equal(batcher.admit("c"), false);
  assert.deepEqual(batcher.drain(), ["b", "c"]);
  assert.equal(batcher.admit("d"), true, "after the batch, single announcements resume");
});

Deno.test("single announcements come back at the steady rate", () => {
  const { batcher, clock } = setup({ burst: 2, rate: 5 });
  assert.equal(batcher.admit("a"), true);
  assert.equal(batcher.admit("b"), true);
  assert.equal(batcher.admit("c"), false);
  batcher.drain();
  clock.advance(199);
  assert.equal(batcher.admit("d"), false, "less than one token after 199 ms at 5/s");
  batcher.drain();
  clock.advance(1);
  assert.equal(batcher.admit("e"), true);
});

Deno.test("drain calls the window off; close announces later joins at once, no timer left", () => {
  const { batcher, clock, flushes } = setup({ burst: 0 });
  assert.equal(batcher.admit("a"), false);
  assert.deepEqual(batcher.drain(), ["a"]);
  assert.deepEqual(batcher.drain(), [], "nothing twice");
  assert.equal(clock.pendingTimers, 0);
  assert.equal(batcher.admit("b"), false);
  batcher.close();
  assert.equal(clock.pendingTimers, 0);
  assert.equal(batcher.admit("c"), true, "closed: no gathering");
  clock.advance(10_000);
  assert.equal(flushes(), 0);
  assert.deepEqual(batcher.drain(), ["b"], "what was gathered is still handed over");
});

Deno.test("join notice texts for one, a few and many names, and their counts", () => {
  const names = Array.from({ length: 50 }, (_, i) => `u${i}`);
  const cases: [number, string][] = [
    [1, "u0 joined"],
    [2, "u0 and u1 joined"],
    [3, "u0, u1 and u2 joined"],
    [4, "u0, u1, u2 and u3 joined"],
    [5, "u0, u1, u2 and 2 others joined"],
    [50, "u0, u1, u2 and 47 others joined"],
  ];
  for (const [count, text] of cases) {
    assert.equal(joinNotice(names.slice(0, count)), text);
    assert.equal(joinedCount(text), count, text);
  }
  assert.equal(joinNotice("alice"), "alice joined");
  assert.equal(joinNotice(names.slice(0, 5), 50), "u0, u1, u2 and 47 others joined");
  assert.equal(joinedCount("alice left (quit)"), 0);
  assert.equal(joinedCount("Welcome, alice! Online (1): alice"), 0);
});

Deno.test("leave notice texts for one, a few and many names, with or without a reason", () => {
  const names = Array.from({ length: 50 }, (_, i) => `u${i}`);
  const cases: [number, string | null, string][] = [
    [1, "closed", "u0 left (closed)"],
    [2, "closed", "u0 and u1 left (closed)"],
    [3, null, "u0, u1 and u2 left"],
    [4, null, "u0, u1, u2 and u3 left"],
    [5, "timed out", "u0, u1, u2 and 2 others left (timed out)"],
    [50, null, "u0, u1, u2 and 47 others left"],
  ];
  for (const [count, reason, text] of cases) {
    assert.equal(leaveNotice(names.slice(0, count), reason), text);
    assert.equal(leftCount(text), count, text);
    assert.equal(joinedCount(text), 0, text);
  }
  assert.equal(leaveNotice("alice", "quit: bye (for now)"), "alice left (quit: bye (for now))");
  assert.equal(leftCount("alice left (quit: bye (for now))"), 1);
  assert.equal(leftCount("alice joined"), 0);
  assert.equal(leftCount("error: you are muted (12m left)"), 0);
  assert.equal(leftCount("bob: set by alice 5m ago, spam, 1h 55m left"), 0);
});

Deno.test("kicks and bans are the leaves never gathered", () => {
  assert.equal(isModerationLeave(kickReason("op", "spam")), true);
  assert.equal(isModerationLeave(kickReason("op", "")), true);
  assert.equal(isModerationLeave(banLeaveReason("op", "flood")), true);
  for (const reason of ["quit", "closed", "timed out", "protocol error: x", "quit: kicked by"]) {
    assert.equal(isModerationLeave(reason), false, reason);
  }
});

/**
 * Everything `client` received up to `observer`'s chat line `text` (the line flushes gathered
 * joins first, so every join due before it has arrived by then).
 */
async function framesUntil(client: TestClient, text: string): Promise<string[]> {
  const notices: string[] = [];
  await client.waitForFrame((frame) => {
    if (frame.username === "") notices.push(frame.message);
    return frame.username === "observer" && frame.message === text;
  });
  return notices;
}

Deno.test("a login storm over sockets: every client hears of every later login exactly once", {
  sanitizeOps: true,
  sanitizeResources: true,
}, async () => {
  await withServer({}, async ({ login }) => {
    const observer = await login("observer");
    const names = Array.from({ length: 40 }, (_, i) => `user${i}`);
    const clients = await Promise.all(names.map(async (name) => {
      const client = await login(name);
      const welcome = client.received.find((f) => f.message.startsWith("Welcome, "));
      const online = Number(/Online \((\d+)\)/.exec(welcome?.message ?? "")?.[1]);
      return { client, name, online };
    }));
    await observer.say("done");
    await observer.say("/users"); // a barrier: the line above has gone out to everyone
    await observer.waitForNotice("Online (41)");
    const observerNotices = observer.received.filter((f) => f.username === "").map((f) => f.message)
      .filter((text) => joinedCount(text) > 0);
    assert.equal(observerNotices.reduce((sum, text) => sum + joinedCount(text), 0), 40);
    assert.ok(observerNotices.length < 40, `some joins announced together: ${observerNotices}`);
    for (const { client, name, online } of clients) {
      const joins = (await framesUntil(client, "done")).filter((text) => joinedCount(text) > 0);
      const told = joins.reduce((sum, text) => sum + joinedCount(text), 0);
      assert.equal(told, 41 - online, `${name} (welcomed with ${online} online): ${joins}`);
      assert.ok(joins.every((text) => !new RegExp(`\\b${name}\\b`).test(text)), name);
    }
  });
});

Deno.test("a crowd leaving over sockets: fewer notices that together count every leaver once", {
  sanitizeOps: true,
  sanitizeResources: true,
}, async () => {
  await withServer({}, async ({ login }) => {
    const observer = await login("observer");
    const names = Array.from({ length: 30 }, (_, i) => `leaver${i}`);
    const clients = await Promise.all(names.map((name) => login(name)));
    await Promise.all(clients.map((client) => client.close()));
    const leaves = await leaveNotices(observer, names.length);
    await observer.say("/users"); // a barrier: nothing more is on its way
    await observer.waitForNotice("Online (1)");
    assert.equal(leaves.reduce((sum, text) => sum + leftCount(text), 0), names.length);
    assert.ok(leaves.length < names.length, `some leaves announced together: ${leaves}`);
    assert.ok(leaves.every((text) => text.endsWith(" (closed)")), `${leaves}`);
    const listed = leaves.flatMap(namesListed);
    assert.equal(new Set(listed).size, listed.length, `no name twice: ${listed}`);
    assert.ok(listed.every((name) => names.includes(name)), `only leavers: ${listed}`);
    const extra = observer.received.filter((f) => f.username === "" && leftCount(f.message) > 0);
    assert.equal(extra.length, leaves.length, "no leave told after the count was complete");
  });
});

Deno.test("a crowd leaving during a shutdown's drain is still gathered; no timer is left", {
  sanitizeOps: true,
  sanitizeResources: true,
}, async () => {
  await withServer({}, async ({ login, server }) => {
    const observer = await login("observer");
    const names = Array.from({ length: 20 }, (_, i) => `leaver${i}`);
    const clients = await Promise.all(names.map((name) => login(name)));
    const stopping = server.shutdown({ drainSeconds: 30 });
    await Promise.all(clients.map((client) => client.close()));
    const leaves = await leaveNotices(observer, names.length);
    assert.ok(leaves.length < names.length, `some leaves announced together: ${leaves}`);
    await observer.say("/quit");
    await observer.expectClosed();
    await stopping;
  });
});
