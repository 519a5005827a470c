/**
 * One server session over a scripted connection: frames split over reads, many frames in one
 * read, the reused read buffer, write failures, and the mapping of socket errors to reasons.
 */

import assert from "node:assert/strict";
import { decodeFrame, encodeFrame, type Frame, FrameDecoder } from "../../protocol/mod.ts";
import { ServerConsole } from "../../server/console.ts";
import { DEFAULT_SERVER_OPTIONS } from "../../server/options.ts";
import { Room } from "../../server/room.ts";
import { type Connection, connectionFailureReason, Session } from "../../server/session.ts";
import { ManualClock } from "../helpers/clock.ts";
import { CapturedConsole } from "../helpers/server.ts";
import { testCommands } from "../helpers/history.ts";

/**
 * A connection fed by the test. Each read copies the next chunk into the session's buffer and
 * then scribbles over the rest of that buffer, so a decoder that kept a reference would break.
 */
class ScriptedConnection implements Connection {
  readonly remoteAddr: Deno.NetAddr = { transport: "tcp", hostname: "192.0.2.7", port: 4242 };
  readonly written: Uint8Array[] = [];
  readonly buffers = new Set<Uint8Array>();
  closed = false;
  writeError: Error | null = null;
  #chunks: (Uint8Array | null | Error)[] = [];
  #waiting: (() => void) | null = null;

