/**
 * Moderation on one server, over real sockets: /oper (loopback, three strikes, the console's
 * lines), /kick, /mute with its time left and expiry, /topic in the welcome, name bans at login,
 * IP and CIDR bans before the login is read (a dual-stack listener tells ::1 from 127.0.0.1),
 * /bans and /unban, every bad input refused with nothing changed, /help by access level, and
 * bans, mutes and the topic surviving a restart with --db.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import type { Frame } from "../../protocol/mod.ts";
import { moderationCommands, type ModerationUser } from "../../server/commands/mod_commands.ts";
import { ServerConsole } from "../../server/console.ts";
import { Moderation } from "../../server/moderation/moderation.ts";
import { OperatorRegistry } from "../../server/moderation/operators.ts";
import { hashPassword } from "../../server/moderation/password_hash.ts";
import { Room } from "../../server/room.ts";
import { startServer } from "../../server/server.ts";
import { type Connection, Session } from "../../server/session.ts";
import { DEFAULT_SERVER_OPTIONS } from "../../server/options.ts";
import { testCommands } from "../helpers/history.ts";
import { SqliteStore } from "../../server/store/sqlite_store.ts";
import { MIGRATIONS } from "../../server/store/sqlite_schema.ts";
import { ManualClock } from "../helpers/clock.ts";
import { CapturedConsole, testServerOptions, withServer } from "../helpers/server.ts";
import { TestClient } from "../helpers/wire.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };
const PASSWORD = "correct horse";
const OPERS = [`alice:${await hashPassword(PASSWORD)}`, `olga:${await hashPassword("olga-pw")}`];

/** Logs `client` in as an operator. */
async function oper(client: TestClient, password = PASSWORD): Promise<void> {
  await client.say(`/oper ${password}`);
  await client.waitForNotice("You are now an operator");
}

/** The next notice's text, join notices skipped. */
async function nextNotice(client: TestClient): Promise<string> {
  const frame = await client.waitForFrame((f: Frame) =>
    f.username === "" && !f.message.endsWith(" joined")
  );
  return frame.message;
}

Deno.test(
  "/oper: an operator from loopback; wrong passwords counted, the third closes",
  opts,
  async () => {
    await withServer({ options: { operators: OPERS } }, async ({ login, console }) => {
      const alice = await login("alice");
      await alice.say("/kick bob");
      assert.equal(await nextNotice(alice), "error: /kick is for operators only");
      await oper(alice);
      await alice.say("/oper again");
      assert.equal(await nextNotice(alice), "error: you are an operator already");

      const mallory = await login("mallory");
      await mallory.say("/oper guess1");
      assert.equal(await nextNotice(mallory), "error: wrong password (1 of 3)");
      await mallory.say(`/oper ${PASSWORD}`);
      assert.equal(await nextNotice(mallory), "error: wrong password (2 of 3)", "not its password");
      await mallory.say("/oper guess3");
      const last = await mallory.expectClosed();
      assert.ok(last.some((f) => f.message === "error: wrong password 3 times; closing"));
      await alice.waitForNotice("mallory left (wrong /oper password)");

      const lines = [...console.lines, ...console.errors].join("\n");
      assert.match(lines, /\/oper by alice from 127\.0\.0\.1:\d+: accepted/);
      assert.match(lines, /\/oper by mallory from 127\.0\.0\.1:\d+: wrong password \(3 of 3\)/);
      for (const secret of [PASSWORD, "guess1", "guess3"]) {
        assert.ok(!lines.includes(secret), `the console never shows ${secret}`);
      }

      // Rights end with the connection: the same name, reconnected, is an ordinary user.
      await alice.say("/quit");
      await alice.expectClosed();
      const again = await login("alice");
      await again.say("/bans");
      assert.equal(await nextNotice(again), "error: /bans is for operators only");
    });
  },
);

