/**
 * Channel bans the IRC way: ban masks as the room's ban targets, and over raw sockets MODE +b,
 * -b and the ban list mapped onto `/ban`, `/unban` and `/bans`.
 */

import assert from "node:assert/strict";
import { banMask, maskTarget } from "../../../server/irc/irc_bans.ts";
import { hashPassword } from "../../../server/moderation/password_hash.ts";
import { withIrc } from "../../helpers/irc_server.ts";

Deno.test("maskTarget: names and addresses the room can ban; everything else says why not", () => {
  const target = (mask: string) => {
    const mapped = maskTarget(mask);
    return mapped.ok ? mapped.target : null;
  };
  assert.equal(target("bob"), "bob");
  assert.equal(target("bob!*@*"), "bob");
  assert.equal(target("bob!bob@chat"), "bob");
  assert.equal(target("bob!*@chat"), "bob");
  assert.equal(target("*!*@192.0.2.7"), "192.0.2.7");
  assert.equal(target("*!*@10.1.0.0/16"), "10.1.0.0/16");
  assert.equal(target("*!*@10.1.*"), "10.1.0.0/16");
  assert.equal(target("*!*@10.*.*.*"), "10.0.0.0/8");
  assert.equal(target("*@2001:db8::/32"), "2001:db8::/32");
  assert.equal(target("10.1.2.3"), "10.1.2.3");
  assert.equal(target("10.1.*"), "10.1.0.0/16");
  for (
    const [mask, reason] of [
      ["bo*", "wildcards inside a name"],
      ["b?b!*@*", "wildcards inside a name"],
      ["bob!*@example.org", "user and host parts must be *"],
      ["*!bob@*", "user names cannot be banned"],
      ["*!*@*.example.org", "host names cannot be banned"],
      ["*!*@example.org", "host names cannot be banned"],
      ["*!*@*", "ban everyone"],
      ["*!*@10.1.2*", "whole octets"],
    ]
  ) {
    const mapped = maskTarget(mask);
    assert.ok(!mapped.ok && mapped.reason.includes(reason), `${mask}: ${JSON.stringify(mapped)}`);
  }
});

Deno.test("banMask: the ban list shows name bans as NAME!*@* and address bans as *!*@ADDRESS", () => {
  const ban = { setBy: "alice", reason: "", setAt: 0, until: null };
  assert.equal(banMask({ ...ban, key: "name:bob", target: "Bob" }), "Bob!*@*");
  assert.equal(banMask({ ...ban, key: "net:192.0.2.7/32", target: "192.0.2.7" }), "*!*@192.0.2.7");
  assert.equal(banMask({ ...ban, key: "net:10.0.0.0/8", target: "10.1.2.3/8" }), "*!*@10.0.0.0/8");
  assert.equal(banMask({ ...ban, key: "net:2001:db8::1/128", target: "x" }), "*!*@2001:db8::1");
});

Deno.test("irc: MODE +b bans a binary client's name (it is kicked), MODE b lists, -b lifts", async () => {
  const opers = [`alice:${await hashPassword("pw")}`];
  await withIrc({ operators: opers }, async ({ irc, ircConnect, login }) => {
    const bob = await login("bob");
    const alice = await irc("alice");
    const carol = await irc("carol");
    await alice.send("OPER alice pw");
    await alice.expect("381");

    await alice.send("MODE #chat +b bob!*@*");
    const closing = await bob.expectClosed();
    assert.ok(closing.some((frame) => frame.message.includes("banned")), JSON.stringify(closing));
    assert.match((await carol.expect("QUIT")).raw, /^:bob!bob@chat QUIT :banned by alice/);

    await alice.send("MODE #chat +bb *!*@192.0.2.7 *!*@10.1.*", "MODE #chat b");
    const listed = [
      await alice.expect("367"),
      await alice.expect("367"),
      await alice.expect("367"),
    ];
    assert.deepEqual(listed.map((line) => line.params.slice(1, 4)), [
      ["#chat", "bob!*@*", "alice"],
      ["#chat", "*!*@192.0.2.7", "alice"],
      ["#chat", "*!*@10.1.0.0/16", "alice"],
    ]);
    assert.match(listed[0].params[4], /^\d+$/);
    assert.deepEqual((await alice.expect("368")).params.slice(1, 2), ["#chat"]);

    // A banned name cannot register again; lifted, it can.
    const again = await ircConnect();
    await again.send("NICK bob", "USER bob 0 * :b");
    await again.expect("465");
    await again.closedByServer();
    await alice.send("MODE #chat -b bob!*@*");
    await alice.expect("NOTICE", "Ban on bob lifted");
    await alice.send("MODE #chat -b *!*@10.1.0.0/16", "MODE #chat +b");
    await alice.expect("NOTICE", "Ban on 10.1.0.0/16 lifted");
    assert.deepEqual((await alice.expect("367")).params.slice(1, 3), ["#chat", "*!*@192.0.2.7"]);
    await alice.expect("368");
    await login("bob"); // welcomed again
  });
});

Deno.test("irc: MODE +b with a mask the room cannot express changes nothing; non-operators get 482", async () => {
  const opers = [`alice:${await hashPassword("pw")}`];
  await withIrc({ operators: opers }, async ({ irc, login, server }) => {
    const bob = await login("bob");
    const alice = await irc("alice");
    const carol = await irc("carol");
    await carol.send("MODE #chat +b bob!*@*", "MODE #chat -b bob", "MODE #chat b");
    await carol.expect("482");
    await carol.expect("482");
    await carol.expect("368", "End of channel ban list");

    await alice.send("OPER alice pw");
    await alice.expect("381");
    await alice.send("MODE #chat +b *!*@*.example.org", "MODE #chat +b bo*!*@*");
    await alice.expect("NOTICE", "cannot ban *!*@*.example.org: host names cannot be banned");
    await alice.expect("NOTICE", "cannot ban bo*!*@*: wildcards inside a name");
    await alice.send("MODE #chat -b nobody!*@*", "MODE #chat -b");
    await alice.expect("NOTICE", "nobody is not banned");
    await alice.expect("461");
    await alice.send("MODE #chat b");
    await alice.expect("368");
    assert.equal(alice.received.some((line) => line.command === "367"), false);
    assert.equal(server.moderation.bans().length, 0);
    await bob.say("still here");
    await carol.expect("PRIVMSG", "still here");
  });
});
