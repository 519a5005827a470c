/**
 * Moderation across a cluster: two instances and a real redis-server. A kick or ban set on one
 * instance reaches the user on the other; bans, mutes and the topic hold on every instance within
 * a second, and live in Redis, so an instance started later has them too.
 */

import assert from "node:assert/strict";
import { hashPassword } from "../../../server/moderation/password_hash.ts";
import { skipWhen } from "../../helpers/platform.ts";
import { redisUnavailableReason, withRedis } from "../../helpers/redis.ts";
import { withCluster } from "../../helpers/cluster.ts";
import { TcpProxy } from "../../helpers/tcp_proxy.ts";
import { waitUntil } from "../../helpers/wire.ts";
import { LINK_DOWN_NOTICE } from "../../../server/bus/notices.ts";

const opts = {
  sanitizeOps: true,
  sanitizeResources: true,
  ignore: skipWhen("cluster moderation tests", await redisUnavailableReason()),
};
const OPERS = [`alice:${await hashPassword("pw")}`, `olga:${await hashPassword("pw2")}`];
/** The spec's bound: a change holds on every instance within a second. */
const WITHIN_MS = 1000;

Deno.test("cluster: kicks, bans, mutes and the topic reach every instance", opts, async () => {
  await withRedis(async (redis) => {
    const settings = { options: { operators: OPERS } };
    await withCluster(redis, settings, async ({ servers, consoles, start, connect, login }) => {
      const [one, two] = servers;
      const alice = await login(one, "alice");
      await alice.say("/oper pw");
      await alice.waitForNotice("You are now an operator");
      const bob = await login(two, "bob");
      const carol = await login(two, "carol");

      await alice.say("/kick bob off you go");
      const told = await bob.expectClosed();
      assert.ok(told.some((f) => f.message === "error: kicked by alice: off you go"));
      await carol.waitForNotice("bob left (kicked by alice: off you go)");
      await alice.waitForNotice("bob left (kicked by alice: off you go)");

      // An operator on the other instance is kicked only by the console.
      const olga = await login(two, "olga");
      await olga.say("/oper pw2");
      await olga.waitForNotice("You are now an operator");
      await alice.say("/kick olga");
      await consoles[1].waitForLine("refused a kick of operator olga by alice");
      await one.consoleCommand("/kick olga console says so");
      await olga.expectClosed();
      await carol.waitForNotice("olga left (kicked by server: console says so)");

      const dave = await login(two, "dave");
      await alice.say("/ban dave 1h spam");
      const banned = await dave.expectClosed();
      assert.ok(banned.some((f) => /^error: banned \(spam; (59m|1h) left\)$/.test(f.message)));
      await carol.waitForNotice("alice banned dave for 1h: spam");
      await carol.waitForNotice("dave left (banned by alice: spam)");
      await waitUntil(() => two.moderation.banForName("dave") !== null, WITHIN_MS, "the ban on i1");
      const again = await connect(two);
      await again.send({ username: "Dave", message: "" });
      const refused = await again.expectClosed();
      assert.match(refused[0]?.message ?? "", /^error: banned \(spam; (59m|1h) left\)$/);

      await alice.say("/mute carol 10m");
      await waitUntil(() => two.moderation.muteFor("carol") !== null, WITHIN_MS, "the mute on i1");
      await carol.say("hello?");
      await carol.waitForNotice("error: you are muted (");
      await alice.say("/topic shared by all");
      await carol.waitForNotice("alice set the topic: shared by all");

      await two.consoleCommand("/say from the console of i1");
      await alice.waitForNotice("from the console of i1");
      await carol.waitForNotice("from the console of i1");

      // Kept in Redis: an instance started now has them all.
      const three = await start({ id: "i2" });
      assert.deepEqual(three.moderation.bans().map((b) => b.target), ["dave"]);
      assert.equal(three.moderation.muteFor("carol")?.setBy, "alice");
      assert.equal(three.moderation.topic?.text, "shared by all");

      await alice.say("/unban dave");
      await alice.waitForNotice("Ban on dave lifted");
      await waitUntil(() => two.moderation.banForName("dave") === null, WITHIN_MS, "the unban");
      await login(two, "dave");
    });
  });
});

Deno.test(
  "cluster: a ban set while an instance was cut off from Redis holds there once it is back",
  opts,
  async () => {
    await withRedis(async (redis) => {
      const proxy = TcpProxy.start({ hostname: "127.0.0.1", port: redis.port });
      try {
        const instances = [{}, { options: { redis: `redis://127.0.0.1:${proxy.port}` } }];
        await withCluster(redis, { instances }, async ({ servers, login }) => {
          const [one, two] = servers;
          const bob = await login(two, "bob");

          proxy.cut();
          await bob.waitForNotice(LINK_DOWN_NOTICE, 5000);
          await one.consoleCommand("/ban bob 1h missed event");
          await one.consoleCommand("/topic set while i1 was away");
          assert.equal(two.moderation.banForName("bob"), null, "i1 did not hear of it");

          proxy.restore();
          const told = await bob.expectClosed(8000);
          assert.ok(told.some((f) => /^error: banned \(missed event; /.test(f.message)));
          assert.equal(two.moderation.topic?.text, "set while i1 was away");
        });
      } finally {
        await proxy.close();
      }
    });
  },
);
