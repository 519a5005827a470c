/**
 * Several server instances sharing one room through a real Redis: chat, joins,
 * leaves, /users and /msg across instances, exactly-once delivery in one order per instance,
 * the name race, an instance killed with SIGKILL, Redis restarted mid-chat, and one instance cut
 * off from Redis (through tests/helpers/tcp_proxy.ts) while its user's name is taken elsewhere.
 *
 * Each test starts its own redis-server on a free loopback port (tests/helpers/redis.ts). The
 * whole file is skipped, with the reason printed, where redis-server is not installed.
 */

import assert from "node:assert/strict";
import type { Frame } from "../../../protocol/mod.ts";
import { DEFAULT_CLUSTER_ROOM, startClusterServer } from "../../../server/bus/cluster_server.ts";
import { BUS_FORMAT_VERSION } from "../../../server/bus/codec.ts";
import { ClusterUnavailableError } from "../../../server/bus/link.ts";
import { LINK_DOWN_NOTICE, LINK_UP_NOTICE } from "../../../server/bus/notices.ts";
import { presenceTiming } from "../../../server/bus/presence.ts";
import { RedisLink } from "../../../server/bus/redis_link.ts";
import { parseRedisUrl } from "../../../server/bus/redis_url.ts";
import { systemClock } from "../../../server/clock.ts";
import { sourceCommand } from "../../../scripts/chat_process.ts";
import { type ChatServerProcess, startChatServer } from "../../../kit/chat_process.ts";
import { CapturedConsole, testServerOptions } from "../../helpers/server.ts";
import { CLUSTER_PRESENCE_SECONDS, withCluster } from "../../helpers/cluster.ts";
import {
  freePort,
  redisCommand,
  type RedisServer,
  redisUnavailableReason,
  withRedis,
} from "../../helpers/redis.ts";
import { skipWhen } from "../../helpers/platform.ts";
import { TcpProxy } from "../../helpers/tcp_proxy.ts";
import { TestClient, waitUntil } from "../../helpers/wire.ts";
import { leaveNotices } from "../../helpers/leave_notices.ts";

const opts = {
  sanitizeOps: true,
  sanitizeResources: true,
  ignore: skipWhen("cluster tests", await redisUnavailableReason()),
};

/** Presence timeout for tests: a dead instance's users leave within 2 s. */
const PRESENCE_SECONDS = CLUSTER_PRESENCE_SECONDS;

/** Sends /users and resolves with the reply. */
async function users(client: TestClient): Promise<string> {
  await client.say("/users");
  return (await client.waitForNotice("Online (")).message;
}

function chatFrames(client: TestClient): Frame[] {
  return client.received.filter((f) => f.username !== "");
}

function count(client: TestClient, match: (f: Frame) => boolean): number {
  return client.received.filter(match).length;
}

Deno.test(
  "two instances: chat, join and leave notices, /users and /msg cross; names are cluster-wide",
  opts,
  async () => {
    await withRedis(async (redis) => {
      await withCluster(redis, { instances: 2 }, async ({ login, connect, servers }) => {
        const alice = await login(0, "alice");
        const bob = await login(1, "Bob");
        assert.match(bob.received[0].message, /^Welcome, Bob! Online \(2\): alice, Bob$/);
        await alice.waitForNotice("Bob joined");

        await alice.say("hello from instance 0");
        assert.equal((await bob.waitForMessage("alice")).message, "hello from instance 0");
        await bob.say("hello from instance 1");
        assert.equal((await alice.waitForMessage("Bob")).message, "hello from instance 1");

        assert.equal(await users(alice), "Online (2): alice, Bob");
        assert.equal(await users(bob), "Online (2): alice, Bob");

        await alice.say("/msg bob psst");
        await bob.waitForNotice("[private] alice: psst");
        await bob.say("/msg ALICE back");
        await alice.waitForNotice("[private] Bob: back");
        await alice.say("/msg carol nobody");
        await alice.waitForNotice("error: carol is not online");

        // The same name, in another case, on the other instance: refused, bob unaffected.
        const impostor = await connect(0);
        await impostor.send({ username: "BOB", message: "" });
        const refused = await impostor.expectClosed();
        assert.ok(refused.some((f) => f.message === "error: name 'Bob' is already taken"));

        // Never back to the sender, each message exactly once.
        await alice.sync();
        await bob.sync();
        assert.deepEqual(chatFrames(alice).map((f) => f.message), ["hello from instance 1"]);
        assert.deepEqual(chatFrames(bob).map((f) => f.message), ["hello from instance 0"]);

        await bob.say("/quit");
        await alice.waitForNotice("Bob left (quit)");
        await waitUntil(() => !servers[0].onlineNames().includes("Bob"), 5000, "bob gone");
        // The name is free again, cluster-wide.
        const bob2 = await login(0, "bob");
        await bob2.say("back on instance 0");
        await alice.waitForMessage("bob", "back on instance 0");

        // A clean shutdown of an instance: its users leave, with the reason, everywhere else.
        const carol = await login(1, "carol");
        await servers[1].shutdown();
        await carol.expectClosed();
        await alice.waitForNotice("carol left (server shutting down)");
        await bob2.waitForNotice("carol left (server shutting down)");
        assert.deepEqual(servers[0].onlineNames(), ["alice", "bob"]);
      });
    });
  },
);

