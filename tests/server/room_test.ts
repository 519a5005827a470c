/**
 * The room without sockets: members are recorders of the bytes they are handed.
 */

import assert from "node:assert/strict";
import { decodeFrame, type Frame, usernameKey } from "../../protocol/mod.ts";
import { type Member, Room, type RoomEvent } from "../../server/room.ts";
import { ManualClock } from "../helpers/clock.ts";

class Recorder implements Member {
  readonly key: string;
  readonly deliveries: Uint8Array[] = [];
  constructor(readonly name: string) {
    this.key = usernameKey(name);
  }
  deliver(bytes: Uint8Array): void {
    this.deliveries.push(bytes);
  }
  get frames(): Frame[] {
    return this.deliveries.map((bytes) => decodeFrame(bytes));
  }
  get texts(): string[] {
    return this.frames.map((f) => (f.username === "" ? f.message : `${f.username}: ${f.message}`));
  }
}

/** An event's plain facts, without the member references a cluster bus uses. */
function facts(event: RoomEvent): Record<string, unknown> {
  const { member: _member, target: _target, ...rest } = event as RoomEvent & {
    member?: unknown;
    target?: unknown;
  };
  return rest;
}

Deno.test("join: welcome to the newcomer, join notice to the others, an event", () => {
  const room = new Room();
  const events: RoomEvent[] = [];
  room.subscribe((e) => events.push(e));
  const alice = new Recorder("alice");
  const bob = new Recorder("Bob");
  assert.equal(room.join(alice), true);
  assert.equal(room.join(bob), true);
  assert.deepEqual(alice.texts, ["Welcome, alice! Online (1): alice", "Bob joined"]);
  assert.deepEqual(bob.texts, ["Welcome, Bob! Online (2): alice, Bob"]);
  assert.deepEqual(events.map(facts), [
    { kind: "joined", name: "alice" },
    { kind: "joined", name: "Bob" },
  ]);
});

Deno.test("join refuses a taken name, case-insensitively, and changes nothing", () => {
  const room = new Room();
  const alice = new Recorder("alice");
  room.join(alice);
  const other = new Recorder("ALICE");
  assert.equal(room.join(other), false);
  assert.deepEqual(other.deliveries, []);
  assert.deepEqual(alice.texts, ["Welcome, alice! Online (1): alice"]);
  assert.equal(room.size, 1);
  assert.equal(room.find("alice"), alice);
});

Deno.test("names stay sorted case-insensitively through joins and leaves", () => {
  const room = new Room();
  const names = ["delta", "Alpha", "charlie", "bravo", "Echo"];
  const members = names.map((n) => new Recorder(n));
  for (const m of members) room.join(m);
  assert.deepEqual(room.names(), ["Alpha", "bravo", "charlie", "delta", "Echo"]);
  room.leave(members[2], "quit");
  assert.deepEqual(room.names(), ["Alpha", "bravo", "delta", "Echo"]);
  assert.deepEqual(room.names(2), ["Alpha", "bravo"]);
  assert.equal(room.userList(), "Online (4): Alpha, bravo, delta, Echo");
});

Deno.test("leave is announced once to those who remain; a second leave does nothing", () => {
  const room = new Room();
  const alice = new Recorder("alice");
  const bob = new Recorder("bob");
  room.join(alice);
  room.join(bob);
  assert.equal(room.leave(bob, "connection reset"), true);
  assert.equal(room.leave(bob, "closed"), false);
  assert.deepEqual(alice.texts.slice(1), ["bob joined", "bob left (connection reset)"]);
  assert.deepEqual(bob.texts, ["Welcome, bob! Online (2): alice, bob"]);
});

Deno.test("leave without announcing (shutdown) tells nobody", () => {
  const room = new Room();
  const alice = new Recorder("alice");
  const bob = new Recorder("bob");
  room.join(alice);
  room.join(bob);
  room.leave(bob, "server shutting down", { announce: false });
  assert.deepEqual(alice.texts, ["Welcome, alice! Online (1): alice", "bob joined"]);
});

Deno.test("a stale member with a taken key cannot remove the one online", () => {
  const room = new Room();
  const alice = new Recorder("alice");
  room.join(alice);
  assert.equal(room.leave(new Recorder("alice"), "closed"), false);
  assert.equal(room.size, 1);
});

Deno.test("broadcast: one encoding shared by every recipient, none for the sender", () => {
  const room = new Room();
  const members = ["a", "b", "c", "d"].map((n) => new Recorder(n));
  for (const m of members) room.join(m);
  for (const m of members) m.deliveries.length = 0;
  room.broadcast(members[0], "hello");
  assert.deepEqual(members[0].deliveries, []);
  const shared = members[1].deliveries[0];
  for (const m of members.slice(1)) {
    assert.equal(m.deliveries.length, 1);
    assert.equal(m.deliveries[0], shared, "the same Uint8Array, not a copy");
  }
  assert.deepEqual(decodeFrame(shared), { username: "a", message: "hello" });
});

