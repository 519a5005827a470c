/**
 * The room's command table from IRC, over raw sockets: an operator's TOPIC sets the room's topic
 * through `/topic`, and every IRC user is told with a TOPIC line (binary clients keep the notice).
 */

import assert from "node:assert/strict";
import { hashPassword } from "../../../server/moderation/password_hash.ts";
import { withIrc } from "../../helpers/irc_server.ts";

Deno.test("irc: a topic change reaches IRC users as a TOPIC line, binary clients as the notice", async () => {
  const opers = [`alice:${await hashPassword("pw")}`, `bob:${await hashPassword("pw")}`];
  await withIrc({ operators: opers }, async ({ irc, login }) => {
    const bob = await login("bob");
    const alice = await irc("alice");
    const carol = await irc("carol");
    await alice.send("OPER alice pw");
    await alice.expect("381");

    await alice.send("TOPIC #chat :release day");
    assert.equal((await alice.expect("TOPIC")).raw, ":alice!alice@chat TOPIC #chat :release day");
    assert.equal((await carol.expect("TOPIC")).raw, ":alice!alice@chat TOPIC #chat :release day");
    await bob.waitForNotice("alice set the topic: release day");

    // A binary operator's /topic goes the same way.
    await bob.say("/oper pw");
    await bob.waitForNotice("You are now an operator");
    await bob.say("/topic freeze at noon");
    await bob.waitForNotice("bob set the topic: freeze at noon");
    assert.equal((await carol.expect("TOPIC")).raw, ":bob!bob@chat TOPIC #chat :freeze at noon");
    assert.equal(
      carol.received.some((line) =>
        line.command === "NOTICE" && line.raw.includes("set the topic")
      ),
      false,
      "IRC users get the TOPIC line instead of the notice",
    );
    await carol.send("TOPIC #chat");
    assert.deepEqual((await carol.expect("332")).params.slice(1), ["#chat", "freeze at noon"]);
    assert.equal((await carol.expect("333")).params[2], "bob");
  });
});

Deno.test("irc: TOPIC is refused with 482 for a non-operator; clearing gets a notice; a long topic stays one line", async () => {
  const opers = [`alice:${await hashPassword("pw")}`, `bob:${await hashPassword("pw")}`];
  await withIrc({ operators: opers }, async ({ irc, login }) => {
    const alice = await irc("alice");
    const carol = await irc("carol");
    await carol.send("TOPIC #chat :mine now");
    assert.deepEqual((await carol.expect("482")).params.slice(1, 2), ["#chat"]);
    await carol.send("TOPIC #chat :");
    await carol.expect("482");

    await alice.send("OPER alice pw");
    await alice.expect("381");
    await alice.send("TOPIC #chat :");
    await alice.expect("NOTICE", "the topic cannot be cleared, only replaced");
    await alice.send("TOPIC #chat");
    await alice.expect("331");

    // A binary operator may set 512 bytes, past what one IRC line carries with its prefix.
    const bob = await login("bob");
    await bob.say("/oper pw");
    await bob.waitForNotice("You are now an operator");
    const long = "é".repeat(256);
    await bob.say(`/topic ${long}`);
    const line = await carol.expect("TOPIC");
    assert.ok(new TextEncoder().encode(`${line.raw}\r\n`).length <= 512, line.raw);
    assert.ok(long.startsWith(line.params[1]) && line.params[1].length > 200);
    await carol.send("TOPIC #chat");
    const shown = await carol.expect("332");
    assert.ok(new TextEncoder().encode(`${shown.raw}\r\n`).length <= 512, shown.raw);
    // Nothing was split into a second TOPIC line.
    await carol.send("PING :after");
    await carol.expect("PONG", "after");
    assert.equal(carol.received.filter((l) => l.command === "TOPIC").length, 1);
  });
});