Deno.test(
  "a crowd leaving one instance: the other instance gathers their leaves too",
  opts,
  async () => {
    await withRedis(async (redis) => {
      await withCluster(redis, { instances: 2 }, async ({ login, servers }) => {
        const observer = await login(1, "observer");
        const names = Array.from({ length: 20 }, (_, i) => `crowd${i}`);
        const crowd = await Promise.all(names.map((name) => login(0, name)));
        await Promise.all(crowd.map((client) => client.close()));
        const leaves = await leaveNotices(observer, names.length);
        assert.equal(await users(observer), "Online (1): observer");
        assert.ok(leaves.length < names.length, `some leaves announced together: ${leaves}`);
        assert.deepEqual(servers[0].onlineNames(), ["observer"]);
      });
    });
  },
);

Deno.test(
  "three instances: every message reaches every other user once, in one order per instance",
  opts,
  async () => {
    await withRedis(async (redis) => {
      await withCluster(redis, { instances: 3 }, async ({ login, servers, consoles }) => {
        const placement = [0, 0, 1, 2, 2];
        const clients: TestClient[] = [];
        for (const [i, index] of placement.entries()) clients.push(await login(index, `u${i}`));
        assert.equal(await users(clients[2]), "Online (5): u0, u1, u2, u3, u4");
        assert.deepEqual(
          Object.fromEntries(servers[1].bus.instanceCounts()),
          { i0: 2, i1: 1, i2: 2 },
        );
        assert.match(servers[2].bus.onlineDetail(), /^\[instances: i0 2, i1 1, i2 \(this\) 2\]$/);

        const perSender = 15;
        await Promise.all(clients.map(async (client, i) => {
          for (let n = 0; n < perSender; n++) await client.say(`m${i}.${n}`);
        }));
        const expected = (clients.length - 1) * perSender;
        for (const client of clients) {
          while (chatFrames(client).length < expected) {
            await client.nextFrame(10_000, `${client.name}'s message ${expected}`);
          }
        }
        for (const [i, client] of clients.entries()) {
          await client.sync();
          const got = chatFrames(client).map((f) => `${f.username}:${f.message}`);
          assert.equal(got.length, expected, `${client.name} got each message once`);
          assert.equal(new Set(got).size, got.length, `${client.name} got no duplicate`);
          assert.ok(!got.some((line) => line.startsWith(`u${i}:`)), "nothing back to its sender");
          // Each sender's messages arrive in the order they were sent.
          for (let s = 0; s < clients.length; s++) {
            const seq = got.filter((l) => l.startsWith(`u${s}:`)).map((l) => l.split(":")[1]);
            if (s !== i) {
              assert.deepEqual(seq, Array.from({ length: perSender }, (_, n) => `m${s}.${n}`));
            }
          }
        }
        // Users of one instance see the messages they both receive in the same order.
        const common = (a: number, b: number, client: TestClient) =>
          chatFrames(client)
            .filter((f) => f.username !== `u${a}` && f.username !== `u${b}`)
            .map((f) => `${f.username}:${f.message}`);
        assert.deepEqual(common(0, 1, clients[0]), common(0, 1, clients[1]));
        assert.deepEqual(common(3, 4, clients[3]), common(3, 4, clients[4]));
        assert.equal(consoles[0].errors.length, 0, consoles[0].errors.join("\n"));
      });
    });
  },
);

