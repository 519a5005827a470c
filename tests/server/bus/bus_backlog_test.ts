/**
 * The cluster bus's bound on publications in flight to Redis: back-pressure past half of it
 * (nothing lost while Redis keeps up), shedding at it (the sender told), with a real redis-server.
 * Without the bound a sender faster than Redis piled commands up in memory without limit.
 */

import assert from "node:assert/strict";
import { BusBacklog, type BusBacklogLimits } from "../../../server/bus/backlog.ts";
import type { ClusterServer } from "../../../server/bus/cluster_server.ts";
import { DEFAULT_PRESENCE_TIMEOUT_SECONDS } from "../../../server/options.ts";
import { encodeFrame } from "../../../protocol/mod.ts";
import { ManualClock } from "../../helpers/clock.ts";
import { withCluster, type WithClusterSettings } from "../../helpers/cluster.ts";
import { redisUnavailableReason, withRedis } from "../../helpers/redis.ts";
import { skipWhen } from "../../helpers/platform.ts";
import { type TestClient, waitUntil } from "../../helpers/wire.ts";

const clusterOpts = {
  sanitizeOps: true,
  sanitizeResources: true,
  ignore: skipWhen("cluster bus tests", await redisUnavailableReason()),
};

Deno.test("backlog: pressure past half, shedding at the bound, a wait bounded in time", () => {
  const clock = new ManualClock();
  const backlog = new BusBacklog({ maxPublications: 4, maxBytes: 1000, waitMs: 100 }, clock);
  assert.equal(backlog.pressure(), null);
  assert.ok(backlog.admit(10));
  assert.ok(backlog.admit(10));
  assert.equal(backlog.pressure(), null, "half is not past half");
  assert.ok(backlog.admit(10));
  const wait = backlog.pressure();
  assert.ok(wait !== null);
  assert.equal(backlog.pressure(), wait, "every session waits on the same promise");
  assert.ok(backlog.admit(10));
  assert.equal(backlog.admit(10), false, "the fifth is shed");
  backlog.add(10); // a join or leave is never shed
  assert.equal(backlog.publications, 5);
  assert.equal(backlog.shed, 1);
  let woken = false;
  void wait.then(() => woken = true);
  for (let i = 0; i < 3; i++) backlog.done(10);
  return Promise.resolve().then(() => {
    assert.ok(woken, "woken once back at half");
    assert.equal(backlog.pressure(), null);
    // Bytes count too; and a wait ends after waitMs even if nothing is answered.
    assert.equal(backlog.admit(990), false);
    assert.ok(backlog.admit(500));
    const stalled = backlog.pressure();
    assert.ok(stalled !== null);
    let released = false;
    void stalled.then(() => released = true);
    clock.advance(100);
    return Promise.resolve().then(() => assert.ok(released, "released after waitMs"));
  });
});

/** Two instances on one Redis with a small bus bound and the default presence timeout. */
function twoInstances(busBacklog: BusBacklogLimits): WithClusterSettings {
  return {
    instances: [{ id: "a" }, { id: "b" }],
    options: { floodRate: 0, presenceTimeoutSeconds: DEFAULT_PRESENCE_TIMEOUT_SECONDS },
    deps: { busBacklog },
  };
}

/** `count` numbered chat frames from `name` in one buffer. */
function numbered(name: string, count: number): Uint8Array {
  const parts = Array.from(
    { length: count },
    (_, i) => encodeFrame({ username: name, message: `m${i}` }),
  );
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

async function loginBoth(
  servers: ClusterServer[],
  connect: (i: number) => Promise<TestClient>,
): Promise<[TestClient, TestClient]> {
  const sender = await connect(0);
  await sender.login("sender");
  const reader = await connect(1);
  await reader.login("reader");
  await waitUntil(
    () => servers.every((s) => s.onlineNames().length === 2),
    5000,
    "both instances to list both users",
  );
  return [sender, reader];
}

Deno.test(
  "bus: a sender faster than Redis is held back, never more in flight than the bound, nothing lost",
  clusterOpts,
  async () => {
    await withRedis(async (redis) => {
      const limits = { maxPublications: 16, maxBytes: 1 << 20, waitMs: 5000 };
      await withCluster(redis, twoInstances(limits), async ({ servers, connect }) => {
        const [sender, reader] = await loginBoth(servers, connect);
        const count = 2000;
        await sender.sendRaw(numbered("sender", count));
        for (let i = 0; i < count; i++) {
          const frame = await reader.waitForMessage("sender", undefined, 20_000);
          assert.equal(frame.message, `m${i}`);
        }
        const backlog = servers[0].bus.backlog;
        assert.ok(backlog.highest <= 16, `at most 16 in flight, was ${backlog.highest}`);
        assert.ok(backlog.highest >= 8, `the bound was reached: ${backlog.highest}`);
        assert.equal(backlog.shed, 0);
      });
    });
  },
);

Deno.test(
  "bus: while Redis does not answer, messages past the bound are shed and their sender told",
  clusterOpts,
  async () => {
    await withRedis(async (redis) => {
      const limits = { maxPublications: 8, maxBytes: 1 << 20, waitMs: 20 };
      await withCluster(redis, twoInstances(limits), async ({ servers, connect }) => {
        const [sender, reader] = await loginBoth(servers, connect);
        const local = await connect(0);
        await local.login("local");
        const pid = redis.pid;
        assert.ok(pid !== null);
        Deno.kill(pid, "SIGSTOP");
        try {
          await sender.sendRaw(numbered("sender", 30));
          // Local users get everything at once; the sender hears of what was shed.
          await local.waitForMessage("sender", "m29", 10_000);
          await sender.waitForNotice(
            "cluster busy: your message reached only users on this server",
          );
          const backlog = servers[0].bus.backlog;
          assert.ok(backlog.highest <= 8, `at most 8 in flight, was ${backlog.highest}`);
          assert.ok(backlog.shed >= 20, `shed ${backlog.shed}`);
        } finally {
          Deno.kill(pid, "SIGCONT");
        }
        // Once Redis answers again, what was in flight arrives, and so does what comes next.
        await sender.say("after");
        await reader.waitForMessage("sender", "after", 10_000);
        const got = reader.received.filter((f) => f.username === "sender").map((f) => f.message);
        assert.ok(got.length <= 9, `received ${got.length}`);
        assert.deepEqual(got.at(-1), "after");
      });
    });
  },
);