Deno.test("/oper: refused on a connection that is neither TLS nor loopback", opts, async () => {
  const clock = new ManualClock();
  const sink = new CapturedConsole();
  const console = new ServerConsole(sink, clock);
  const store = new SqliteStore({
    file: null,
    retention: { lines: 0, days: 0 },
    clock,
    report: { problem: () => {}, info: () => {} },
  });
  try {
    const room = new Room();
    const commands = moderationCommands({
      room,
      moderation: new Moderation(store.moderation, clock, () => {}),
      operators: await OperatorRegistry.load({ entries: OPERS }),
      console,
      clock,
      localUser: () => undefined,
      consoleUserList: () => [],
    });
    const replies: string[] = [];
    let granted = false;
    const remoteUser: ModerationUser = {
      name: "alice",
      isOperator: false,
      isConsole: false,
      member: null,
      address: "192.0.2.7",
      remote: "192.0.2.7:4242",
      secureChannel: false,
      reply: (text) => replies.push(text),
      quit: () => {},
      grantOperator: () => granted = true,
      operFailed: () => 1,
      kick: () => {},
    };
    const entry = commands.find((c) => c.name === "/oper");
    await entry?.run({ user: remoteUser, args: [PASSWORD], rest: PASSWORD, table: null as never });
    assert.equal(granted, false);
    assert.match(replies[0], /^error: \/oper needs a TLS or loopback connection/);
    assert.match(sink.lines.join("\n"), /\/oper by alice from 192\.0\.2\.7:4242: refused/);
  } finally {
    await store.close();
  }
});

Deno.test("a session may /oper over TLS or from loopback, not over plain TCP from afar", () => {
  const clock = new ManualClock();
  const room = new Room();
  const ctx = {
    room,
    clock,
    options: DEFAULT_SERVER_OPTIONS,
    console: new ServerConsole(new CapturedConsole(), clock),
    commands: testCommands(room, clock),
  };
  const from = (hostname: string): Connection => ({
    read: () => Promise.resolve(null),
    write: (bytes) => Promise.resolve(bytes.length),
    close: () => {},
    remoteAddr: { transport: "tcp", hostname, port: 4242 },
  });
  const cases: [string, boolean, boolean][] = [
    ["192.0.2.7", false, false],
    ["192.0.2.7", true, true],
    ["2001:db8::7", false, false],
    ["127.0.0.1", false, true],
    ["::1", false, true],
    ["::ffff:127.0.0.1", false, true],
  ];
  for (const [hostname, tls, secure] of cases) {
    const session = new Session(from(hostname), ctx, tls);
    assert.equal(session.secureChannel, secure, `${hostname} tls=${tls}`);
    assert.equal(session.address, hostname);
    assert.equal(session.isOperator, false);
  }
});

Deno.test("/kick: everyone sees why, the kicked user is told and closed", opts, async () => {
  await withServer({ options: { operators: OPERS } }, async ({ login, console }) => {
    const alice = await login("alice");
    await oper(alice);
    const bob = await login("bob");
    const carol = await login("carol");
    await alice.say("/kick BOB spamming the room");
    const told = await bob.expectClosed();
    assert.ok(told.some((f) => f.message === "error: kicked by alice: spamming the room"));
    await carol.waitForNotice("bob left (kicked by alice: spamming the room)");
    await alice.waitForNotice("bob left (kicked by alice: spamming the room)");
    await console.waitForLine("alice kicked bob: spamming the room");
    const dave = await login("dave");
    await alice.say("/kick dave");
    await carol.waitForNotice("dave left (kicked by alice)");
    await dave.expectClosed();
  });
});

Deno.test(
  "/mute: messages dropped with the time left, /unmute, and expiry by itself",
  opts,
  async () => {
    const clock = new ManualClock();
    await withServer({ clock, options: { operators: OPERS } }, async ({ login, console }) => {
      const alice = await login("alice");
      await oper(alice);
      const bob = await login("bob");
      const carol = await login("carol");
      await alice.say("/mute bob 30m");
      assert.equal(await nextNotice(alice), "bob is muted for 30m");
      await console.waitForLine("alice muted bob for 30m");
      clock.advance(18 * 60_000);
      for (const line of ["hello", "/me waves", "/msg carol psst"]) {
        await bob.say(line);
        assert.equal(await nextNotice(bob), "error: you are muted (12m left)", line);
      }
      await bob.say("/users");
      assert.match(await nextNotice(bob), /^Online \(3\)/, "other commands still work");
      const seen = await carol.sync();
      assert.ok(!seen.some((f) => f.username === "bob" || f.message.includes("waves")), "dropped");

      clock.advance(12 * 60_000);
      await bob.say("free again");
      await carol.waitForMessage("bob", "free again");

      await alice.say("/mute bob");
      await alice.waitForNotice("bob is muted until lifted");
      await bob.say("x");
      assert.equal(await nextNotice(bob), "error: you are muted (until lifted)");
      await alice.say("/unmute Bob");
      assert.equal(await nextNotice(alice), "Bob may speak again");
      await bob.say("back");
      await carol.waitForMessage("bob", "back");
      await alice.say("/unmute bob");
      assert.equal(await nextNotice(alice), "error: bob is not muted");
    });
  },
);