Deno.test(
  "the same name logging in on two instances at the same moment: exactly one wins",
  opts,
  async () => {
    await withRedis(async (redis) => {
      await withCluster(redis, { instances: 2 }, async ({ connect, servers }) => {
        for (let round = 0; round < 5; round++) {
          const name = `racer${round}`;
          const a = await connect(0);
          const b = await connect(1);
          await Promise.all([
            a.send({ username: name, message: "" }),
            b.send({ username: name.toUpperCase(), message: "" }),
          ]);
          const outcome = (client: TestClient) =>
            client.waitForFrame((f) =>
              f.username === "" &&
              (f.message.startsWith("Welcome, ") || f.message.includes("already taken"))
            );
          const results = await Promise.all([outcome(a), outcome(b)]);
          const winners = results.filter((f) => f.message.startsWith("Welcome, "));
          assert.equal(winners.length, 1, results.map((f) => f.message).join(" | "));
          const loser = results[0] === winners[0] ? b : a;
          await loser.expectClosed();
          await waitUntil(
            () => servers.every((s) => s.onlineNames().length === round + 1),
            5000,
            "both instances to list the winner only",
          );
        }
      });
    });
  },
);

/** A `chat server` subprocess, for the test that kills one with SIGKILL. */
function spawnInstance(redisUrl: string, instanceId: string): Promise<ChatServerProcess> {
  return startChatServer(sourceCommand(), [
    "--redis",
    redisUrl,
    "--instance-id",
    instanceId,
    "--presence-timeout",
    String(PRESENCE_SECONDS),
  ]);
}

Deno.test(
  "an instance killed with SIGKILL: its users leave and their names are free within the timeout",
  opts,
  async () => {
    await withRedis(async (redis) => {
      await withCluster(redis, { instances: 1 }, async ({ login, servers, consoles }) => {
        const alice = await login(0, "alice");
        const victim = await spawnInstance(redis.url, "victim");
        try {
          assert.ok(victim.port > 0, "the subprocess printed its port");
          const dave = await TestClient.connect({ hostname: "127.0.0.1", port: victim.port });
          try {
            await dave.login("dave");
            await alice.waitForNotice("dave joined");
            await dave.say("hi from the victim");
            await alice.waitForMessage("dave", "hi from the victim");
            await victim.process.kill();
            // Bounded: the presence timeout (2 s) plus scheduling slack.
            await alice.waitForNotice(
              "dave left (server instance lost)",
              PRESENCE_SECONDS * 1000 + 2000,
            );
            assert.deepEqual(servers[0].onlineNames(), ["alice"]);
            await consoles[0].waitForLine("instance victim lost: 1 user(s) leave");
          } finally {
            await dave.close();
          }
        } finally {
          await victim.process.kill();
        }
        // dave's name was freed in Redis by the survivor.
        const dave2 = await login(0, "dave");
        await dave2.say("I am back");
        await alice.waitForMessage("dave", "I am back");
      });
    });
  },
);

Deno.test(
  "Redis restarted mid-chat: users are told, local chat goes on, the room recovers, no duplicate",
  opts,
  async () => {
    await withRedis(async (redis) => {
      await withCluster(redis, { instances: 2 }, async ({ login, servers, consoles }) => {
        const alice = await login(0, "alice");
        const carol = await login(0, "carol");
        const bob = await login(1, "bob");
        await alice.say("before");
        await bob.waitForMessage("alice", "before");

        await redis.stop();
        await alice.waitForNotice(LINK_DOWN_NOTICE);
        await bob.waitForNotice(LINK_DOWN_NOTICE);
        await consoles[0].waitForLine("cluster link down");

        // Local chat continues; the sender is told the others did not get it.
        await alice.say("during the outage");
        await carol.waitForMessage("alice", "during the outage");
        await alice.waitForNotice("cluster link down: your message reached only users on this");
        // Logins wait for the link: names cannot be claimed cluster-wide.
        const late = await TestClient.connect(servers[1].addr);
        try {
          await late.send({ username: "dave", message: "" });
          const frames = await late.expectClosed();
          assert.ok(frames.some((f) => f.message.includes("logins are paused")));
        } finally {
          await late.close();
        }

        await redis.restart();
        await alice.waitForNotice(LINK_UP_NOTICE, 8000);
        await bob.waitForNotice(LINK_UP_NOTICE, 8000);
        await consoles[1].waitForLine("cluster link restored");

        await alice.say("after");
        await bob.waitForMessage("alice", "after");
        await bob.say("bob after");
        await alice.waitForMessage("bob", "bob after");
        await carol.waitForMessage("bob", "bob after");
        assert.equal(await users(bob), "Online (3): alice, bob, carol");
        await alice.sync();
        await bob.sync();
        await carol.sync();

        const texts = (client: TestClient) => chatFrames(client).map((f) => f.message);
        assert.deepEqual(texts(bob), ["before", "after"]);
        assert.deepEqual(texts(carol), ["before", "during the outage", "after", "bob after"]);
        assert.deepEqual(texts(alice), ["bob after"]);
        // The resync announced nobody twice.
        assert.equal(count(bob, (f) => f.message === "alice joined"), 0);
        assert.equal(count(alice, (f) => f.message === "bob joined"), 1);
        assert.equal(count(alice, (f) => f.message.includes(" left (")), 0);
        // The names were re-registered: a new login of one of them is refused.
        const impostor = await TestClient.connect(servers[1].addr);
        try {
          await impostor.send({ username: "Carol", message: "" });
          const frames = await impostor.expectClosed();
          assert.ok(frames.some((f) => f.message === "error: name 'carol' is already taken"));
        } finally {
          await impostor.close();
        }
      });
    });
  },
);

