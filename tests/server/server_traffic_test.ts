/**
 * Traffic within every limit never gets an honest reader dropped: big bursts from several
 * senders, many private messages to one target, and a client's own requests (back-pressure).
 * Real sockets, the server's default limits unless a test says otherwise.
 */

import assert from "node:assert/strict";
import { encodeFrame, type Frame } from "../../protocol/mod.ts";
import { CapturedConsole, testServerOptions, withServer } from "../helpers/server.ts";
import { PacedReader } from "../helpers/paced_reader.ts";
import { TestClient, waitUntil } from "../helpers/wire.ts";
import { leftCount } from "../../server/notices.ts";
import { startServer } from "../../server/mod.ts";
import { type Member, Room } from "../../server/room.ts";
import type { ServerOptions } from "../../server/options.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };
/** The slowest reader that must never be dropped: 1 MB/s. */
const READER_RATE = 1_000_000;

/** `count` frames of `message` under `name`, as one buffer: one write. */
function frames(name: string, message: string, count: number): Uint8Array {
  const one = encodeFrame({ username: name, message });
  const out = new Uint8Array(one.length * count);
  for (let i = 0; i < count; i++) out.set(one, i * one.length);
  return out;
}

function isLeave(name: string): (frame: Frame) => boolean {
  return (frame) => frame.username === "" && frame.message.startsWith(`${name} left`);
}

Deno.test(
  "three senders, 30 messages of 64 KiB each in one write: a 1 MB/s reader is not dropped",
  opts,
  async () => {
    await withServer({}, async ({ server, login }) => {
      const reader = await PacedReader.login(server.addr, "reader", READER_RATE);
      try {
        await reader.waitFor((f) => f.message.startsWith("Welcome, "), 5000, "the welcome");
        const senders = await Promise.all(["s1", "s2", "s3"].map((name) => login(name)));
        const burst = "x".repeat(65_536);
        // Each sends its burst and then /quit: its leave notice follows everything it sent.
        await Promise.all(senders.map(async (sender) => {
          await sender.sendRaw(frames(sender.name, burst, 30));
          await sender.say("/quit");
          const seen = await sender.expectClosed(20_000);
          const flood = seen.filter((f) => f.message.includes("flood limit"));
          assert.ok(flood.length > 0, `${sender.name} was told its excess was dropped`);
        }));
        for (const name of ["s1", "s2", "s3"]) {
          await reader.waitFor(isLeave(name), 20_000, `${name}'s leave`);
        }
        const marker = await login("marker");
        await marker.say("still here?");
        await reader.waitFor((f) => f.message === "still here?", 20_000, "the marker's message");
        assert.equal(reader.ended, null);
        assert.ok(server.onlineNames().includes("reader"));
        const delivered = ["s1", "s2", "s3"].map((name) => reader.countFrom(name));
        for (const count of delivered) assert.ok(count >= 1, `delivered: ${delivered}`);
        assert.equal(reader.frames.filter((f) => f.message.includes("too slow")).length, 0);
      } finally {
        await reader.stop();
      }
    });
  },
);

