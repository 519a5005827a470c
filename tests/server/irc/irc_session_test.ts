/**
 * The IRC door over raw sockets: registration, messages both ways with binary clients, the
 * query commands and their numerics, and the limits.
 */

import assert from "node:assert/strict";
import { hashPassword } from "../../../server/moderation/password_hash.ts";
import { ManualClock } from "../../helpers/clock.ts";
import { ircAddress, IrcTestClient, type IrcTestLine } from "../../helpers/irc_wire.ts";
import { withIrc } from "../../helpers/irc_server.ts";
import { waitUntil } from "../../helpers/timeout.ts";
import { skipWhen } from "../../helpers/platform.ts";
import { certificatesUnavailable, makeTestCertificates } from "../../helpers/tls.ts";

const commands = (lines: readonly IrcTestLine[]) => lines.map((line) => line.command);

Deno.test("irc: registration sends 001 to 005, the MOTD, the JOIN, no topic and the names", async () => {
  await withIrc({}, async ({ ircConnect, login }) => {
    const bob = await login("bob");
    const irc = await ircConnect();
    const lines = await irc.register("alice");
    assert.deepEqual(commands(lines), [
      "001",
      "002",
      "003",
      "004",
      "005",
      "375",
      "372",
      "372",
      "376",
      "JOIN",
      "331",
      "353",
      "366",
    ]);
    assert.equal(lines[0].source, "chat.server");
    assert.deepEqual(lines[0].params.slice(0, 1), ["alice"]);
    const isupport = lines[4].params;
    for (const token of ["CHANTYPES=#", "NICKLEN=32", "CASEMAPPING=rfc8265", "CHANLIMIT=#:1"]) {
      assert.ok(isupport.includes(token), `005 has ${token}: ${isupport.join(" ")}`);
    }
    assert.equal(lines[9].raw, ":alice!alice@chat JOIN #chat");
    assert.deepEqual(lines[10].params, ["alice", "#chat", "No topic is set"]);
    assert.deepEqual(lines[11].params, ["alice", "=", "#chat", "alice bob"]);
    assert.deepEqual(lines[12].params.slice(0, 2), ["alice", "#chat"]);
    await bob.waitForNotice("alice joined");
  });
});

Deno.test("irc: CAP LS holds registration until CAP END; REQ is ACKed for server-time only", async () => {
  await withIrc({}, async ({ ircConnect }) => {
    const irc = await ircConnect();
    await irc.send("CAP LS 302", "NICK alice", "USER alice 0 * :Alice");
    assert.deepEqual((await irc.expect("CAP")).params, ["*", "LS", "server-time"]);
    await irc.send("CAP REQ :server-time");
    assert.deepEqual((await irc.expect("CAP")).params, ["alice", "ACK", "server-time"]);
    await irc.send("CAP REQ :sasl");
    assert.deepEqual((await irc.expect("CAP")).params, ["alice", "NAK", "sasl"]);
    await irc.send("CAP LIST", "CAP FOO");
    assert.deepEqual((await irc.expect("CAP")).params, ["alice", "LIST", "server-time"]);
    await irc.expect("410");
    assert.ok(!irc.received.some((line) => line.command === "001"), "no 001 before CAP END");
    await irc.send("CAP END");
    await irc.expect("001");
    await irc.expect("366");
  });
});

Deno.test("irc: --irc-password: a wrong or missing PASS gets 464 and ERROR, the right one joins", async () => {
  await withIrc({ ircPassword: "sesame" }, async ({ ircConnect }) => {
    for (const before of [[], ["PASS nope"]]) {
      const irc = await ircConnect();
      await irc.send(...before, "NICK alice", "USER alice 0 * :A");
      const rest = await irc.closedByServer();
      assert.deepEqual(commands(rest).filter((c) => c !== "NOTICE"), ["464", "ERROR"]);
    }
    const irc = await ircConnect();
    const lines = await irc.register("alice", ["PASS sesame"]);
    assert.equal(lines[0].command, "001");
  });
});