  feed(...chunks: (Uint8Array | null | Error)[]): void {
    this.#chunks.push(...chunks);
    this.#waiting?.();
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    this.buffers.add(buffer);
    while (this.#chunks.length === 0) {
      if (this.closed) throw new Deno.errors.BadResource("closed");
      await new Promise<void>((resolve) => this.#waiting = resolve);
      this.#waiting = null;
    }
    if (this.closed) throw new Deno.errors.BadResource("closed");
    const next = this.#chunks[0];
    if (next === null) return null;
    if (next instanceof Error) throw next;
    const count = Math.min(buffer.length, next.length);
    buffer.set(next.subarray(0, count));
    buffer.fill(0xee, count);
    if (count === next.length) this.#chunks.shift();
    else this.#chunks[0] = next.subarray(count);
    return count;
  }

  write(bytes: Uint8Array): Promise<number> {
    if (this.writeError !== null) return Promise.reject(this.writeError);
    this.written.push(bytes.slice());
    return Promise.resolve(bytes.length);
  }

  close(): void {
    this.closed = true;
    this.#waiting?.();
  }

  frames(): Frame[] {
    const decoder = new FrameDecoder({ maxMessageBytes: 1 << 24 });
    return this.written.flatMap((chunk) =>
      decoder.push(chunk).map((r) => {
        if (!r.ok) throw r.error;
        return r.frame;
      })
    );
  }
}

function setup() {
  const room = new Room();
  const clock = new ManualClock();
  const sink = new CapturedConsole();
  const ctx = {
    room,
    clock,
    options: { ...DEFAULT_SERVER_OPTIONS, floodRate: 0 },
    console: new ServerConsole(sink, clock),
    commands: testCommands(room, clock),
  };
  return { room, clock, sink, ctx };
}

/** A room member that records what it is given. */
function listener(room: Room, name: string): Frame[] {
  const frames: Frame[] = [];
  room.join({ name, key: name, deliver: (bytes) => frames.push(decodeFrame(bytes)) });
  frames.length = 0;
  return frames;
}

Deno.test("a login and messages arriving one byte at a time are decoded whole", async () => {
  const { room, ctx } = setup();
  const bob = listener(room, "bob");
  const conn = new ScriptedConnection();
  const session = new Session(conn, ctx);
  const running = session.run();
  const bytes = [
    ...encodeFrame({ username: "alice", message: "first" }),
    ...encodeFrame({ username: "x", message: "é".repeat(3000) }),
  ];
  conn.feed(...bytes.map((b) => new Uint8Array([b])), null);
  await running;
  assert.deepEqual(bob, [
    { username: "", message: "alice joined" },
    { username: "alice", message: "first" },
    { username: "alice", message: "é".repeat(3000) },
    { username: "", message: "alice left (closed)" },
  ]);
  assert.equal(conn.closed, true);
});

Deno.test("many frames in one read are all handled, in order", async () => {
  const { room, ctx } = setup();
  const bob = listener(room, "bob");
  const conn = new ScriptedConnection();
  const running = new Session(conn, ctx).run();
  const frames = [{ username: "alice", message: "" }];
  for (let i = 0; i < 200; i++) frames.push({ username: "alice", message: `m${i}` });
  const all = frames.map((f) => encodeFrame(f));
  const joined = new Uint8Array(all.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of all) {
    joined.set(f, at);
    at += f.length;
  }
  conn.feed(joined, null);
  await running;
  const texts = bob.filter((f) => f.username === "alice").map((f) => f.message);
  assert.deepEqual(texts, frames.slice(1).map((f) => f.message));
});

Deno.test("an idle session reads into a small buffer; a busy one switches to a larger one", async () => {
  const { ctx } = setup();
  const conn = new ScriptedConnection();
  const running = new Session(conn, ctx).run();
  conn.feed(encodeFrame({ username: "alice", message: "" }));
  conn.feed(encodeFrame({ username: "alice", message: "x".repeat(50_000) }), null);
  await running;
  const sizes = [...conn.buffers].map((b) => b.length);
  assert.ok(sizes[0] <= 4096, `idle buffer ${sizes[0]} bytes`);
  assert.ok(sizes.length === 2 && sizes[1] > sizes[0], `sizes ${sizes}`);
});

Deno.test("a failed write ends the session once, announced as a connection reset", async () => {
  const { room, ctx, sink } = setup();
  const bob = listener(room, "bob");
  const conn = new ScriptedConnection();
  const session = new Session(conn, ctx);
  const running = session.run();
  conn.feed(encodeFrame({ username: "alice", message: "" }));
  await new Promise((resolve) => setTimeout(resolve, 0));
  conn.writeError = new Deno.errors.BrokenPipe("Broken pipe (os error 32)");
  room.announce("anyone there?");
  await running;
  assert.deepEqual(bob.map((f) => f.message), [
    "alice joined",
    "anyone there?",
    "alice left (connection reset)",
  ]);
  assert.equal(session.endReason, "connection reset");
  assert.equal(sink.lines.filter((l) => l.includes("alice left")).length, 1);
});

Deno.test("a read error ends the session with its reason", async () => {
  const { room, ctx } = setup();
  const bob = listener(room, "bob");
  const conn = new ScriptedConnection();
  const running = new Session(conn, ctx).run();
  conn.feed(
    encodeFrame({ username: "alice", message: "" }),
    new Deno.errors.ConnectionReset("Connection reset by peer (os error 104)"),
  );
  await running;
  assert.deepEqual(bob.map((f) => f.message), ["alice joined", "alice left (connection reset)"]);
});

Deno.test("the welcome comes first for the newcomer; its own message is not echoed", async () => {
  const { room, ctx } = setup();
  listener(room, "bob");
  const conn = new ScriptedConnection();
  const running = new Session(conn, ctx).run();
  conn.feed(encodeFrame({ username: "alice", message: "hi" }), null);
  await running;
  assert.deepEqual(conn.frames(), [{
    username: "",
    message: "Welcome, alice! Online (2): alice, bob",
  }]);
});

Deno.test("socket errors map to short leave reasons", () => {
  assert.equal(connectionFailureReason(new Deno.errors.ConnectionReset("x")), "connection reset");
  assert.equal(connectionFailureReason(new Deno.errors.BrokenPipe("x")), "connection reset");
  assert.equal(connectionFailureReason(new Deno.errors.ConnectionAborted("x")), "connection reset");
  assert.equal(
    connectionFailureReason(new Error("Timed out (os error 110)")),
    "connection error: Timed out",
  );
});