Deno.test("Redis unreachable at start: a clear error, nothing left listening", opts, async () => {
  const port = freePort();
  await assert.rejects(
    startClusterServer(testServerOptions({ redis: `redis://127.0.0.1:${port}` }), {
      console: new CapturedConsole(),
    }),
    (error: unknown) =>
      error instanceof ClusterUnavailableError &&
      error.message === `cannot reach Redis at redis://127.0.0.1:${port}/0: connection refused`,
  );
});

Deno.test("chat server --redis with Redis unreachable exits 1 with one line", opts, async () => {
  const port = freePort();
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      new URL("../../../main.ts", import.meta.url).href,
      "server",
      "--port",
      "0",
      "--redis",
      `redis://127.0.0.1:${port}`,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 1);
  assert.equal(new TextDecoder().decode(stdout), "");
  assert.equal(
    new TextDecoder().decode(stderr),
    `chat: cannot reach Redis at redis://127.0.0.1:${port}/0: connection refused\n`,
  );
});

Deno.test(
  "the periodic console list covers the cluster with a count per instance",
  opts,
  async () => {
    await withRedis(async (redis) => {
      const instances = [{ id: "b" }, { id: "a", options: { listIntervalSeconds: 1 } }];
      await withCluster(redis, { instances }, async ({ servers, consoles, connect }) => {
        const [other, listing] = servers;
        for (const [server, name] of [[listing, "x"], [other, "y"], [other, "z"]] as const) {
          const client = await connect(server);
          await client.login(name);
        }
        await waitUntil(() => listing.onlineNames().length === 3, 5000, "3 users listed");
        const line = await consoles[1].waitForLine("Online (3)", 3000);
        assert.match(line, /Online \(3\): x, y, z \[instances: a \(this\) 1, b 2\]$/);
      });
    });
  },
);

Deno.test(
  "a malformed message on the cluster channel is reported and ignored; chat goes on",
  opts,
  async () => {
    await withRedis(async (redis) => {
      await withCluster(redis, { instances: 2 }, async ({ login, consoles }) => {
        const alice = await login(0, "alice");
        const bob = await login(1, "bob");
        await redisCommand(redis.port, "PUBLISH", "chat:chat:events", "{not json");
        await redisCommand(
          redis.port,
          "PUBLISH",
          "chat:chat:events",
          `{"v":${BUS_FORMAT_VERSION},"kind":"message","instance":"x","key":"k","name":"n"}`,
        );
        await consoles[0].waitForLine("bad cluster message: not JSON");
        await consoles[1].waitForLine("bad cluster message: field 'text' is not a string");
        await alice.say("still here");
        await bob.waitForMessage("alice", "still here");
        assert.deepEqual(chatFrames(bob).map((f) => f.message), ["still here"]);
      });
    });
  },
);

/** Every live instance's users as Redis holds them, read by a link that never registers. */
async function rosters(redis: RedisServer): Promise<Record<string, string[]>> {
  const observer = new RedisLink({
    address: parseRedisUrl(redis.url),
    instanceId: "observer",
    room: DEFAULT_CLUSTER_ROOM,
    timing: presenceTiming(PRESENCE_SECONDS * 1000),
    clock: systemClock,
  });
  await observer.start({ event: () => {}, badMessage: () => {}, down: () => {}, up: () => {} });
  try {
    const snapshot = await observer.snapshot();
    return Object.fromEntries(
      [...snapshot].map(([id, users]) => [id, users.map((u) => u.name).sort()]),
    );
  } finally {
    await observer.close();
  }
}

