/**
 * The client's keepalive: the timing module on a hand-driven clock, then a real connection to a
 * scripted server, on a hand-driven clock (exact: none while sending) and on real timers (they
 * do arrive after a silence).
 */

import assert from "node:assert/strict";
import { ChatConnection, type ConnectOptions } from "../../client/connection.ts";
import { DEFAULT_KEEPALIVE_MS, Keepalive, systemKeepaliveClock } from "../../client/keepalive.ts";
import { startSession } from "../../client/session.ts";
import type { Frame } from "../../protocol/mod.ts";
import { ManualClock } from "../helpers/clock.ts";
import { FakeChatServer, type FakePeer } from "../helpers/fake_chat_server.ts";
import { withTimeout } from "../helpers/timeout.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

/** A keepalive on a manual clock that counts what it sent; `busy` is whatever the test sets. */
function manualKeepalive(intervalMs: number) {
  const clock = new ManualClock(0);
  const state = { busy: false, sent: [] as number[] };
  const keepalive = new Keepalive({
    intervalMs,
    clock,
    busy: () => state.busy,
    send: () => {
      state.sent.push(clock.now());
      keepalive.noteSent();
    },
  });
  return { clock, state, keepalive };
}

Deno.test("a keepalive goes out after each interval of silence, and only then", opts, () => {
  const { clock, state, keepalive } = manualKeepalive(30_000);
  keepalive.start();
  assert.equal(clock.pendingTimers, 1, "one timer");
  clock.advance(29_999);
  assert.deepEqual(state.sent, []);
  clock.advance(1);
  assert.deepEqual(state.sent, [30_000]);
  clock.advance(30_000);
  assert.deepEqual(state.sent, [30_000, 60_000]);
  assert.equal(clock.pendingTimers, 1, "still one timer, never more");
  keepalive.stop();
  assert.equal(clock.pendingTimers, 0);
  clock.advance(100_000);
  assert.deepEqual(state.sent, [30_000, 60_000], "nothing after stop");
});

Deno.test("sending postpones the keepalive; it counts from the last send", opts, () => {
  const { clock, state, keepalive } = manualKeepalive(30_000);
  keepalive.start();
  for (let i = 0; i < 10; i++) {
    clock.advance(20_000);
    keepalive.noteSent();
  }
  assert.deepEqual(state.sent, [], "never silent for 30 s");
  assert.equal(clock.pendingTimers, 1, "noteSent arms no timer");
  clock.advance(29_999);
  assert.deepEqual(state.sent, []);
  clock.advance(1);
  assert.deepEqual(state.sent, [230_000], "30 s after the last send");
  keepalive.stop();
});