Deno.test("private messages reach the target only, as a notice; unknown targets fail", () => {
  const room = new Room();
  const events: RoomEvent[] = [];
  const alice = new Recorder("alice");
  const bob = new Recorder("bob");
  const carol = new Recorder("carol");
  for (const m of [alice, bob, carol]) room.join(m);
  room.subscribe((e) => events.push(e));
  for (const m of [alice, bob, carol]) m.deliveries.length = 0;
  assert.equal(room.sendPrivate(alice, "bob", "psst"), "sent");
  assert.equal(room.sendPrivate(alice, "dave", "anyone?"), "offline");
  assert.deepEqual(bob.texts, ["[private] alice: psst"]);
  assert.deepEqual(alice.deliveries, []);
  assert.deepEqual(carol.deliveries, []);
  assert.deepEqual(events.map(facts), [{
    kind: "private",
    from: "alice",
    to: "bob",
    text: "psst",
  }]);
});

Deno.test("the welcome lists at most 100 names and counts the rest", () => {
  const room = new Room();
  for (let i = 0; i < 150; i++) room.join(new Recorder(`u${String(i).padStart(3, "0")}`));
  const newcomer = new Recorder("zz");
  room.join(newcomer);
  const welcome = newcomer.texts[0];
  assert.ok(welcome.startsWith("Welcome, zz! Online (151): u000, u001, "), welcome);
  assert.ok(welcome.endsWith("u099 and 51 more (type /users)"), welcome);
  assert.equal(room.userList().split(", ").length, 151);
});

Deno.test("events: joined, message, left, in order; unsubscribe stops them", () => {
  const room = new Room();
  const events: RoomEvent[] = [];
  const stop = room.subscribe((e) => events.push(e));
  const alice = new Recorder("alice");
  room.join(alice);
  room.broadcast(alice, "hi");
  room.leave(alice, "quit");
  stop();
  room.join(new Recorder("bob"));
  assert.deepEqual(events.map(facts), [
    { kind: "joined", name: "alice" },
    { kind: "message", from: "alice", text: "hi" },
    { kind: "left", name: "alice", reason: "quit" },
  ]);
});

/** A room that announces two joins one by one, then gathers them for 100 ms. */
function batchingRoom(): { room: Room; clock: ManualClock } {
  const clock = new ManualClock();
  const room = new Room({ joinBatching: { clock, burst: 2, rate: 0, windowMs: 100 } });
  return { room, clock };
}

Deno.test("busy moment: joins gathered into one shared notice; each newcomer hears of later ones", () => {
  const { room, clock } = batchingRoom();
  const events: RoomEvent[] = [];
  room.subscribe((e) => events.push(e));
  const [a, b, c, d, e, f, g] = ["a", "b", "c", "d", "e", "f", "g"].map((n) => new Recorder(n));
  room.join(a);
  room.join(b); // two announced one by one
  for (const m of [c, d, e, f, g]) room.join(m);
  assert.equal(events.length, 7, "every join is an event at once (console, cluster bus)");
  assert.equal(room.size, 7, "gathered members are in the room at once");
  assert.deepEqual(a.texts, ["Welcome, a! Online (1): a", "b joined"]);
  assert.deepEqual(g.texts, ["Welcome, g! Online (7): a, b, c, d, e, f, g"]);
  clock.advance(100);
  assert.deepEqual(a.texts.slice(2), ["c, d, e and 2 others joined"]);
  assert.deepEqual(b.texts.slice(1), ["c, d, e and 2 others joined"]);
  assert.equal(a.deliveries[2], b.deliveries[1], "one encoding shared by those online before");
  // Each newcomer was welcomed with those before it, and is told only of those after it.
  assert.deepEqual(c.texts.slice(1), ["d, e, f and g joined"]);
  assert.deepEqual(d.texts.slice(1), ["e, f and g joined"]);
  assert.deepEqual(e.texts.slice(1), ["f and g joined"]);
  assert.deepEqual(f.texts.slice(1), ["g joined"]);
  assert.deepEqual(g.texts.slice(1), []);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("gathered joins are announced before anything the room sends next", () => {
  const cases: [string, (room: Room, newcomer: Recorder) => void, string][] = [
    ["a message", (room, newcomer) => room.broadcast(newcomer, "hi"), "c: hi"],
    ["a leave", (room, newcomer) => room.leave(newcomer, "quit"), "c left (quit)"],
    [
      "a private message",
      (room, newcomer) => room.sendPrivate(newcomer, "a", "psst"),
      "[private] c: psst",
    ],
    ["a server notice", (room) => room.announce("cluster link down"), "cluster link down"],
  ];
  for (const [what, act, expected] of cases) {
    const { room, clock } = batchingRoom();
    const [a, b, c] = ["a", "b", "c"].map((n) => new Recorder(n));
    room.join(a);
    room.join(b);
    room.join(c); // gathered
    a.deliveries.length = 0;
    act(room, c);
    assert.deepEqual(a.texts, ["c joined", expected], what);
    assert.equal(clock.pendingTimers, 0, `${what}: the window is called off`);
  }
});

Deno.test("close announces what is gathered and stops gathering", () => {
  const { room, clock } = batchingRoom();
  const [a, b, c, d] = ["a", "b", "c", "d"].map((n) => new Recorder(n));
  for (const m of [a, b, c]) room.join(m);
  room.close();
  assert.deepEqual(a.texts.slice(1), ["b joined", "c joined"]);
  room.join(d);
  assert.deepEqual(a.texts.slice(3), ["d joined"], "after close, joins are announced at once");
  assert.equal(clock.pendingTimers, 0);
});
