/**
 * History in a cluster, on the real redis-server: a message sent on one instance is in the replay
 * of a user joining on another, `/me` crosses instances, the history survives an instance's
 * restart, and two instances appending at once give one sequence with nothing lost or reordered.
 */

import assert from "node:assert/strict";
import { parseHistoryLine } from "../../../protocol/mod.ts";
import type { ClusterServer } from "../../../server/bus/cluster_server.ts";
import { type ClusterFixture, withCluster } from "../../helpers/cluster.ts";
import { redisUnavailableReason, withRedis } from "../../helpers/redis.ts";
import { skipWhen } from "../../helpers/platform.ts";
import { type TestClient, waitUntil } from "../../helpers/wire.ts";

const opts = {
  sanitizeOps: true,
  sanitizeResources: true,
  ignore: skipWhen("cluster history tests", await redisUnavailableReason()),
};

/** Instances started on demand, flood control off. */
const ON_DEMAND = { instances: 0, options: { floodRate: 0 } };

/** Connects to `server` as `name`, taking its welcome (without waiting for other instances). */
async function join(
  fixture: ClusterFixture,
  server: ClusterServer,
  name: string,
): Promise<TestClient> {
  const client = await fixture.connect(server);
  await client.send({ username: name, message: "" });
  assert.match((await client.nextFrame()).message, /^Welcome, /);
  return client;
}

/**
 * The next history block (replay or answer), as [from, text, action] of its lines; notices
 * before it (the cluster link's) are skipped.
 */
async function block(client: TestClient): Promise<[string, string, boolean][]> {
  await client.waitForNotice("History: ");
  const lines: [string, string, boolean][] = [];
  for (;;) {
    const frame = await client.nextFrame();
    if (frame.message === "End of history") return lines;
    const line = parseHistoryLine(frame.message);
    assert.ok(line !== null, frame.message);
    lines.push([line.from, line.text, line.action]);
  }
}

Deno.test(
  "cluster: sent on A, replayed on B; /me crosses; history outlives an instance",
  opts,
  async () => {
    await withRedis(async (redis) => {
      await withCluster(redis, ON_DEMAND, async (fixture) => {
        const { start } = fixture;
        const a = await start({ id: "a" });
        const b = await start({ id: "b" });
        const alice = await join(fixture, a, "alice");
        const carol = await join(fixture, b, "carol");
        await waitUntil(() => a.onlineNames().includes("carol"), 5000, "carol seen on a");
        await alice.say("hello from a");
        await alice.say("/me waves at b");
        await carol.waitForMessage("alice", "hello from a");
        assert.equal((await carol.waitForNotice("* alice")).message, "* alice waves at b");
        await carol.say("and back from b");
        await alice.waitForMessage("carol", "and back from b");

        const bob = await join(fixture, b, "bob");
        assert.deepEqual(await block(bob), [
          ["alice", "hello from a", false],
          ["alice", "waves at b", true],
          ["carol", "and back from b", false],
        ]);

        // Instance b goes away; a new instance starts fresh and reads the history from Redis.
        await b.shutdown();
        const c = await start({ id: "c" });
        const dave = await join(fixture, c, "dave");
        const replay = await block(dave);
        assert.deepEqual(replay.map(([, text]) => text), [
          "hello from a",
          "waves at b",
          "and back from b",
        ]);
        await dave.say("/search BACK from");
        assert.deepEqual(await block(dave), [["carol", "and back from b", false]]);
        await dave.say("/history 2");
        assert.deepEqual((await block(dave)).map(([, text]) => text), [
          "waves at b",
          "and back from b",
        ]);

        // The stream's length, learned by each batch's XLEN (chat_history_messages): /history
        // flushes c's batch holding dave's line first.
        assert.equal(c.store.size, undefined, "c has written nothing yet");
        await dave.say("bye");
        await dave.say("/history 1");
        assert.deepEqual(await block(dave), [["dave", "bye", false]]);
        assert.equal(c.store.size, 4);
      });
    });
  },
);

Deno.test(
  "cluster: two instances appending at once give one sequence, nothing lost",
  opts,
  async () => {
    await withRedis(async (redis) => {
      await withCluster(redis, ON_DEMAND, async (fixture) => {
        const { start } = fixture;
        const a = await start({ id: "a", options: { replay: 0 } });
        const b = await start({ id: "b", options: { replay: 0 } });
        const alice = await join(fixture, a, "alice");
        const bob = await join(fixture, b, "bob");
        await waitUntil(
          () => a.onlineNames().length === 2 && b.onlineNames().length === 2,
          5000,
          "both users everywhere",
        );
        const count = 300;
        await Promise.all([
          (async () => {
            for (let i = 0; i < count; i++) await alice.say(`a${i}`);
          })(),
          (async () => {
            for (let i = 0; i < count; i++) await bob.say(`b${i}`);
          })(),
        ]);
        await alice.waitForMessage("bob", `b${count - 1}`, 10_000);
        await bob.waitForMessage("alice", `a${count - 1}`, 10_000);
        await a.store.flush();
        await b.store.flush();
        await alice.say("/history 1000");
        const fromA = await block(alice);
        await bob.say("/history 1000");
        const fromB = await block(bob);
        assert.equal(fromA.length, 2 * count);
        assert.deepEqual(fromB, fromA, "every instance reads the same sequence");
        for (const [name, prefix] of [["alice", "a"], ["bob", "b"]]) {
          const own = fromA.filter(([from]) => from === name).map(([, text]) => text);
          assert.deepEqual(own, Array.from({ length: count }, (_, i) => `${prefix}${i}`));
        }
      });
    });
  },
);

Deno.test(
  "cluster: Redis down while chatting: one console line, saving resumes, nothing lost",
  opts,
  async () => {
    await withRedis(async (redis) => {
      const settings = { instances: [{ id: "a" }], options: { floodRate: 0, replay: 0 } };
      await withCluster(
        redis,
        settings,
        async ({ servers: [server], consoles: [console], login }) => {
          const alice = await login(server, "alice");
          const carol = await login(server, "carol");
          await redis.stop();
          await console.waitForLine("cluster link down");
          await alice.say("during the outage");
          await carol.waitForMessage("alice", "during the outage");
          await console.waitForLine("history: cannot save messages");
          await alice.say("still during it");
          await carol.waitForMessage("alice", "still during it");
          await redis.restart();
          await console.waitForLine("history: saving again; nothing was lost", 8000);
          assert.equal(console.errors.filter((l) => l.includes("cannot save messages")).length, 1);
          await carol.say("/history");
          const lines = await block(carol);
          assert.deepEqual(lines.map(([, text]) => text), ["during the outage", "still during it"]);
        },
      );
    });
  },
);