Deno.test(
  "twenty clients /msg one target with 65,000 bytes every 0.1 s: the 1 MB/s target stays",
  opts,
  async () => {
    await withServer({}, async ({ server, login }) => {
      const victim = await PacedReader.login(server.addr, "victim", READER_RATE);
      try {
        await victim.waitFor((f) => f.message.startsWith("Welcome, "), 5000, "the welcome");
        const names = Array.from({ length: 20 }, (_, i) => `m${i}`);
        const senders = await Promise.all(names.map((name) => login(name)));
        const payload = `/msg victim ${"y".repeat(65_000)}`;
        const rounds = 25;
        await Promise.all(senders.map(async (sender) => {
          for (let round = 0; round < rounds; round++) {
            await sender.say(payload);
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          await sender.say("/quit");
          await sender.expectClosed(20_000);
        }));
        // Twenty leaves at once: some are told together (`m8, m9, m11 and 6 others left`).
        const told = () =>
          victim.frames.reduce((sum, f) => sum + (f.username === "" ? leftCount(f.message) : 0), 0);
        await waitUntil(() => told() >= names.length, 20_000, "every sender's leave");
        assert.equal(victim.ended, null);
        assert.ok(server.onlineNames().includes("victim"));
        const privates = victim.frames.filter((f) => f.message.startsWith("[private] "));
        assert.ok(privates.length >= 4, `private messages delivered: ${privates.length}`);
      } finally {
        await victim.stop();
      }
    });
  },
);

Deno.test(
  "private messages to one target are bounded for all senders together; the excess is refused",
  opts,
  async () => {
    await withServer({}, async ({ login }) => {
      const target = await login("target");
      const senders = await Promise.all(["p1", "p2", "p3", "p4", "p5"].map((n) => login(n)));
      const text = "z".repeat(65_000);
      // 4 x 65,000 bytes fit the default burst of 262,144; the fifth does not.
      for (const sender of senders.slice(0, 4)) {
        await sender.say(`/msg target ${text}`);
        await target.waitForNotice(`[private] ${sender.name}: `);
      }
      const last = senders[4];
      await last.say(`/msg target ${text}`);
      const refusal = await last.waitForNotice("receiving too many private messages");
      assert.equal(
        refusal.message,
        "error: target is receiving too many private messages; yours was not delivered",
      );
    });
  },
);

Deno.test(
  "the room's byte budget drops a flood of many senders, as flood drops, and no reader",
  opts,
  async () => {
    // Only the room's budget: the per-client byte limit is off here.
    const options = { roomBytes: 100_000, floodBytes: 0 };
    await withServer({ options }, async ({ login }) => {
      const reader = await login("reader");
      const senders = await Promise.all(["r1", "r2", "r3"].map((n) => login(n)));
      const text = "w".repeat(60_000);
      // The room holds 8 s of 100,000 bytes/s: 13 or 14 messages of 60,000 bytes, not 15.
      for (const sender of senders) await sender.sendRaw(frames(sender.name, text, 5));
      let dropped = 0;
      for (const sender of senders) {
        await sender.say("/quit");
        for (const frame of await sender.expectClosed()) {
          const match = frame.message.match(/flood limit: (\d+) message/);
          if (match !== null) dropped += Number(match[1]);
        }
      }
      for (const name of ["r1", "r2", "r3"]) await reader.waitForNotice(`${name} left`);
      const delivered = reader.received.filter((f) => f.message === text).length;
      assert.equal(delivered + dropped, 15);
      assert.ok(dropped >= 1, `dropped ${dropped}`);
    });
  },
);

/** A member that is only a name: a big room, simulated without its connections. */
function quietMember(name: string): Member {
  return { name, key: name, deliver: () => {} };
}

/** Runs `body` with a server whose room already holds `count` users with 32-byte names. */
async function withBigRoom(
  count: number,
  options: Partial<ServerOptions>,
  body: (addr: Deno.NetAddr) => Promise<void>,
): Promise<void> {
  const room = new Room();
  for (let i = 0; i < count; i++) room.join(quietMember(`u${String(i).padStart(31, "0")}`));
  const server = await startServer(testServerOptions(options), {
    room,
    console: new CapturedConsole(),
  });
  try {
    await body(server.addr);
  } finally {
    await server.shutdown();
  }
}

/** Sends `count` /users in one write and reads every reply; resolves with the reply count. */
async function usersInOneWrite(client: TestClient, count: number): Promise<number> {
  await client.sendRaw(frames(client.name, "/users", count));
  let replies = 0;
  while (replies < count) {
    const frame = await client.nextFrame(20_000, `reply ${replies + 1} of ${count}`);
    if (frame.message.startsWith("Online (")) replies++;
  }
  return replies;
}

Deno.test(
  "twelve /users in one write in a room of 3,000 32-byte names: twelve replies, not dropped",
  opts,
  async () => {
    await withBigRoom(3000, {}, async (addr) => {
      const client = await TestClient.connect(addr);
      try {
        await client.login("asker");
        assert.equal(await usersInOneWrite(client, 12), 12);
        await client.say("/users");
        await client.waitForNotice("Online (3001)");
      } finally {
        await client.close();
      }
    });
  },
);

Deno.test(
  "a client's own requests never overflow its send queue: the server stops reading them instead",
  opts,
  async () => {
    // The old 1 MiB bound and no flood control: 40 replies of about 100 KB are 4 MB asked for at
    // once. The server reads the requests only as fast as the client reads the replies.
    await withBigRoom(3000, { sendqBytes: 1_048_576, floodRate: 0 }, async (addr) => {
      const client = await TestClient.connect(addr);
      try {
        await client.login("asker");
        assert.equal(await usersInOneWrite(client, 40), 40);
      } finally {
        await client.close();
      }
    });
  },
);
