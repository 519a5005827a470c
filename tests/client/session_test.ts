import assert from "node:assert/strict";
import type { ChatConnection } from "../../client/connection.ts";
import type { Sleep } from "../../client/reconnect.ts";
import {
  type ChatSession,
  describeSessionEnd,
  type SessionEvent,
  startSession,
} from "../../client/session.ts";
import type { ChatServer } from "../../server/mod.ts";
import { FakeChatServer } from "../helpers/fake_chat_server.ts";
import { loggedIn, serve, withServerAndBob } from "../helpers/chat_peers.ts";
import { withTimeout } from "../helpers/timeout.ts";

/** Records a session's events and lets the test wait for one. */
class EventLog {
  readonly events: SessionEvent[] = [];
  readonly done: Promise<void>;
  #waiters: (() => void)[] = [];

  constructor(session: ChatSession) {
    this.done = (async () => {
      for await (const event of session.events()) {
        this.events.push(event);
        for (const wake of this.#waiters.splice(0)) wake();
      }
      for (const wake of this.#waiters.splice(0)) wake();
    })();
  }

  async waitFor<T extends SessionEvent["type"]>(
    type: T,
    predicate: (event: Extract<SessionEvent, { type: T }>) => boolean = () => true,
    after = 0,
  ): Promise<Extract<SessionEvent, { type: T }>> {
    return await withTimeout(
      (async () => {
        for (let i = after;; i++) {
          while (i >= this.events.length) {
            await new Promise<void>((resolve) => this.#waiters.push(resolve));
            if (i >= this.events.length && this.events.at(-1)?.type === "ended") {
              throw new Error(`session ended before a ${type} event`);
            }
          }
          const event = this.events[i];
          if (event.type === type && predicate(event as Extract<SessionEvent, { type: T }>)) {
            return event as Extract<SessionEvent, { type: T }>;
          }
        }
      })(),
      5000,
      `a ${type} event`,
    );
  }

  types(): string[] {
    return this.events.map((e) => e.type);
  }
}

/** A sleep the test releases by hand, recording what was asked for. */
class GateSleep {
  readonly delays: number[] = [];
  #pending: (() => void)[] = [];
  readonly sleep: Sleep = (ms, signal) => {
    this.delays.push(ms);
    return new Promise<void>((resolve) => {
      this.#pending.push(resolve);
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
  };
  release(): void {
    for (const wake of this.#pending.splice(0)) wake();
  }
}

async function nextChat(conn: ChatConnection): Promise<string> {
  for await (const event of conn.events()) {
    if (event.type === "frame" && event.kind === "chat") {
      return `${event.frame.username}: ${event.frame.message}`;
    }
  }
  return "(closed)";
}

Deno.test("lines sent before the welcome are queued and delivered after the login", async () => {
  const server = await serve();
  const bob = await loggedIn("bob", server.addr.port);
  const session = startSession({ host: "127.0.0.1", port: server.addr.port, name: "alice" });
  const log = new EventLog(session);
  try {
    assert.equal(session.send("first"), true);
    assert.equal(session.queued, 1);
    const online = await log.waitFor("online");
    assert.equal(online.reconnected, false);
    assert.match(online.welcome, /^Welcome, alice!/);
    assert.equal(await withTimeout(nextChat(bob), 5000, "bob's message"), "alice: first");
    assert.deepEqual(await withTimeout(session.quit(), 5000, "quit"), { kind: "quit", unsent: 0 });
    await log.done;
    assert.equal(log.types().at(-1), "ended");
  } finally {
    bob.close();
    await bob.closed;
    await session.quit();
    await server.shutdown();
  }
});

Deno.test("reconnects after the server restarts on the same port; the queued line arrives", async () => {
  let server = await serve();
  const port = server.addr.port;
  const gate = new GateSleep();
  const session = startSession({
    host: "127.0.0.1",
    port,
    name: "alice",
    reconnect: true,
    sleep: gate.sleep,
    backoff: (attempt) => 500 * 2 ** attempt,
  });
  const log = new EventLog(session);
  let bob: ChatConnection | undefined;
  try {
    await log.waitFor("online");
    await server.shutdown();
    const offline = await log.waitFor("offline");
    assert.equal(offline.reason.kind, "server-closed");
    const retrying = await log.waitFor("retrying");
    assert.deepEqual(retrying, { type: "retrying", attempt: 1, delayMs: 500 });
    assert.equal(session.send("sent while offline"), true);
    assert.equal(session.queued, 1);

    server = await serve(port);
    bob = await loggedIn("bob", port);
    gate.release();
    const back = await log.waitFor("online", (e) => e.reconnected);
    assert.equal(back.name, "alice");
    assert.equal(
      await withTimeout(nextChat(bob), 5000, "the queued line"),
      "alice: sent while offline",
    );
    assert.equal(await session.flush(), true);
    assert.equal(session.queued, 0);
  } finally {
    bob?.close();
    await bob?.closed;
    await session.quit();
    await log.done;
    await server.shutdown();
  }
});

Deno.test("with --reconnect, failed attempts back off further each time until one works", async () => {
  const free = await serve();
  const port = free.addr.port;
  await free.shutdown();
  const gate = new GateSleep();
  const session = startSession({
    host: "127.0.0.1",
    port,
    name: "alice",
    reconnect: true,
    sleep: gate.sleep,
    backoff: (attempt) => 500 * 2 ** attempt,
  });
  const log = new EventLog(session);
  let server: ChatServer | undefined;
  try {
    const first = await log.waitFor("connect-failed");
    assert.equal(first.attempt, 0);
    assert.match(first.message, /connection refused/);
    await log.waitFor("retrying", (e) => e.attempt === 1);
    gate.release();
    await log.waitFor("connect-failed", (e) => e.attempt === 1);
    await log.waitFor("retrying", (e) => e.attempt === 2);
    assert.deepEqual(gate.delays, [500, 1000]);
    server = await serve(port);
    gate.release();
    await log.waitFor("online");
  } finally {
    await session.quit();
    await log.done;
    await server?.shutdown();
  }
});

Deno.test("a refused login is not retried, even with reconnect", async () => {
  await withServerAndBob(async ({ port }) => {
    const gate = new GateSleep();
    const session = startSession({
      host: "127.0.0.1",
      port,
      name: "BOB",
      reconnect: true,
      sleep: gate.sleep,
    });
    const log = new EventLog(session);
    const end = await withTimeout(session.done, 5000, "the session to end");
    assert.equal(end.kind, "refused");
    assert.match(describeSessionEnd(end), /^login refused: name .*taken/);
    await log.done;
    assert.equal(gate.delays.length, 0, "no retry was scheduled");
    assert.ok(!log.types().includes("retrying"));
    assert.equal(session.send("late"), false);
  });
});

Deno.test("after a refusal, onRefused can give another name to try", async () => {
  await withServerAndBob(async ({ port }) => {
    const asked: string[] = [];
    const session = startSession({
      host: "127.0.0.1",
      port,
      name: "bob",
      onRefused: (message) => {
        asked.push(message);
        return Promise.resolve("carol");
      },
    });
    const log = new EventLog(session);
    try {
      const online = await log.waitFor("online");
      assert.equal(online.name, "carol");
      assert.equal(session.name, "carol");
      assert.equal(asked.length, 1);
      assert.match(asked[0], /taken/);
    } finally {
      await session.quit();
      await log.done;
    }
  });
});

Deno.test("without reconnect, an unreachable server and a lost one end the session", async () => {
  const server = await serve();
  const port = server.addr.port;
  const session = startSession({ host: "127.0.0.1", port, name: "alice" });
  const log = new EventLog(session);
  await log.waitFor("online");
  await server.shutdown();
  const end = await withTimeout(session.done, 5000, "the end");
  assert.equal(end.kind, "closed");
  assert.match(describeSessionEnd(end), /server shutting down/);
  await log.done;

  const again = startSession({ host: "127.0.0.1", port, name: "alice" });
  const end2 = await withTimeout(again.done, 5000, "the end");
  assert.deepEqual(end2, {
    kind: "unreachable",
    message: `cannot connect to 127.0.0.1:${port}: connection refused`,
  });
  assert.equal(await again.flush(), true);
});

Deno.test("the offline queue is bounded: the oldest lines are dropped and reported", async () => {
  const fake = new FakeChatServer();
  const session = startSession({
    host: "127.0.0.1",
    port: fake.port,
    name: "al",
    maxQueuedLines: 3,
  });
  const log = new EventLog(session);
  try {
    const { peer, login } = await fake.acceptLogin();
    assert.deepEqual(login, { username: "al", message: "" });
    for (const text of ["1", "2", "3", "4", "5"]) assert.equal(session.send(text), true);
    assert.equal(session.queued, 3);
    await log.waitFor("dropped", (e) => e.text === "2");
    const dropped = log.events.filter((e) => e.type === "dropped");
    assert.deepEqual(dropped, [
      { type: "dropped", text: "1", limit: 3 },
      { type: "dropped", text: "2", limit: 3 },
    ]);
    await peer.sendNotice("Welcome, al! Online (1): al");
    const got = [await peer.nextFrame(), await peer.nextFrame(), await peer.nextFrame()];
    assert.deepEqual(got.map((f) => f?.message), ["3", "4", "5"]);
    const quitting = session.quit();
    assert.deepEqual(await peer.nextFrame(), { username: "al", message: "/quit" });
    peer.close();
    assert.deepEqual(await quitting, { kind: "quit", unsent: 0 });
  } finally {
    await session.quit();
    await log.done;
    fake.close();
  }
});

Deno.test("quit during a backoff wait ends at once and counts unsent lines", async () => {
  const fake = new FakeChatServer();
  const gate = new GateSleep();
  const session = startSession({
    host: "127.0.0.1",
    port: fake.port,
    name: "al",
    reconnect: true,
    sleep: gate.sleep,
  });
  const log = new EventLog(session);
  try {
    const { peer } = await fake.acceptLogin();
    await peer.sendNotice("Welcome, al! Online (1): al");
    await log.waitFor("online");
    peer.close();
    await log.waitFor("retrying");
    session.send("pending");
    assert.deepEqual(await withTimeout(session.quit(), 5000, "quit"), { kind: "quit", unsent: 1 });
    await log.done;
  } finally {
    fake.close();
  }
});

Deno.test("queued lines go out paced: a burst, then one per interval, in order", async () => {
  const fake = new FakeChatServer();
  let now = 0;
  const waits: number[] = [];
  const session = startSession({
    host: "127.0.0.1",
    port: fake.port,
    name: "al",
    sendRate: 1,
    sendBurst: 2,
    clock: () => now,
    sleep: (ms) => {
      waits.push(ms);
      now += ms;
      return Promise.resolve();
    },
  });
  const log = new EventLog(session);
  try {
    const { peer } = await fake.acceptLogin();
    for (const text of ["1", "2", "3", "4", "5"]) session.send(text);
    await peer.sendNotice("Welcome, al! Online (1): al");
    const got: (string | undefined)[] = [];
    for (let i = 0; i < 5; i++) got.push((await peer.nextFrame())?.message);
    assert.deepEqual(got, ["1", "2", "3", "4", "5"]);
    assert.deepEqual(waits, [1000, 1000, 1000]);
    assert.equal(await withTimeout(session.flush(), 5000, "flush"), true);
    const quitting = session.quit();
    assert.deepEqual(await peer.nextFrame(), { username: "al", message: "/quit" });
    peer.close();
    await quitting;
  } finally {
    await session.quit();
    await log.done;
    fake.close();
  }
});