Deno.test(
  "a name taken elsewhere while one instance was cut off: its user is told and disconnected",
  opts,
  async () => {
    await withRedis(async (redis) => {
      // Instance 0 reaches Redis through a proxy the test cuts; 1 and 2 keep their link.
      const proxy = TcpProxy.start({ hostname: "127.0.0.1", port: redis.port });
      try {
        const instances = [{ options: { redis: `redis://127.0.0.1:${proxy.port}` } }, {}, {}];
        await withCluster(redis, { instances }, async ({ login, connect, servers, consoles }) => {
          const lostAlice = await login(0, "alice");
          const carol = await login(0, "carol");
          const dave = await login(1, "dave");
          const erin = await login(2, "erin");
          assert.ok(proxy.accepted >= 2, "instance 0 reaches Redis through the proxy");

          proxy.cut();
          await carol.waitForNotice(LINK_DOWN_NOTICE);
          await consoles[0].waitForLine("cluster link down");
          // Instance 0 misses its heartbeats: the others sweep it, freeing its names.
          const sweptWithin = PRESENCE_SECONDS * 1000 + 2000;
          await dave.waitForNotice("alice left (server instance lost)", sweptWithin);
          await erin.waitForNotice("alice left (server instance lost)", sweptWithin);
          await waitUntil(
            () => servers[1].onlineNames().join() === "dave,erin",
            sweptWithin,
            "instance 1 to drop instance 0's users",
          );
          // Meanwhile instance 0 still has its users and refuses logins.
          assert.deepEqual(servers[0].onlineNames(), ["alice", "carol", "dave", "erin"]);
          const paused = await connect(0);
          await paused.send({ username: "frank", message: "" });
          assert.ok(
            (await paused.expectClosed()).some((f) => f.message.includes("logins are paused")),
          );

          const alice = await connect(1);
          await alice.login("alice");
          await erin.waitForNotice("alice joined");

          proxy.restore();
          const told = await lostAlice.expectClosed(8000);
          assert.ok(
            told.some((f) =>
              f.message === "error: name 'alice' was taken on another server while the cluster " +
                  "link was down"
            ),
            told.map((f) => f.message).join(" | "),
          );
          await carol.waitForNotice("alice left (name lost to another server)", 8000);
          await carol.waitForNotice(LINK_UP_NOTICE, 8000);
          await consoles[0].waitForLine("alice: name lost to another instance; disconnecting");
          await dave.waitForNotice("carol joined", 8000);
          await erin.waitForNotice("carol joined", 8000);

          // The alice of instance 1 stays, and everyone sees her, once.
          await alice.say("still here");
          for (const other of [carol, dave, erin]) {
            await other.waitForMessage("alice", "still here");
          }
          const everyone = "Online (4): alice, carol, dave, erin";
          for (const client of [alice, carol, dave, erin]) {
            assert.equal(await users(client), everyone, `${client.name}'s /users`);
          }
          for (const server of servers) {
            assert.deepEqual(server.onlineNames(), ["alice", "carol", "dave", "erin"]);
            assert.deepEqual(
              Object.fromEntries(server.bus.instanceCounts()),
              { i0: 1, i1: 2, i2: 1 },
              `instance ${server.bus.instanceId}'s view`,
            );
          }
          assert.deepEqual(await rosters(redis), {
            i0: ["carol"],
            i1: ["alice", "dave"],
            i2: ["erin"],
          });
          // One leave for the alice of instance 0 everywhere, and one join for the new one.
          const leaves = (client: TestClient) =>
            count(client, (f) => f.username === "" && f.message.startsWith("alice left ("));
          const joins = (client: TestClient) => count(client, (f) => f.message === "alice joined");
          for (const client of [carol, dave, erin]) {
            await client.sync();
            assert.equal(leaves(client), 1, `${client.name} saw alice leave once`);
            assert.equal(joins(client), 1, `${client.name} saw alice join once`);
          }
          assert.equal(count(dave, (f) => f.message === "carol joined"), 1);
          assert.equal(count(erin, (f) => f.message === "carol joined"), 1);
          assert.equal(alice.ended, false);
          assert.ok(!alice.received.some((f) => f.message.startsWith("error: ")));
          // Nobody saw the name twice on the way.
          for (const console of consoles) {
            const twice = console.errors.filter((l) => l.includes("is online here and on"));
            assert.deepEqual(twice, [], `instance console: ${twice.join(" | ")}`);
          }
        });
      } finally {
        await proxy.close();
      }
    });
  },
);