Deno.test("irc: nicks share the room's names: refused ones get 432, taken ones 433", async () => {
  await withIrc({}, async ({ ircConnect, connect, login }) => {
    await login("Bob");
    const irc = await ircConnect();
    for (const bad of ["a!b", "/root", "#x", "x".repeat(33)]) {
      await irc.send(`NICK ${bad}`);
      const reply = await irc.expect("432");
      assert.equal(reply.params[1], bad);
    }
    await irc.send("NICK bob", "USER bob 0 * :B");
    assert.deepEqual((await irc.expect("433")).params.slice(0, 1), ["*"]);
    await irc.send("NICK Jos\u00e9");
    await irc.expect("366");
    const binary = await connect();
    await binary.send({ username: "jos\u00c9", message: "" });
    await binary.waitForNotice("already taken");
    await irc.send("NOPE");
    await irc.expect("421", "NOPE");
  });
});

Deno.test("irc: PRIVMSG and NOTICE to the channel are chat; binary chat arrives as PRIVMSG", async () => {
  await withIrc({}, async ({ irc, login }) => {
    const bob = await login("bob");
    const alice = await irc("alice");
    const carol = await irc("carol");
    await alice.expect("JOIN", "#chat");
    await alice.send("PRIVMSG #chat :hello there", "NOTICE #CHAT :a notice");
    const first = await bob.waitForFrame((frame) => frame.username === "alice");
    assert.equal(first.message, "hello there");
    const second = await bob.waitForFrame((frame) => frame.username === "alice");
    assert.equal(second.message, "a notice");
    assert.equal(
      (await carol.expect("PRIVMSG")).raw,
      ":alice!alice@chat PRIVMSG #chat :hello there",
    );
    await bob.say("hi from the binary side");
    assert.equal(
      (await alice.expect("PRIVMSG", "binary")).raw,
      ":bob!bob@chat PRIVMSG #chat :hi from the binary side",
    );
    await alice.send("PRIVMSG #chat :\u0001ACTION waves\u0001");
    await bob.waitForNotice("* alice waves");
    assert.equal(
      (await carol.expect("PRIVMSG", "ACTION")).raw,
      ":alice!alice@chat PRIVMSG #chat :\u0001ACTION waves\u0001",
    );
    await bob.say("/me nods");
    assert.equal(
      (await alice.expect("PRIVMSG", "ACTION")).raw,
      ":bob!bob@chat PRIVMSG #chat :\u0001ACTION nods\u0001",
    );
  });
});

Deno.test("irc: PRIVMSG NICK is /msg both ways; unknown nicks get 401; away targets 301", async () => {
  await withIrc({}, async ({ irc, login }) => {
    const bob = await login("bob");
    const alice = await irc("alice");
    const carol = await irc("carol");
    await alice.send("PRIVMSG BOB :psst");
    await bob.waitForNotice("[private] alice: psst");
    await bob.say("/msg alice back at you");
    assert.equal(
      (await alice.expect("PRIVMSG", "back")).raw,
      ":bob!bob@chat PRIVMSG alice :back at you",
    );
    await alice.send("PRIVMSG nobody :x");
    assert.deepEqual((await alice.expect("401")).params, ["alice", "nobody", "No such nick"]);
    await carol.send("AWAY :lunch");
    await carol.expect("306");
    await alice.send("PRIVMSG carol :are you there");
    assert.equal(
      (await carol.expect("PRIVMSG")).raw,
      ":alice!alice@chat PRIVMSG carol :are you there",
    );
    assert.deepEqual((await alice.expect("301")).params, ["alice", "carol", "lunch"]);
    await carol.send("AWAY");
    await carol.expect("305");
    await alice.send("PRIVMSG", "PRIVMSG #chat", "PRIVMSG #other :x");
    await alice.expect("411");
    await alice.expect("412");
    await alice.expect("403", "#other");
  });
});

Deno.test("irc: a binary message with line breaks, NUL or 2000 bytes stays within IRC framing", async () => {
  await withIrc({}, async ({ irc, login }) => {
    const bob = await login("bob");
    const alice = await irc("alice");
    await bob.say("one\r\ntwo\nthree\0four");
    const lines = [];
    for (let i = 0; i < 3; i++) lines.push((await alice.expect("PRIVMSG")).params[1]);
    assert.deepEqual(lines, ["one", "two", "three\ufffdfour"]);
    const long = "\u00e9\u{1f600}x".repeat(300);
    await bob.say(long);
    let joined = "";
    while (joined.length < long.length) {
      const line = await alice.expect("PRIVMSG");
      assert.ok(new TextEncoder().encode(line.raw).length + 2 <= 512, "at most 512 bytes");
      joined += line.params[1];
    }
    assert.equal(joined, long);
  });
});

