/**
 * Private messages across instances that the target's instance refuses, on the real
 * redis-server: the target's private-message budget is spent, or the target left between the
 * sender's lookup and the delivery. The sender's instance tells the sender, with the error a
 * sender on the target's own instance gets; nothing is lost silently.
 */

import assert from "node:assert/strict";
import type { Frame } from "../../../protocol/mod.ts";
import { BUS_FORMAT_VERSION } from "../../../server/bus/codec.ts";
import { notOnlineNotice, privateBusyNotice } from "../../../server/notices.ts";
import type { ServerOptions } from "../../../server/options.ts";
import { withCluster, type WithClusterSettings } from "../../helpers/cluster.ts";
import { redisCommand, redisUnavailableReason, withRedis } from "../../helpers/redis.ts";
import { skipWhen } from "../../helpers/platform.ts";
import type { TestClient } from "../../helpers/wire.ts";

const opts = {
  sanitizeOps: true,
  sanitizeResources: true,
  ignore: skipWhen("cluster private message tests", await redisUnavailableReason()),
};

/** The cluster's event channel for the default room. */
const CHANNEL = "chat:chat:events";

/** Instance "a" and instance "b" (with `bOptions`). */
function twoInstances(bOptions: Partial<ServerOptions>): WithClusterSettings {
  // Flood control off on the sender's instance: only the target's budget refuses.
  return { instances: [{ id: "a", options: { floodRate: 0 } }, { id: "b", options: bOptions }] };
}

function notices(client: TestClient, text: string): Frame[] {
  return client.received.filter((f) => f.username === "" && f.message === text);
}

Deno.test(
  "a flood of private messages to a user on another instance: each is delivered or refused with the busy error",
  opts,
  async () => {
    await withRedis(async (redis) => {
      // The target's budget: a burst of 1,000 bytes, refilled at 1 byte a second.
      const budget = { floodBytes: 1, floodBytesBurst: 1000, maxMessageBytes: 1000 };
      await withCluster(redis, twoInstances(budget), async ({ servers: [a, b], login }) => {
        const target = await login(b, "target");
        const sender = await login(a, "sender");
        const sent = 20;
        for (let i = 0; i < sent; i++) {
          await sender.say(`/msg target ${`m${i} `.padEnd(400, "x")}`);
        }
        // Published after the private messages, so it reaches b after them.
        await sender.say("done");
        await target.waitForMessage("sender", "done");
        const delivered = target.received.filter((f) => f.message.startsWith("[private] sender: "));
        // 2 x 400 bytes fit the burst, a third does not.
        assert.deepEqual(delivered.map((f) => f.message.slice(0, 22)), [
          "[private] sender: m0 x",
          "[private] sender: m1 x",
        ]);
        const busy = privateBusyNotice("target");
        assert.equal(
          busy,
          "error: target is receiving too many private messages; yours was not delivered",
        );
        for (let i = delivered.length; i < sent; i++) await sender.waitForNotice(busy);
        // Nothing else: no error twice, no other error.
        await sender.sync();
        assert.equal(notices(sender, busy).length, sent - delivered.length);
        assert.deepEqual(
          sender.received.filter((f) => f.message.startsWith("error:") && f.message !== busy),
          [],
        );
        assert.equal(a.onlineNames().length, 2);
      });
    });
  },
);

Deno.test(
  "a private message to a user who left the target's instance before delivery gets the not-online error",
  opts,
  async () => {
    await withRedis(async (redis) => {
      await withCluster(redis, twoInstances({}), async ({ servers: [a, b], login }) => {
        const alice = await login(a, "alice");
        const carol = await login(a, "carol");
        await login(b, "bob");
        // What a's alice published after finding Ghost on b, arriving after Ghost left b: a drops
        // its own event, b finds nobody by that key.
        const fromAlice = (to: string, toName: string, text: string) =>
          JSON.stringify({
            v: BUS_FORMAT_VERSION,
            kind: "private",
            instance: a.bus.instanceId,
            key: "alice",
            name: "alice",
            to,
            toName,
            toInstance: b.bus.instanceId,
            text,
          });
        await redisCommand(redis.port, "PUBLISH", CHANNEL, fromAlice("ghost", "Ghost", "late"));
        await alice.waitForNotice(notOnlineNotice("Ghost"));
        assert.equal(notOnlineNotice("Ghost"), "error: Ghost is not online");
        // A name that moved to another instance meanwhile (carol is on a, not b) is not
        // delivered by b either.
        await redisCommand(redis.port, "PUBLISH", CHANNEL, fromAlice("carol", "carol", "moved"));
        await alice.waitForNotice(notOnlineNotice("carol"));
        await carol.sync();
        assert.deepEqual(carol.received.filter((f) => f.message.includes("moved")), []);
        // The error goes to the sender alone.
        assert.deepEqual(
          carol.received.filter((f) => f.message.startsWith("error:")),
          [],
        );
        await alice.sync();
        assert.equal(
          alice.received.filter((f) => f.message.startsWith("error:")).length,
          2,
        );
      });
    });
  },
);

Deno.test(
  "a refusal for a sender who is gone, or addressed to another instance, is dropped quietly",
  opts,
  async () => {
    await withRedis(async (redis) => {
      await withCluster(redis, twoInstances({}), async ({ servers: [a, b], login }) => {
        const alice = await login(a, "alice");
        const bob = await login(b, "bob");
        const refusal = (to: string, toInstance: string) =>
          JSON.stringify({
            v: BUS_FORMAT_VERSION,
            kind: "private-refused",
            instance: "x",
            to,
            toInstance,
            name: "Ghost",
            reason: "offline",
          });
        await redisCommand(redis.port, "PUBLISH", CHANNEL, refusal("gone", a.bus.instanceId));
        await redisCommand(redis.port, "PUBLISH", CHANNEL, refusal("alice", b.bus.instanceId));
        // Bob is on b, not on a: a refusal to a naming bob's key is not a's to tell.
        await redisCommand(redis.port, "PUBLISH", CHANNEL, refusal("bob", a.bus.instanceId));
        // The last ones, to their own instances: each is told once, after the above were applied.
        await redisCommand(redis.port, "PUBLISH", CHANNEL, refusal("alice", a.bus.instanceId));
        await redisCommand(redis.port, "PUBLISH", CHANNEL, refusal("bob", b.bus.instanceId));
        await alice.waitForNotice(notOnlineNotice("Ghost"));
        await bob.waitForNotice(notOnlineNotice("Ghost"));
        await alice.sync();
        await bob.sync();
        const errors = (c: TestClient) => c.received.filter((f) => f.message.startsWith("error:"));
        assert.equal(errors(alice).length, 1);
        assert.equal(errors(bob).length, 1);
      });
    });
  },
);
