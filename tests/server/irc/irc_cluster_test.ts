/**
 * The IRC door in a cluster: an IRC user on one instance and binary users on another share the
 * room: chat, actions and private messages both ways, joins and leaves as IRC lines, and names
 * held cluster-wide (an IRC nick taken on the other instance gets 433); a topic set on the other
 * instance as a TOPIC line, and an IRC operator's MODE +b closing a user of the other instance.
 */

import assert from "node:assert/strict";
import { hashPassword } from "../../../server/moderation/password_hash.ts";
import type { ServerOptions } from "../../../server/options.ts";
import { ircAddress, IrcTestClient } from "../../helpers/irc_wire.ts";
import { withCluster, type WithClusterSettings } from "../../helpers/cluster.ts";
import { redisUnavailableReason, withRedis } from "../../helpers/redis.ts";
import { skipWhen } from "../../helpers/platform.ts";
import { TestClient, waitUntil } from "../../helpers/wire.ts";

const opts = {
  sanitizeOps: true,
  sanitizeResources: true,
  ignore: skipWhen("IRC cluster test", await redisUnavailableReason()),
};

/** Two instances; instance 0 has an IRC door. */
function twoInstances(options: Partial<ServerOptions> = {}): WithClusterSettings {
  const door = { ircPort: 0, ircHost: "127.0.0.1" };
  return { instances: [{ id: "irc0", options: door }, { id: "irc1" }], options };
}

Deno.test(
  "irc in a cluster: an IRC user and a user of another instance talk both ways",
  opts,
  async () => {
    await withRedis(async (redis) => {
      await withCluster(redis, twoInstances(), async ({ servers }) => {
        const bob = await TestClient.connect(servers[1].addr);
        const alice = await IrcTestClient.connect(ircAddress(servers[0]));
        const taken = await IrcTestClient.connect(ircAddress(servers[0]));
        try {
          await bob.login("bob");
          await waitUntil(() => servers[0].onlineNames().includes("bob"), 5000, "bob everywhere");
          const burst = await alice.register("alice");
          assert.equal(burst.find((line) => line.command === "353")?.params[3], "alice bob");
          await bob.waitForNotice("alice joined");

          await alice.send("PRIVMSG #chat :hello across");
          assert.equal((await bob.waitForMessage("alice")).message, "hello across");
          await bob.say("hello back");
          assert.equal(
            (await alice.expect("PRIVMSG", "back")).raw,
            ":bob!bob@chat PRIVMSG #chat :hello back",
          );
          await bob.say("/me waves");
          assert.equal(
            (await alice.expect("PRIVMSG", "ACTION")).params[1],
            "\u0001ACTION waves\u0001",
          );
          await alice.send("PRIVMSG bob :psst");
          await bob.waitForNotice("[private] alice: psst");
          await bob.say("/msg alice hi alice");
          assert.equal((await alice.expect("PRIVMSG", "hi alice")).params[0], "alice");

          await taken.send("NICK BOB", "USER b 0 * :b");
          await taken.expect("433");

          await bob.say("/quit");
          assert.equal((await alice.expect("QUIT")).raw, ":bob!bob@chat QUIT :quit");
        } finally {
          await Promise.all([bob.close(), alice.close(), taken.close()]);
        }
      });
    });
  },
);

Deno.test(
  "irc in a cluster: a topic from the other instance is a TOPIC line; MODE +b bans there too",
  opts,
  async () => {
    const operators = [`alice:${await hashPassword("pw")}`, `bob:${await hashPassword("pw")}`];
    await withRedis(async (redis) => {
      await withCluster(redis, twoInstances({ operators }), async ({ servers }) => {
        const bob = await TestClient.connect(servers[1].addr);
        const carol = await TestClient.connect(servers[1].addr);
        const alice = await IrcTestClient.connect(ircAddress(servers[0]));
        try {
          await bob.login("bob");
          await carol.login("carol");
          await waitUntil(() => servers[0].onlineNames().includes("carol"), 5000, "carol too");
          await alice.register("alice");
          await bob.say("/oper pw");
          await bob.waitForNotice("You are now an operator");
          await bob.say("/topic set from afar");
          assert.equal(
            (await alice.expect("TOPIC")).raw,
            ":bob!bob@chat TOPIC #chat :set from afar",
          );

          await alice.send("OPER alice pw");
          await alice.expect("381");
          await alice.send("MODE #chat +b carol!*@*");
          await carol.expectClosed();
          assert.match(
            (await alice.expect("QUIT")).raw,
            /^:carol!carol@chat QUIT :banned by alice/,
          );
        } finally {
          await Promise.all([bob.close(), carol.close(), alice.close()]);
        }
      });
    });
  },
);