Deno.test("irc: QUIT ends with ERROR; others see the QUIT (IRC) or the leave notice (binary)", async () => {
  await withIrc({}, async ({ irc, login }) => {
    const bob = await login("bob");
    const alice = await irc("alice");
    const carol = await irc("carol");
    await carol.send("QUIT :gone fishing");
    const rest = await carol.closedByServer();
    assert.match(rest[rest.length - 1].raw, /^ERROR :Closing link: carol \(quit: gone fishing\)$/);
    assert.equal((await alice.expect("QUIT")).raw, ":carol!carol@chat QUIT :quit: gone fishing");
    await bob.waitForNotice("carol left (quit: gone fishing)");
    await bob.say("/quit");
    assert.equal((await alice.expect("QUIT")).raw, ":bob!bob@chat QUIT :quit");
  });
});

Deno.test("irc: PART leaves the room but not the server; JOIN comes back; other channels 403", async () => {
  await withIrc({}, async ({ irc, login, server }) => {
    const bob = await login("bob");
    const alice = await irc("alice");
    const carol = await irc("carol");
    await carol.send("PART #chat :brb");
    assert.equal((await carol.expect("PART")).raw, ":carol!carol@chat PART #chat :brb");
    assert.equal((await alice.expect("PART")).raw, ":carol!carol@chat PART #chat :brb");
    await bob.waitForNotice("carol left (part: brb)");
    assert.deepEqual(server.onlineNames(), ["alice", "bob"]);
    await carol.send("PRIVMSG #chat :hello?", "PART #chat", "PING :still");
    await carol.expect("404");
    await carol.expect("442");
    assert.deepEqual((await carol.expect("PONG")).params, ["chat.server", "still"]);
    await carol.send("JOIN #elsewhere", "PART #elsewhere", "JOIN #chat");
    await carol.expect("403", "#elsewhere");
    await carol.expect("403", "#elsewhere");
    assert.equal((await carol.expect("JOIN")).raw, ":carol!carol@chat JOIN #chat");
    assert.deepEqual((await carol.expect("353")).params[3], "alice bob carol");
    await bob.waitForNotice("carol joined");
    assert.equal((await alice.expect("JOIN")).raw, ":carol!carol@chat JOIN #chat");
  });
});

Deno.test("irc: WHO, WHOIS, NAMES, TOPIC, LIST, MODE, USERHOST and ISON answer from the room", async () => {
  await withIrc({}, async ({ irc, login }) => {
    await login("bob");
    const alice = await irc("alice");
    await alice.send("AWAY :afk", "WHO #chat");
    await alice.expect("306");
    const who = [await alice.expect("352"), await alice.expect("352")];
    assert.deepEqual(who.map((l) => l.params.slice(1, 7)), [
      ["#chat", "alice", "chat", "chat.server", "alice", "G"],
      ["#chat", "bob", "chat", "chat.server", "bob", "H"],
    ]);
    assert.equal(who[0].params[7], "0 alice real");
    await alice.expect("315");
    await alice.send("WHOIS bob");
    assert.deepEqual(
      commands([
        await alice.expect("311"),
        await alice.expect("312"),
        await alice.expect("319"),
        await alice.expect("318"),
      ]),
      ["311", "312", "319", "318"],
    );
    await alice.send("WHOIS ghost");
    await alice.expect("401", "ghost");
    await alice.expect("318");
    await alice.send("NAMES #chat");
    assert.equal((await alice.expect("353")).params[3], "alice bob");
    await alice.expect("366");
    await alice.send("TOPIC #chat", "TOPIC #chat :new topic");
    await alice.expect("331");
    await alice.expect("482");
    await alice.send("LIST");
    await alice.expect("321");
    assert.deepEqual((await alice.expect("322")).params.slice(1, 3), ["#chat", "2"]);
    await alice.expect("323");
    await alice.send("MODE #chat", "MODE #chat b", "MODE #chat +m", "MODE alice +i", "MODE bob");
    assert.deepEqual((await alice.expect("324")).params.slice(1), ["#chat", "+n"]);
    await alice.expect("368");
    await alice.expect("482");
    await alice.expect("221");
    await alice.expect("502");
    await alice.send("USERHOST alice bob ghost", "ISON bob ghost alice");
    assert.equal((await alice.expect("302")).params[1], "alice=-alice@chat bob=+bob@chat");
    assert.equal((await alice.expect("303")).params[1], "bob alice");
    // The password check takes a moment: the KICK is answered first.
    await alice.send("OPER alice secret", "KICK #chat bob");
    await alice.expect("482");
    await alice.expect("NOTICE", "wrong password");
  });
});

