/**
 * History in a cluster, on the real redis-server: a message sent on one instance is in the replay
 * of a user joining on another, `/me` crosses instances, the history survives an instance's
 * restart, and two instances appending at once give one sequence with nothing lost or reordered.
 */

import assert from "node:assert/strict";
import { parseHistoryLine } from "../../../protocol/mod.ts";
import { type ClusterServer, startClusterServer } from "../../../server/bus/cluster_server.ts";
import type { ServerOptions } from "../../../server/options.ts";
import { CapturedConsole, testServerOptions } from "../../helpers/server.ts";
import { type RedisServer, redisUnavailableReason, withRedis } from "../../helpers/redis.ts";
import { skipWhen } from "../../helpers/platform.ts";
import { TestClient, waitUntil } from "../../helpers/wire.ts";

const opts = {
  sanitizeOps: true,
  sanitizeResources: true,
  ignore: skipWhen("cluster history tests", await redisUnavailableReason()),
};

/** Starts instances on demand; every one started is shut down, every client closed. */
async function withInstances(
  redis: RedisServer,
  body: (
    start: (id: string, options?: Partial<ServerOptions>) => Promise<ClusterServer>,
    connect: (server: ClusterServer, name: string) => Promise<TestClient>,
  ) => Promise<void>,
): Promise<void> {
  const servers: ClusterServer[] = [];
  const clients: TestClient[] = [];
  const start = async (id: string, options: Partial<ServerOptions> = {}) => {
    const server = await startClusterServer(
      testServerOptions({
        redis: redis.url,
        instanceId: id,
        presenceTimeoutSeconds: 2,
        floodRate: 0,
        ...options,
      }),
      { console: new CapturedConsole() },
    );
    servers.push(server);
    return server;
  };
  const connect = async (server: ClusterServer, name: string) => {
    const client = await TestClient.connect(server.addr);
    clients.push(client);
    await client.send({ username: name, message: "" });
    assert.match((await client.nextFrame()).message, /^Welcome, /);
    return client;
  };
  try {
    await body(start, connect);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(servers.map((s) => s.shutdown()));
  }
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
      await withInstances(redis, async (start, connect) => {
        const a = await start("a");
        const b = await start("b");
        const alice = await connect(a, "alice");
        const carol = await connect(b, "carol");
        await waitUntil(() => a.onlineNames().includes("carol"), 5000, "carol seen on a");
        await alice.say("hello from a");
        await alice.say("/me waves at b");
        await carol.waitForMessage("alice", "hello from a");
        assert.equal((await carol.waitForNotice("* alice")).message, "* alice waves at b");
        await carol.say("and back from b");
        await alice.waitForMessage("carol", "and back from b");

        const bob = await connect(b, "bob");
        assert.deepEqual(await block(bob), [
          ["alice", "hello from a", false],
          ["alice", "waves at b", true],
          ["carol", "and back from b", false],
        ]);

        // Instance b goes away; a new instance starts fresh and reads the history from Redis.
        await b.shutdown();
        const c = await start("c");
        const dave = await connect(c, "dave");
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
      await withInstances(redis, async (start, connect) => {
        const a = await start("a", { replay: 0 });
        const b = await start("b", { replay: 0 });
        const alice = await connect(a, "alice");
        const bob = await connect(b, "bob");
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
      const console = new CapturedConsole();
      const server = await startClusterServer(
        testServerOptions({ redis: redis.url, instanceId: "a", floodRate: 0, replay: 0 }),
        { console },
      );
      const clients: TestClient[] = [];
      try {
        const alice = await TestClient.connect(server.addr);
        const carol = await TestClient.connect(server.addr);
        clients.push(alice, carol);
        await alice.login("alice");
        await carol.login("carol");
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
      } finally {
        await Promise.all(clients.map((c) => c.close()));
        await server.shutdown();
      }
    });
  },
);