Deno.test(
  "/topic: anyone reads it, operators set it, announced, then in every welcome",
  opts,
  async () => {
    await withServer({ options: { operators: OPERS } }, async ({ login, connect }) => {
      const alice = await login("alice");
      const bob = await login("bob");
      await bob.say("/topic");
      assert.equal(await nextNotice(bob), "No topic is set");
      await bob.say("/topic mine now");
      assert.equal(await nextNotice(bob), "error: only operators set the topic");
      await oper(alice);
      await alice.say("/topic  Release day: be kind ");
      assert.equal(await nextNotice(bob), "alice set the topic: Release day: be kind");
      await bob.say("/topic");
      assert.equal(await nextNotice(bob), "Topic: Release day: be kind (set by alice)");
      const carol = await connect();
      await carol.send({ username: "carol", message: "" });
      const welcome = await carol.nextFrame();
      assert.match(welcome.message, /^Welcome, carol!/);
      assert.equal((await carol.nextFrame()).message, "Topic: Release day: be kind (set by alice)");
    });
  },
);

Deno.test(
  "/ban NAME: the online user is closed, later logins refused with the time left",
  opts,
  async () => {
    const clock = new ManualClock();
    await withServer(
      { clock, options: { operators: OPERS } },
      async ({ login, connect, console }) => {
        const alice = await login("alice");
        await oper(alice);
        const bob = await login("Bob");
        const carol = await login("carol");
        await alice.say("/ban bob 2h flooding");
        const told = await bob.expectClosed();
        assert.ok(
          told.some((f) => f.message === "error: banned (flooding; 2h left)"),
          told.map((f) => f.message).join("|"),
        );
        await carol.waitForNotice("alice banned bob for 2h: flooding");
        await carol.waitForNotice("Bob left (banned by alice: flooding)");
        await console.waitForLine("alice banned bob for 2h: flooding");

        clock.advance(60_000);
        const again = await connect();
        await again.send({ username: "BOB", message: "" });
        const refused = await again.expectClosed();
        assert.deepEqual(refused.map((f) => f.message), ["error: banned (flooding; 1h 59m left)"]);

        await alice.say("/bans");
        await alice.waitForNotice("Bans (1):");
        assert.equal(await nextNotice(alice), "  bob: set by alice 1m ago, flooding, 1h 59m left");

        clock.advance(2 * 3_600_000);
        await login("bob");
        await alice.say("/bans");
        assert.equal(await nextNotice(alice), "No bans");

        await alice.say("/ban zed");
        await carol.waitForNotice("alice banned zed until lifted");
        await alice.waitForNotice("alice banned zed until lifted");
        await alice.say("/unban ZED");
        assert.equal(await nextNotice(alice), "Ban on zed lifted");
        await console.waitForLine("alice unbanned zed");
        await login("zed");
        await alice.say("/unban zed");
        assert.equal(await nextNotice(alice), "error: zed is not banned");
      },
    );
  },
);

Deno.test(
  "/ban NAME holds for look-alike names too: the same skeleton is refused and closed",
  opts,
  async () => {
    await withServer({ options: { operators: OPERS } }, async ({ login, connect }) => {
      const alice = await login("alice");
      await oper(alice);
      // Online before the ban, with a Cyrillic "о": closed by a ban on the Latin spelling.
      const lookalike = await login("r\u043Ebot");
      await alice.say("/ban robot 1h spam");
      const closed = await lookalike.expectClosed();
      assert.ok(
        closed.some((f) => f.message === "error: banned (spam; 1h left)"),
        closed.map((f) => f.message).join("|"),
      );
      await alice.say("/ban paypal");
      await alice.waitForNotice("alice banned paypal until lifted");
      for (const name of ["p\u0430ypal", "PAYPAL", "p\u0430yp\u0430l"]) {
        const client = await connect();
        await client.send({ username: name, message: "" });
        const refused = await client.expectClosed();
        assert.deepEqual(refused.map((f) => f.message), ["error: banned (until lifted)"], name);
      }
      // A name that only shares letters is not a look-alike.
      await login("paypals");
    });
  },
);