Deno.test("irc: before registration only CAP, PASS, NICK, USER, PING and QUIT are answered", async () => {
  await withIrc({}, async ({ ircConnect }) => {
    const irc = await ircConnect();
    await irc.send("PRIVMSG #chat :early", "JOIN #chat", "PING :x");
    await irc.expect("451");
    await irc.expect("451");
    await irc.expect("PONG");
    await irc.send("QUIT");
    await irc.closedByServer();
  });
});

Deno.test("irc: an over-long line gets 417 and the session goes on; tags may add 8191 bytes", async () => {
  await withIrc({}, async ({ irc, login }) => {
    const bob = await login("bob");
    const alice = await irc("alice");
    await alice.send(`PRIVMSG #chat :${"x".repeat(600)}`);
    await alice.expect("417");
    await alice.send(`@label=${"y".repeat(4000)} PRIVMSG #chat :tagged`);
    assert.equal((await bob.waitForFrame((f) => f.username === "alice")).message, "tagged");
    // A line that never ends is dropped as it grows, not buffered.
    await alice.sendRaw(new TextEncoder().encode("z".repeat(20000)));
    await alice.expect("417");
    await alice.send("", "PRIVMSG #chat :after");
    assert.equal((await bob.waitForFrame((f) => f.username === "alice")).message, "after");
    await alice.sendRaw(new Uint8Array([0x50, 0x49, 0x4e, 0x47, 0x20, 0xff, 0x0d, 0x0a]));
    await alice.expect("NOTICE", "UTF-8");
  });
});

Deno.test("irc: the login timeout closes a client that never registers", async () => {
  const clock = new ManualClock();
  await withIrc({ loginTimeoutSeconds: 5 }, async ({ ircConnect, server }) => {
    const irc = await ircConnect();
    await irc.send("NICK slow");
    await waitUntil(() => server.connectionCount() === 1, 5000, "the connection to be served");
    clock.advance(5000);
    const rest = await irc.closedByServer();
    assert.equal(rest[rest.length - 1].raw, "ERROR :Registration timed out");
    assert.equal(server.connectionCount(), 0);
  }, clock);
});

Deno.test("irc: the server PINGs a silent client; its PONG counts as activity", async () => {
  const clock = new ManualClock();
  await withIrc({}, async ({ irc }) => {
    const alice = await irc("alice");
    clock.advance(120_000);
    assert.deepEqual((await alice.expect("PING")).params, ["chat.server"]);
  }, clock);
});

Deno.test("irc: with --idle-timeout the PING comes at half of it, and a PONG keeps the client", async () => {
  const clock = new ManualClock();
  await withIrc({ idleTimeoutSeconds: 20 }, async ({ irc, server }) => {
    const alice = await irc("alice");
    // PINGed between 10 s of silence and a third of that later; closed as idle only at 20 s.
    clock.advance(14_000);
    await alice.expect("PING");
    await alice.send("PONG :chat.server", "PING :mark");
    await alice.expect("PONG", "mark");
    clock.advance(14_000);
    await alice.send("PING :still here");
    await alice.expect("PONG", "still here");
    assert.deepEqual(server.onlineNames(), ["alice"]);
  }, clock);
});

