import assert from "node:assert/strict";
import { encodeFrame, type Frame } from "../../protocol/mod.ts";
import { startServer } from "../../server/mod.ts";
import { joinedCount, leftCount } from "../../server/notices.ts";
import { ManualClock } from "../helpers/clock.ts";
import { CapturedConsole, testServerOptions, withServer } from "../helpers/server.ts";
import { waitUntil, withTimeout } from "../helpers/timeout.ts";
import { TestClient } from "../helpers/wire.ts";
import { namesListed } from "../helpers/leave_notices.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

/** The join and leave notices among frames, as `+name` and `-name (reason)`. */
function roomNotices(frames: readonly Frame[]): string[] {
  const out: string[] = [];
  for (const f of frames) {
    if (f.username !== "") continue;
    const joined = /^(\S+) joined$/.exec(f.message);
    if (joined) out.push(`+${joined[1]}`);
    const left = /^(\S+) left \((.*)\)$/.exec(f.message);
    if (left) out.push(`-${left[1]} (${left[2]})`);
  }
  return out;
}

/**
 * Asserts the observer has seen exactly these departures, each once, in everything it ever
 * received (waiting, with /users as a barrier, until they are all there).
 */
async function expectDepartures(observer: TestClient, names: string[]): Promise<void> {
  const departures = () =>
    roomNotices(observer.received)
      .filter((n) => n.startsWith("-"))
      .map((n) => n.replace(/ \(.*\)$/, ""));
  const deadline = Date.now() + 5000;
  while (departures().length < names.length && Date.now() < deadline) await observer.sync();
  await observer.sync();
  assert.deepEqual(departures().sort(), names.map((n) => `-${n}`).sort());
}

Deno.test(
  "a client killed mid-frame is announced once and the room stays consistent",
  opts,
  async () => {
    await withServer({}, async ({ server, login }) => {
      const alice = await login("alice");
      const victim = await login("victim");
      await alice.waitForNotice("victim joined");
      const frame = encodeFrame({ username: "victim", message: "this frame never ends" });
      await victim.sendRaw(frame.subarray(0, 10));
      await victim.close();
      await expectDepartures(alice, ["victim"]);
      await waitUntil(() => server.connectionCount() === 1, 5000, "the victim's session to end");
      assert.deepEqual(server.onlineNames(), ["alice"]);
    });
  },
);

Deno.test("a client killed mid-login leaves no trace", opts, async () => {
  await withServer({}, async ({ server, login, connect }) => {
    const alice = await login("alice");
    const victim = await connect();
    await victim.sendRaw(encodeFrame({ username: "ghost", message: "" }).subarray(0, 7));
    await victim.close();
    await waitUntil(() => server.connectionCount() === 1, 5000, "the half login to end");
    assert.deepEqual(roomNotices(await alice.sync()), []);
    assert.deepEqual(server.onlineNames(), ["alice"]);
  });
});

Deno.test(
  "a client reset while the server writes to it: one departure, the others unharmed",
  opts,
  async () => {
    await withServer(
      { options: { floodRate: 0, sendqBytes: 64 * 1024 * 1024 } },
      async ({ server, login }) => {
        const alice = await login("alice");
        const bob = await login("bob");
        const sink = await login("sink"); // never reads from here on
        await alice.waitForNotice("sink joined");
        await bob.waitForNotice("sink joined");
        const big = "x".repeat(32 * 1024);
        // Fill the sink's socket buffers so the server is mid-write to it.
        for (let i = 0; i < 64; i++) await alice.say(`${i} ${big}`);
        for (let i = 0; i < 64; i++) {
          assert.equal((await bob.waitForMessage("alice")).message, `${i} ${big}`);
        }
        await sink.close(); // unread data: the kernel answers with a reset
        for (let i = 64; i < 96; i++) await alice.say(`${i} ${big}`);
        for (let i = 64; i < 96; i++) {
          assert.equal((await bob.waitForMessage("alice")).message, `${i} ${big}`);
        }
        await expectDepartures(bob, ["sink"]);
        await waitUntil(() => server.connectionCount() === 2, 5000, "the sink's session to end");
        assert.deepEqual(server.onlineNames(), ["alice", "bob"]);
      },
    );
  },
);