Deno.test("IP and CIDR bans: matching connections refused before their login", opts, async () => {
  const clock = new ManualClock();
  await withServer({ clock, options: { operators: OPERS, host: "::" } }, async ({ server }) => {
    const port = server.addr.port;
    const clients: TestClient[] = [];
    const dial = async (hostname: string) => {
      const client = await TestClient.connect({ hostname, port });
      clients.push(client);
      return client;
    };
    try {
      const alice = await dial("::1");
      await alice.login("alice");
      await oper(alice);
      const bob = await dial("127.0.0.1");
      await bob.login("bob");
      await alice.say("/ban ::1");
      assert.equal(await nextNotice(alice), "error: that would ban your own address (::1)");
      await alice.say("/ban 127.0.0.0/8 30m open proxy");
      const told = await bob.expectClosed();
      assert.ok(told.some((f) => f.message === "error: banned (open proxy; 30m left)"));
      await alice.waitForNotice("bob left (banned by alice: open proxy)");

      // Refused at once: the notice arrives without any login being sent.
      const refused = await dial("127.0.0.1");
      const frames = await refused.expectClosed();
      assert.deepEqual(frames.map((f) => f.message), ["error: banned (open proxy; 30m left)"]);
      await alice.say("/unban 127.0.0.0/8");
      assert.equal(await nextNotice(alice), "Ban on 127.0.0.0/8 lifted");
      const welcome = await dial("127.0.0.1");
      await welcome.login("bob");

      await alice.say("/ban 0:0:0:0:0:0:0:1/128");
      assert.equal(await nextNotice(alice), "error: that would ban your own address (::1)");

      // IPv6: an operator on 127.0.0.1 bans ::/64 (covers ::1); the match is closed, then refused.
      const olga = await dial("127.0.0.1");
      await olga.login("olga");
      await oper(olga, "olga-pw");
      await olga.say("/ban ::/64 7d");
      const gone = await alice.expectClosed();
      assert.ok(gone.some((f) => f.message === "error: banned (7d left)"));
      const v6 = await dial("::1");
      assert.deepEqual((await v6.expectClosed()).map((f) => f.message), [
        "error: banned (7d left)",
      ]);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });
});

Deno.test("bad input: each a clear error notice, and nothing changes", opts, async () => {
  const options = { operators: OPERS, maxMessageBytes: 100_000 };
  await withServer({ options }, async ({ login, server }) => {
    const alice = await login("alice");
    await oper(alice);
    const olga = await login("olga");
    await oper(olga, "olga-pw");
    const bob = await login("bob");
    const cases: [string, string][] = [
      ["/ban", "error: usage: /ban TARGET [DURATION] [REASON]"],
      [
        "/ban bob 5x spam",
        "error: bad duration '5x' (a whole number and s, m, h or d, like 90s, 30m, 2h, 7d)",
      ],
      [
        "/ban bob 0m",
        "error: bad duration '0m' (a whole number and s, m, h or d, like 90s, 30m, 2h, 7d)",
      ],
      ["/ban 10.0.0.0/33", "error: bad IP address or CIDR range '10.0.0.0/33'"],
      ["/ban 300.1.1.1", "error: bad IP address or CIDR range '300.1.1.1'"],
      ["/ban 2001:db8::g/32", "error: bad IP address or CIDR range '2001:db8::g/32'"],
      ["/ban 127.0.0.1", "error: that would ban your own address (127.0.0.1)"],
      ["/ban alice", "error: you cannot ban yourself"],
      ["/ban olga", "error: olga is an operator: only the server console can ban one"],
      ["/kick olga", "error: olga is an operator: only the server console can kick one"],
      ["/mute olga", "error: olga is an operator: only the server console can mute one"],
      ["/kick alice", "error: you cannot kick yourself"],
      ["/kick ghost", "error: ghost is not online"],
      [`/kick bob ${"x".repeat(65_536)}`, "error: reason too long (65536 bytes; at most 300)"],
      [`/ban bob 1h ${"é".repeat(200)}`, "error: reason too long (400 bytes; at most 300)"],
      [`/topic ${"t".repeat(513)}`, "error: topic too long (513 bytes; at most 512)"],
      [
        "/mute bob soon",
        "error: bad duration 'soon' (a whole number and s, m, h or d, like 90s, 30m, 2h, 7d)",
      ],
      ["/unban nobody", "error: nobody is not banned"],
      ["/topic evil\u001b[2J", "error: a topic must not hold control characters"],
      ["/kick bob two\nlines", "error: a reason must not hold control characters"],
      ["/say hi", "error: /say is for the server console only"],
    ];
    for (const [line, expected] of cases) {
      await alice.say(line);
      assert.equal(await nextNotice(alice), expected, line.slice(0, 40));
    }
    assert.deepEqual(server.moderation.bans(), []);
    assert.equal(server.moderation.muteFor("bob"), null);
    assert.equal(server.moderation.topic, null);
    assert.deepEqual(server.onlineNames(), ["alice", "bob", "olga"]);
    await bob.say("still here");
    await alice.waitForMessage("bob", "still here");
  });
});

Deno.test(
  "/help lists what the sender may use: more for operators, /say for the console only",
  opts,
  async () => {
    await withServer({ options: { operators: OPERS } }, async ({ login }) => {
      const alice = await login("alice");
      const help = async (last: string) => {
        await alice.say("/help");
        const words: string[] = [];
        assert.equal(await nextNotice(alice), "Commands you may use:");
        while (words.at(-1) !== last) words.push((await nextNotice(alice)).trim().split(" ")[0]);
        return words;
      };
      const before = await help("/oper");
      assert.ok(before.includes("/topic") && before.includes("/oper"));
      assert.ok(!before.includes("/kick"));
      await oper(alice);
      const after = await help("/unmute");
      for (const name of ["/kick", "/ban", "/unban", "/bans", "/mute", "/unmute"]) {
        assert.ok(after.includes(name), name);
      }
      assert.ok(!after.includes("/say"));
    });
  },
);

Deno.test(
  "bans, mutes and the topic survive a restart with --db; expired ones do not",
  opts,
  async () => {
    const dir = await Deno.makeTempDir();
    const db = `${dir}/chat.db`;
    const clock = new ManualClock();
    try {
      const first = await startServer(testServerOptions({ db, operators: OPERS }), {
        clock,
        console: new CapturedConsole(),
      });
      const alice = await TestClient.connect(first.addr);
      try {
        await alice.login("alice");
        await oper(alice);
        await alice.say("/ban bob 1h spam");
        await alice.say("/ban 10.0.0.0/8");
        await alice.say("/ban short 90s");
        await alice.say("/mute carol 2h");
        await alice.say("/topic kept across restarts");
        await alice.waitForNotice("alice set the topic: kept across restarts");
      } finally {
        await alice.close();
        await first.shutdown();
      }
      clock.advance(5 * 60_000);
      const second = await startServer(testServerOptions({ db, operators: OPERS }), {
        clock,
        console: new CapturedConsole(),
      });
      const clients: TestClient[] = [];
      try {
        assert.deepEqual(second.moderation.bans().map((b) => b.target), ["bob", "10.0.0.0/8"]);
        assert.equal(second.moderation.muteFor("carol")?.setBy, "alice");
        const bob = await TestClient.connect(second.addr);
        clients.push(bob);
        await bob.send({ username: "bob", message: "" });
        assert.deepEqual((await bob.expectClosed()).map((f) => f.message), [
          "error: banned (spam; 55m left)",
        ]);
        const carol = await TestClient.connect(second.addr);
        clients.push(carol);
        await carol.login("carol");
        assert.equal(
          (await carol.nextFrame()).message,
          "Topic: kept across restarts (set by alice)",
        );
        await carol.say("hi");
        assert.equal(await nextNotice(carol), "error: you are muted (1h 55m left)");
      } finally {
        await Promise.all(clients.map((c) => c.close()));
        await second.shutdown();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test(
  "a schema 1 file (history only) migrates forward to bans, mutes and the topic",
  opts,
  async () => {
    const dir = await Deno.makeTempDir();
    const file = `${dir}/old.db`;
    try {
      const old = new DatabaseSync(file);
      old.exec(MIGRATIONS[0]);
      old.exec("PRAGMA user_version = 1");
      old.prepare(
        "INSERT INTO history (first_time, last_time, count, items) VALUES (1, 1, 1, ?)",
      ).run(JSON.stringify([[1, 0, "al", "kept"]]));
      old.close();
      const clock = new ManualClock();
      const store = new SqliteStore({
        file,
        retention: { lines: 100, days: 0 },
        clock,
        report: { problem: () => {}, info: () => {} },
      });
      try {
        const items = await store.recent(10, 0);
        assert.equal(items.length, 1, "the history is kept");
        await store.moderation.putBan({
          key: "name:bob",
          target: "bob",
          setBy: "al",
          reason: "",
          setAt: clock.now(),
          until: null,
        });
        await store.moderation.putTopic({ text: "t", setBy: "al", setAt: 1 });
        const state = await store.moderation.loadModeration(clock.now());
        assert.deepEqual(state.bans.map((b) => b.key), ["name:bob"]);
        assert.equal(state.topic?.text, "t");
      } finally {
        await store.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