Deno.test("irc: flood control, the per-IP limit and the send queue hold for IRC clients", async () => {
  await withIrc({ floodRate: 1, floodBurst: 1 }, async ({ irc, login }) => {
    const bob = await login("bob");
    const alice = await irc("alice");
    await alice.send("PRIVMSG #chat :1", "PRIVMSG #chat :2", "PRIVMSG #chat :3");
    await alice.expect("NOTICE", "flood limit");
    await bob.waitForFrame((frame) => frame.username === "alice" && frame.message === "1");
  });
  await withIrc({ maxClientsPerIp: 1 }, async ({ ircConnect, login }) => {
    await login("bob");
    const irc = await ircConnect();
    const rest = await irc.closedByServer();
    assert.match(rest[0].raw, /^ERROR :error: too many connections from your address/);
  });
  await withIrc({ sendqBytes: 1000 }, async ({ irc, login }) => {
    const bob = await login("bob");
    const alice = await irc("alice");
    await bob.say("x".repeat(3000));
    await alice.closedByServer();
    await bob.waitForNotice("alice left (too slow to read)");
  });
});

Deno.test("irc: a server shutdown reaches IRC clients as ERROR", async () => {
  await withIrc({}, async ({ irc, server }) => {
    const alice = await irc("alice");
    const closing = server.shutdown();
    const rest = await alice.closedByServer();
    assert.equal(rest[rest.length - 1].raw, "ERROR :server shutting down");
    await closing;
  });
});

Deno.test("irc: --irc-channel names the room's channel", async () => {
  await withIrc({ ircChannel: "#lobby" }, async ({ irc }) => {
    const alice = await irc("alice");
    assert.ok(alice.received.some((line) => line.raw === ":alice!alice@chat JOIN #lobby"));
    await alice.send("JOIN #chat");
    await alice.expect("403", "#chat");
  });
});

Deno.test("irc: room notices reach IRC clients as NOTICE from the server to the channel", async () => {
  await withIrc({}, async ({ irc, server }) => {
    const alice = await irc("alice");
    server.room.announce("maintenance at noon");
    assert.equal(
      (await alice.expect("NOTICE")).raw,
      ":chat.server NOTICE #chat :maintenance at noon",
    );
  });
});

Deno.test({
  name:
    "irc: with --tls-cert the IRC door speaks TLS (ircs), like the main port, and SIGHUP reloads it",
  ignore: skipWhen("IRC TLS test", await certificatesUnavailable()),
}, async () => {
  const certs = await makeTestCertificates();
  try {
    const tls = { tlsCert: certs.certFile, tlsKey: certs.keyFile };
    await withIrc(tls, async ({ server }) => {
      assert.deepEqual(server.listeners.map((l) => l.kind), ["tls", "ircs"]);
      const irc = await IrcTestClient.connectTls(ircAddress(server), certs.caPem);
      try {
        const lines = await irc.register("alice");
        assert.equal(lines[0].command, "001");
        assert.equal(await server.reload(), 0, "both TLS listeners reloaded");
        // The connected client keeps its connection; a new one gets the reloaded listener.
        await irc.send("PING :still");
        await irc.expect("PONG", "still");
        const after = await IrcTestClient.connectTls(ircAddress(server), certs.caPem);
        try {
          assert.equal((await after.register("bob"))[0].command, "001");
        } finally {
          await after.close();
        }
      } finally {
        await irc.close();
      }
    });
  } finally {
    await certs.remove();
  }
});

