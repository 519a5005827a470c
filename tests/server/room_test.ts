/**
 * The room without sockets: members are recorders of the bytes they are handed.
 */

import assert from "node:assert/strict";
import { decodeFrame, encodeFrame, type Frame, notice, usernameKey } from "../../protocol/mod.ts";
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
  const room = new Room({ batching: { clock, burst: 2, rate: 0, windowMs: 100 } });
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

/** A member that learns joins and leaves from the room's events (an IRC client). */
class Follower extends Recorder {
  readonly followsEvents = true;
}

/**
 * A batching room (two single announcements, then 100 ms windows) whose members are online and
 * have been told everything so far, with both token buckets empty: the next join or leave is
 * gathered.
 */
function busyRoom(names: string[]): { room: Room; clock: ManualClock; members: Recorder[] } {
  const clock = new ManualClock();
  const room = new Room({ batching: { clock, burst: 2, rate: 0, windowMs: 100 } });
  const members = names.map((n) => new Recorder(n));
  for (const m of members) room.join(m);
  clock.advance(100);
  const spent = [new Recorder("spent1"), new Recorder("spent2")];
  for (const m of spent) room.join(m);
  for (const m of spent) room.leave(m, "quit");
  clock.advance(100);
  for (const m of members) m.deliveries.length = 0;
  return { room, clock, members };
}