Deno.test("no keepalive while a send is queued; the silence restarts then", opts, () => {
  const { clock, state, keepalive } = manualKeepalive(10_000);
  keepalive.start();
  state.busy = true;
  clock.advance(10_000);
  assert.deepEqual(state.sent, []);
  state.busy = false;
  clock.advance(9_999);
  assert.deepEqual(state.sent, []);
  clock.advance(1);
  assert.deepEqual(state.sent, [20_000]);
  keepalive.stop();
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("0 turns it off; start is once; stop before start leaves no timer", opts, () => {
  const off = manualKeepalive(0);
  off.keepalive.start();
  assert.equal(off.clock.pendingTimers, 0);
  assert.equal(off.keepalive.running, false);
  off.clock.advance(1_000_000);
  assert.deepEqual(off.state.sent, []);

  const on = manualKeepalive(1000);
  on.keepalive.start();
  on.keepalive.start();
  assert.equal(on.clock.pendingTimers, 1, "a second start adds nothing");
  on.keepalive.stop();
  on.keepalive.start();
  assert.equal(on.clock.pendingTimers, 0, "no restart after stop");

  const early = manualKeepalive(1000);
  early.keepalive.stop();
  early.keepalive.start();
  assert.equal(early.clock.pendingTimers, 0);
  assert.equal(DEFAULT_KEEPALIVE_MS, 30_000);
});

Deno.test("the real clock's timer can be cancelled", opts, async () => {
  let fired = false;
  const cancelled = systemKeepaliveClock.after(1, () => fired = true);
  cancelled.cancel();
  await new Promise<void>((resolve) => systemKeepaliveClock.after(5, resolve));
  assert.equal(fired, false);
});

/** A connection to a scripted server whose welcome has been sent; both closed afterwards. */
async function withLoggedIn(
  options: Omit<ConnectOptions, "host" | "port" | "name">,
  body: (it: { conn: ChatConnection; peer: FakePeer }) => Promise<void>,
): Promise<void> {
  const server = new FakeChatServer();
  let conn: ChatConnection | null = null;
  try {
    const connecting = ChatConnection.connect({
      host: "127.0.0.1",
      port: server.port,
      name: "alice",
      ...options,
    });
    const { peer, login } = await server.acceptLogin();
    assert.deepEqual(login, { username: "alice", message: "" });
    conn = await connecting;
    await peer.sendNotice("Welcome, alice! Online (1): alice");
    assert.equal((await withTimeout(conn.login, 5000, "the login")).ok, true);
    await body({ conn, peer });
  } finally {
    conn?.close();
    if (conn !== null) await conn.closed;
    server.close();
  }
}

const KEEPALIVE: Frame = { username: "alice", message: "" };

Deno.test(
  "over a socket: none before the login, none while sending, one after the silence",
  opts,
  async () => {
    const clock = new ManualClock(0);
    const server = new FakeChatServer();
    let conn: ChatConnection | null = null;
    try {
      const connecting = ChatConnection.connect({
        host: "127.0.0.1",
        port: server.port,
        name: "alice",
        keepaliveMs: 1000,
        keepaliveClock: clock,
      });
      const { peer } = await server.acceptLogin();
      conn = await connecting;
      clock.advance(10_000);
      assert.equal(clock.pendingTimers, 0, "no keepalive timer before the login is accepted");

      await peer.sendNotice("Welcome, alice! Online (1): alice");
      assert.equal((await withTimeout(conn.login, 5000, "the login")).ok, true);
      assert.equal(clock.pendingTimers, 1, "the keepalive's one timer");
      for (let i = 0; i < 10; i++) {
        clock.advance(600);
        assert.equal(conn.send(`line ${i}`), true);
        assert.equal(await conn.flush(), true);
      }
      for (let i = 0; i < 10; i++) {
        assert.deepEqual(await peer.nextFrame(), { username: "alice", message: `line ${i}` });
      }
      clock.advance(999);
      clock.advance(1);
      assert.deepEqual(await peer.nextFrame(), KEEPALIVE, "a keepalive after 1 s of silence");
      clock.advance(1000);
      assert.deepEqual(await peer.nextFrame(), KEEPALIVE, "and after each further second");

      conn.close();
      await conn.closed;
      assert.equal(clock.pendingTimers, 0, "the timer ends with the connection");
      assert.deepEqual(await peer.waitClosed(), [], "nothing else was sent");
    } finally {
      conn?.close();
      server.close();
    }
  },
);

Deno.test("over a socket, on real timers: keepalives arrive after each silence", opts, async () => {
  await withLoggedIn({ keepaliveMs: 100 }, async ({ conn, peer }) => {
    const start = performance.now();
    assert.deepEqual(await peer.nextFrame(2000), KEEPALIVE);
    const first = performance.now();
    assert.ok(first - start >= 90, `the first came after ${first - start} ms, not before 100`);
    assert.deepEqual(await peer.nextFrame(2000), KEEPALIVE);
    assert.ok(performance.now() - first >= 90, "the second a full interval later");
    // A message resets the silence: the next keepalive comes at least an interval after it.
    assert.equal(conn.send("hello"), true);
    const sentAt = performance.now();
    let frame = await peer.nextFrame(2000);
    // A keepalive already on its way when the message was queued may arrive first.
    if (frame?.message === "") frame = await peer.nextFrame(2000);
    assert.deepEqual(frame, { username: "alice", message: "hello" });
    assert.deepEqual(await peer.nextFrame(2000), KEEPALIVE);
    assert.ok(performance.now() - sentAt >= 90, "counted from the message");
  });
});

Deno.test("keepalive 0: no keepalive timer once logged in", opts, async () => {
  const clock = new ManualClock(0);
  await withLoggedIn({ keepaliveMs: 0, keepaliveClock: clock }, async ({ conn, peer }) => {
    assert.equal(clock.pendingTimers, 0);
    clock.advance(86_400_000);
    assert.equal(conn.send("still here"), true);
    assert.deepEqual(await peer.nextFrame(), { username: "alice", message: "still here" });
  });
});

Deno.test("a session passes its keepalive to each connection", opts, async () => {
  const server = new FakeChatServer();
  const session = startSession({
    host: "127.0.0.1",
    port: server.port,
    name: "alice",
    keepaliveMs: 50,
    quitTimeoutMs: 1000,
  });
  try {
    const { peer } = await server.acceptLogin();
    await peer.sendNotice("Welcome, alice! Online (1): alice");
    assert.deepEqual(await peer.nextFrame(2000), KEEPALIVE);
    const quitting = session.quit();
    let frame = await peer.nextFrame(2000);
    while (frame?.message === "") frame = await peer.nextFrame(2000);
    assert.deepEqual(frame, { username: "alice", message: "/quit" });
    peer.close();
    assert.equal((await quitting).kind, "quit");
  } finally {
    server.close();
    await session.quit();
  }
});