Deno.test("irc: the replay follows the join: NOTICEs in the history form, or tagged PRIVMSGs with server-time", async () => {
  await withIrc({}, async ({ irc, ircConnect, login }) => {
    const bob = await login("bob");
    await bob.say("first words");
    await bob.say("/me stretches");
    const plain = await irc("alice");
    const after366 = plain.received.slice(plain.received.findIndex((l) => l.command === "366") + 1);
    const history = [...after366];
    while (history.length < 4) history.push(await plain.expect("NOTICE"));
    assert.deepEqual(history.map((l) => [l.source, l.command, l.params[0]]), [
      ["chat.server", "NOTICE", "#chat"],
      ["chat.server", "NOTICE", "#chat"],
      ["chat.server", "NOTICE", "#chat"],
      ["chat.server", "NOTICE", "#chat"],
    ]);
    assert.match(history[0].params[1], /^History: 2 messages since /);
    assert.match(history[1].params[1], /^\[history \S+Z\] <bob> first words$/);
    assert.match(history[2].params[1], /^\[history \S+Z\] \* bob stretches$/);
    assert.equal(history[3].params[1], "End of history");

    const tagged = await ircConnect();
    await tagged.send("CAP LS 302", "CAP REQ :server-time", "CAP END");
    await tagged.register("carol");
    const chat = await tagged.expect("PRIVMSG");
    assert.match(
      chat.raw,
      /^@time=\d{4}-\d\d-\d\dT[\d:.]+Z :bob!bob@chat PRIVMSG #chat :first words$/,
    );
    const action = await tagged.expect("PRIVMSG");
    assert.match(action.raw, /^@time=\S+ :bob!bob@chat PRIVMSG #chat :/);
    assert.equal(action.params[1], "\u0001ACTION stretches\u0001");
    await tagged.expect("NOTICE", "End of history");
  });
});

Deno.test("irc: the room's commands are reachable as IRC commands (HISTORY, SEARCH, HELP)", async () => {
  await withIrc({}, async ({ irc, login }) => {
    const bob = await login("bob");
    await bob.say("deploy is green");
    const alice = await irc("alice");
    await alice.expect("NOTICE", "End of history");
    await alice.send("HISTORY 5");
    await alice.expect("NOTICE", "History: 1 message");
    assert.match(
      (await alice.expect("NOTICE", "deploy")).raw,
      /^:chat\.server NOTICE alice :\[history /,
    );
    await alice.expect("NOTICE", "End of history");
    await alice.send("SEARCH :deploy green");
    await alice.expect("NOTICE", "History: 1 message");
    await alice.send("HELP");
    await alice.expect("NOTICE", "/history");
    await alice.send("PART #chat", "HISTORY");
    await alice.expect("442");
  });
});

Deno.test("irc: a name is free while its IRC holder is parted; JOIN then needs another nick", async () => {
  await withIrc({}, async ({ irc, login }) => {
    const carol = await irc("carol");
    await carol.send("PART #chat");
    await carol.expect("PART");
    const other = await login("Carol");
    await carol.send("JOIN #chat");
    await carol.expect("433", "carol");
    await carol.send("NICK carol2", "JOIN #chat");
    assert.equal((await carol.expect("NICK")).raw, ":carol!carol@chat NICK :carol2");
    assert.equal((await carol.expect("JOIN")).raw, ":carol2!carol2@chat JOIN #chat");
    await other.waitForNotice("carol2 joined");
    await carol.send("NICK carol3");
    await carol.expect("447");
  });
});

Deno.test("irc: a room of both kinds keeps each broadcast once in the binary clients' shared log", async () => {
  const { processSharedLog, LOG_BLOCK_BYTES } = await import("../../../server/shared_log.ts");
  await withIrc({ floodRate: 0 }, async ({ irc, login }) => {
    // Members joined alternately, so a fan-out alternates between the two kinds.
    const bob = await login("bob");
    await irc("i1");
    const carol = await login("carol");
    const last = await irc("i2");
    await login("dave");
    const count = 2000;
    const text = "x".repeat(100);
    const before = processSharedLog.blocksAllocated;
    for (let i = 0; i < count; i++) await bob.say(text);
    // Delivered in order: once the last has arrived, every one has.
    await bob.say("done");
    await carol.waitForMessage("bob", "done", 20_000);
    await last.expect("PRIVMSG", "done", 20_000);
    const frameBytes = 6 + 3 + text.length;
    const blocks = processSharedLog.blocksAllocated - before;
    // Each frame copied once: the blocks the bytes fill, one more for a block begun earlier, one
    // for "done". Were IRC lines kept in the same log, a fan-out alternating between the kinds
    // would copy every frame again at each switch: about three times as many blocks.
    assert.ok(
      blocks <= Math.ceil((count * frameBytes) / LOG_BLOCK_BYTES) + 2,
      `${blocks} blocks for ${count} frames of ${frameBytes} bytes`,
    );
  });
});

Deno.test("irc: malformed commands get their numerics (461, 462, 409, 431) and the session goes on", async () => {
  await withIrc({}, async ({ irc, ircConnect }) => {
    const early = await ircConnect();
    await early.send("USER only", "PASS", "NICK", "PING");
    assert.deepEqual((await early.expect("461")).params.slice(1, 2), ["USER"]);
    assert.deepEqual((await early.expect("461")).params.slice(1, 2), ["PASS"]);
    await early.expect("431");
    await early.expect("409");
    const alice = await irc("alice");
    const cases: [string, string, string | undefined][] = [
      ["USER a 0 * :again", "462", undefined],
      ["PASS late", "462", undefined],
      ["JOIN", "461", "JOIN"],
      ["PART", "461", "PART"],
      ["KICK #chat", "461", "KICK"],
      ["OPER root", "461", "OPER"],
      ["TOPIC", "461", "TOPIC"],
      ["MODE", "461", "MODE"],
      ["KICK #elsewhere bob", "403", "#elsewhere"],
      ["WHOIS", "431", undefined],
    ];
    for (const [line, code, param] of cases) {
      await alice.send(line);
      const reply = await alice.expect(code);
      if (param !== undefined) assert.equal(reply.params[1], param, line);
    }
    await alice.send("PING :ok");
    await alice.expect("PONG", "ok");
  });
});

Deno.test("irc: operators through the room's table: OPER, TOPIC, KICK, BAN and MUTE", async () => {
  const opers = [`alice:${await hashPassword("pw")}`];
  await withIrc({ operators: opers }, async ({ irc, ircConnect, login }) => {
    const bob = await login("bob");
    const alice = await irc("alice");
    const carol = await irc("carol");
    await alice.send("OPER alice pw");
    await alice.expect("381");
    await alice.expect("NOTICE", "You are now an operator");

    await alice.send("TOPIC #chat :release day");
    await bob.waitForNotice("alice set the topic: release day");
    await carol.expect("TOPIC", "release day");
    await carol.send("TOPIC #chat");
    assert.deepEqual((await carol.expect("332")).params.slice(1), ["#chat", "release day"]);
    assert.equal((await carol.expect("333")).params[2], "alice");
    const dave = await irc("dave");
    assert.equal(dave.received.find((l) => l.command === "332")?.params[2], "release day");

    await alice.send("KICK #chat bob :spam");
    await bob.expectClosed();
    assert.equal(
      (await carol.expect("QUIT")).raw,
      ":bob!bob@chat QUIT :kicked by alice: spam",
    );

    await alice.send("MUTE carol 10m");
    await alice.expect("NOTICE", "carol is muted");
    await carol.send("PRIVMSG #chat :can anyone hear me");
    await carol.expect("NOTICE", "you are muted");

    await alice.send("BAN dave 1h flooding");
    const closing = await dave.closedByServer();
    assert.match(closing[closing.length - 1].raw, /^ERROR :error: banned/);
    const again = await ircConnect();
    await again.send("NICK dave", "USER dave 0 * :d");
    await again.expect("465");
    await again.closedByServer();
  });
});

Deno.test("irc: a nick that looks like an online name is taken (433 says whose)", async () => {
  await withIrc({}, async ({ ircConnect, login }) => {
    await login("obs0");
    const irc = await ircConnect();
    await irc.send("NICK \u043ebs0", "USER x 0 * :X");
    const taken = await irc.expect("433");
    assert.match(taken.params[taken.params.length - 1], /looks like obs0/);
    await irc.send("NICK obs1");
    await irc.expect("366");
  });
});

Deno.test("irc: a private message past its target's byte budget gets the busy notice", async () => {
  // Each client may receive 400 bytes of private messages at once, then 1 a second.
  const options = { floodBytes: 1, floodBytesBurst: 400, maxMessageBytes: 400 };
  await withIrc(options, async ({ irc, login }) => {
    const bob = await login("bob");
    const alice = await irc("alice");
    const carol = await irc("carol");
    const text = "x".repeat(400);
    await alice.send(`PRIVMSG bob :${text}`);
    await bob.waitForNotice(`[private] alice: ${text}`);
    await carol.send(`PRIVMSG bob :${text}`);
    await carol.expect("NOTICE", "bob is receiving too many private messages");
  });
});

Deno.test('irc: /metrics counts IRC clients under transport="irc"', async () => {
  const options = { metrics: { hostname: "127.0.0.1", port: 0 } };
  await withIrc(options, async ({ server, irc, login }) => {
    await login("bob");
    await irc("alice");
    assert.ok(server.metricsAddr !== null);
    const response = await fetch(`http://127.0.0.1:${server.metricsAddr.port}/metrics`);
    const text = await response.text();
    assert.match(text, /^chat_clients\{transport="tcp"\} 1$/m);
    assert.match(text, /^chat_clients\{transport="irc"\} 1$/m);
  });
});