Deno.test("rare leaves are announced one by one at once, with their reasons", () => {
  const clock = new ManualClock();
  const room = new Room({ batching: { clock, burst: 2, rate: 0, windowMs: 100 } });
  const [a, b, c] = ["a", "b", "c"].map((n) => new Recorder(n));
  for (const m of [a, b, c]) room.join(m);
  room.leave(b, "closed");
  room.leave(c, "timed out");
  assert.deepEqual(a.texts.slice(1), [
    "b joined",
    "c joined",
    "b left (closed)",
    "c left (timed out)",
  ]);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("busy moment: leaves gathered into one shared notice for those who remain", () => {
  const { room, clock, members } = busyRoom(["obs", "obs2", "a", "b", "c", "d", "e", "f"]);
  const [obs, obs2, ...leavers] = members;
  const events: RoomEvent[] = [];
  room.subscribe((e) => events.push(e));
  for (const m of leavers.slice(0, 2)) room.leave(m, "closed");
  assert.equal(events.length, 2, "every leave is an event at once (console, cluster bus, IRC)");
  assert.equal(room.size, 6, "gathered leavers are gone at once");
  assert.deepEqual(obs.texts, [], "nothing told before the window ends");
  clock.advance(99);
  assert.deepEqual(obs.texts, []);
  clock.advance(1);
  assert.deepEqual(obs.texts, ["a and b left (closed)"], "one shared reason is kept");
  assert.equal(obs.deliveries[0], obs2.deliveries[0], "one encoding shared by all");
  for (const m of leavers.slice(2)) room.leave(m, m.name === "e" ? "timed out" : "closed");
  clock.advance(100);
  assert.deepEqual(obs.texts.slice(1), ["c, d, e and f left"], "mixed reasons are dropped");
  for (const m of leavers.slice(0, 2)) assert.deepEqual(m.texts, [], "no leaver hears of it");
  for (const m of leavers.slice(2)) assert.deepEqual(m.texts, ["a and b left (closed)"]);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("past four names a gathered leave counts the others", () => {
  const names = Array.from({ length: 50 }, (_, i) => `u${String(i).padStart(2, "0")}`);
  const { room, clock, members } = busyRoom(["obs", ...names]);
  for (const m of members.slice(1)) room.leave(m, "connection reset");
  clock.advance(100);
  assert.deepEqual(members[0].texts, ["u00, u01, u02 and 47 others left (connection reset)"]);
});

Deno.test("kicks and bans are never gathered: told on their own, after what was gathered", () => {
  const { room, clock, members } = busyRoom(["obs", "a", "b", "c", "d"]);
  const [obs, a, b, c, d] = members;
  room.leave(a, "closed");
  room.leave(b, "closed");
  room.leave(c, "kicked by op: spam");
  assert.deepEqual(obs.texts, ["a and b left (closed)", "c left (kicked by op: spam)"]);
  assert.equal(clock.pendingTimers, 0, "nothing left gathered");
  room.leave(d, "banned by op: flood");
  assert.deepEqual(obs.texts.slice(2), ["d left (banned by op: flood)"], "at once, buckets empty");
});

Deno.test("gathered leaves are announced before anything the room sends next", () => {
  const cases: [string, (room: Room, a: Recorder, b: Recorder) => void, string][] = [
    ["a message", (room, a) => room.broadcast(a, "hi"), "a: hi"],
    ["an action", (room, a) => room.action(a, "waves"), "* a waves"],
    ["a private message", (room, a) => room.sendPrivate(a, "b", "psst"), "[private] a: psst"],
    ["a server notice", (room) => room.announce("cluster link down"), "cluster link down"],
    [
      "a /users reply",
      (room, _a, b) => b.deliver(encodeFrame(notice(room.userList()))),
      "Online (2): a, b",
    ],
  ];
  for (const [what, act, expected] of cases) {
    const { room, clock, members } = busyRoom(["a", "b", "gone"]);
    const [a, b, gone] = members;
    room.leave(gone, "quit");
    act(room, a, b);
    assert.deepEqual(b.texts, ["gone left (quit)", expected], what);
    assert.equal(clock.pendingTimers, 0, `${what}: the window is called off`);
  }
});

Deno.test("a leave then a login of the same name: the leave is told first", () => {
  const { room, clock, members } = busyRoom(["obs", "alice"]);
  const [obs, alice] = members;
  room.leave(alice, "connection reset");
  const again = new Recorder("alice");
  assert.equal(room.join(again), true);
  assert.deepEqual(obs.texts, ["alice left (connection reset)"]);
  assert.deepEqual(
    again.texts,
    ["Welcome, alice! Online (2): alice, obs"],
    "not told its own leave",
  );
  clock.advance(100);
  assert.deepEqual(obs.texts, ["alice left (connection reset)", "alice joined"]);
});

Deno.test("a gathered join then the same member's leave: the join is told first", () => {
  const { room, clock, members } = busyRoom(["obs", "x"]);
  const [obs, x] = members;
  const carol = new Recorder("carol");
  room.join(carol); // gathered
  room.leave(carol, "closed"); // announces the join, then is gathered itself
  room.leave(x, "closed");
  assert.deepEqual(obs.texts, ["carol joined"]);
  clock.advance(100);
  assert.deepEqual(obs.texts, ["carol joined", "carol and x left (closed)"]);
});

Deno.test("joins and leaves gathered in turn keep their order for everyone", () => {
  const { room, clock, members } = busyRoom(["obs", "a", "b"]);
  const [obs, a, b] = members;
  const [n1, n2] = ["n1", "n2"].map((n) => new Recorder(n));
  room.leave(a, "quit");
  room.join(n1);
  room.join(n2);
  room.leave(b, "quit");
  room.leave(n1, "quit");
  clock.advance(100);
  assert.deepEqual(obs.texts, ["a left (quit)", "n1 and n2 joined", "b and n1 left (quit)"]);
  assert.deepEqual(n2.texts.slice(1), ["b and n1 left (quit)"]);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("members that follow events get no gathered leave notice, only one event per leave", () => {
  const { room, clock, members } = busyRoom(["obs", "a", "b"]);
  const irc = new Follower("irc");
  room.join(irc);
  clock.advance(100);
  const events: RoomEvent[] = [];
  room.subscribe((e) => events.push(e));
  room.leave(members[1], "closed");
  room.leave(members[2], "closed");
  clock.advance(100);
  assert.deepEqual(members[0].texts.slice(-1), ["a and b left (closed)"]);
  assert.deepEqual(irc.deliveries, []);
  assert.deepEqual(events.map(facts), [
    { kind: "left", name: "a", reason: "closed" },
    { kind: "left", name: "b", reason: "closed" },
  ]);
});

Deno.test("close announces gathered leaves, leaves no timer, and later leaves go out at once", () => {
  const { room, clock, members } = busyRoom(["obs", "a", "b", "c"]);
  const [obs, a, b, c] = members;
  room.leave(a, "closed");
  room.leave(b, "closed");
  room.close();
  assert.deepEqual(obs.texts, ["a and b left (closed)"]);
  assert.equal(clock.pendingTimers, 0);
  room.leave(c, "closed");
  assert.deepEqual(obs.texts.slice(1), ["c left (closed)"]);
  assert.equal(clock.pendingTimers, 0);
});