Deno.test(
  "a half-closed client (FIN, then silence) is announced once and released",
  opts,
  async () => {
    await withServer({}, async ({ server, login }) => {
      const alice = await login("alice");
      const half = await login("half");
      await alice.waitForNotice("half joined");
      await half.conn.closeWrite();
      await expectDepartures(alice, ["half"]);
      await waitUntil(() => server.connectionCount() === 1, 5000, "the half-closed session to end");
      assert.deepEqual(server.onlineNames(), ["alice"]);
    });
  },
);

Deno.test(
  "slowloris: one byte every few seconds is closed by the login timeout",
  opts,
  async () => {
    const clock = new ManualClock();
    const server = await startServer(testServerOptions({ loginTimeoutSeconds: 10 }), {
      clock,
      console: new CapturedConsole(),
    });
    const alice = await TestClient.connect(server.addr);
    const slow = await TestClient.connect(server.addr);
    try {
      await alice.login("alice");
      const login = encodeFrame({ username: "slowpoke", message: "" });
      await waitUntil(() => server.connectionCount() === 2, 5000, "two connections");
      for (let i = 0; i < 4; i++) {
        await slow.sendRaw(login.subarray(i, i + 1));
        // Each byte is read before the clock moves on, so the bytes really arrive in time.
        await alice.sync();
        clock.advance(3000);
      }
      assert.deepEqual(await slow.expectClosed(), []);
      await waitUntil(() => server.connectionCount() === 1, 5000, "the slow session to end");
      assert.deepEqual(roomNotices(await alice.sync()), []);
      assert.deepEqual(server.onlineNames(), ["alice"]);
    } finally {
      await server.shutdown();
      await alice.close();
      await slow.close();
    }
    assert.equal(clock.pendingTimers, 0, "no timer outlives the server");
  },
);

Deno.test("1,000 connections opened and dropped at once", opts, async () => {
  await withServer({ options: { floodRate: 0 } }, async ({ server, login }) => {
    const alice = await login("alice");
    const port = server.addr.port;
    const conns = await Promise.all(
      Array.from({ length: 1000 }, () => Deno.connect({ hostname: "127.0.0.1", port })),
    );
    // A third log in, a third send half a login, a third send nothing.
    await Promise.all(conns.map((conn, i) => {
      const frame = encodeFrame({ username: `c${i}`, message: "" });
      if (i % 3 === 0) return conn.write(frame);
      if (i % 3 === 1) return conn.write(frame.subarray(0, 4));
      return Promise.resolve(0);
    }));
    for (const conn of conns) conn.close();
    await waitUntil(() => server.connectionCount() === 1, 15_000, "every dropped session to end");
    assert.deepEqual(server.onlineNames(), ["alice"]);
    const frames = await withTimeout(alice.sync(), 5000, "alice's sync");
    // Joins and leaves of this burst are announced together ("c0, c3, c6 and 97 others joined",
    // "c3, c9, c12 and 40 others left"), so both are counted and the names listed are checked.
    const joinCount = frames
      .filter((f) => f.username === "")
      .reduce((sum, f) => sum + joinedCount(f.message), 0);
    const leaves = frames.filter((f) => f.username === "" && leftCount(f.message) > 0);
    const leftTotal = leaves.reduce((sum, f) => sum + leftCount(f.message), 0);
    const named = leaves.flatMap((f) => namesListed(f.message));
    // Whoever got in before the drop left exactly once; nobody left who never joined.
    assert.equal(leftTotal, joinCount, "as many departures as joins");
    assert.equal(new Set(named).size, named.length, "no departure announced twice");
    for (const name of named) assert.match(name, /^c\d+$/);
    assert.ok(named.every((n) => Number(n.slice(1)) % 3 === 0), "only full logins joined");
  });
});
