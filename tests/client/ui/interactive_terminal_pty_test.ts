/**
 * The terminal client's screen, through a real pty, against a scripted server: history shown as
 * dimmed chat lines in their own (local) time with day separators, `/me` actions, mentions
 * highlighted with the bell, commands echoed as commands, blank lines not sent, long lines
 * wrapped under the text, Ctrl-L without erasing the scrollback, and a close reason that names
 * only an error or shutdown notice.
 */
import assert from "node:assert/strict";
import { FakeChatServer } from "../../helpers/fake_chat_server.ts";
import { COLUMNS, PtyClient, skipPty } from "../../helpers/pty_client.ts";

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

Deno.test(
  "terminal: history, actions, mentions, echoes, wrapping and the close",
  skipPty,
  async (t) => {
    const fake = new FakeChatServer();
    const yesterday = new Date(Date.now() - 86_400_000);
    yesterday.setUTCHours(12, 3, 11, 250);
    const said = yesterday.toISOString();
    // TZ=UTC: the client's local time is UTC, so the expected times are known here.
    const pty = new PtyClient(
      ["127.0.0.1", String(fake.port), "alice", "--color", "always"],
      { TZ: "UTC" },
    );
    let passed = false;
    try {
      const { peer, login } = await fake.acceptLogin(10_000);
      assert.equal(login.username, "alice");
      await peer.sendNotice("Welcome, alice! Online (2): alice, bob");
      await peer.sendNotice(`History: 2 messages since ${said}`);
      await peer.sendNotice(`[history ${said}] <bob> good morning alice`);
      await peer.sendNotice(`[history ${said}] * bob waves`);
      await peer.sendNotice("End of history");
      await peer.sendNotice("* bob waves again");
      await peer.send({ username: "bob", message: "ALICE, are you there?" });
      await peer.send({ username: "bob", message: "nothing for you, malice" });

      await t.step("history: own time, dimmed, a day separator before and after", async () => {
        await pty.waitFor(
          "the live lines",
          () => pty.screen.lines().some((l) => l.includes("malice")),
        );
        const lines = pty.screen.allLines();
        const at = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
        const history = at(/^12:03:11 <bob> good morning alice$/);
        assert.ok(history > 0, pty.dump());
        const day = `-- ${DAYS[yesterday.getUTCDay()]} ${yesterday.getUTCDate()} `;
        assert.ok(lines[history - 1].startsWith(day), lines[history - 1]);
        assert.match(lines[history + 1], /^12:03:11 \* bob waves$/);
        assert.match(lines[history + 3], /^\d\d:\d\d:\d\d -- End of history$/);
        // Back to today before the first line received today.
        assert.match(lines[history + 2], /^-- \w+day \d+ \w+ \d{4} --$/);
        assert.match(lines[history + 4], /^\d\d:\d\d:\d\d \* bob waves again$/);
        assert.ok(pty.raw.includes("\x1b[2m12:03:11\x1b[0m"), "the history line is dimmed");
      });

      await t.step(
        "a mention is highlighted and rings once; a history mention does not ring",
        () => {
          assert.equal(pty.screen.bells, 1, "one bell: the live mention only");
          assert.ok(pty.raw.includes("\x1b[1;30;43mALICE, are you there?"), "the mention style");
          assert.ok(!pty.raw.includes("\x1b[1;30;43mnothing for you"), "malice is not alice");
        },
      );

      await t.step(
        "commands echo as commands; /help and /clear and blank lines do not",
        async () => {
          await pty.type("/msg bob psst\r/users\r   \r/help\r");
          assert.equal((await peer.nextFrame())?.message, "/msg bob psst");
          assert.equal((await peer.nextFrame())?.message, "/users");
          await pty.waitFor("the help", () => pty.screen.lines().some((l) => l.includes("Keys:")));
          assert.equal((await peer.nextFrame())?.message, "/help", "/help goes on to the server");
          const text = pty.screen.allLines().join("\n");
          assert.match(text, /\d\d:\d\d:\d\d -> bob: psst/);
          assert.match(text, /\d\d:\d\d:\d\d » \/users/);
          assert.ok(!text.includes("<alice> /msg"), text);
          assert.ok(!text.includes("/help\n"), "no echo of /help");
          assert.ok(pty.raw.includes("\x1b[1;97;45m-> bob:"), "the private style");
          await pty.type("/clear\r\x0c");
          await pty.type("done\r");
          assert.equal((await peer.nextFrame())?.message, "done", "the blank line was not sent");
          assert.ok(!pty.raw.includes("\x1b[3J"), "the scrollback is kept");
        },
      );

      await t.step("a long line wraps at spaces, continuation rows under the text", async () => {
        const words =
          "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor";
        await peer.send({ username: "bob", message: words });
        await pty.waitFor(
          "the wrapped line",
          () => pty.screen.lines().some((l) => /tempor$/.test(l)),
        );
        const lines = pty.screen.lines();
        const first = lines.findIndex((l) => l.includes("<bob> lorem"));
        const rows = lines.slice(first, lines.findIndex((l) => /tempor$/.test(l)) + 1);
        assert.ok(rows.length >= 2, pty.dump());
        for (const row of rows) assert.ok(row.length <= COLUMNS);
        for (const row of rows.slice(1)) assert.match(row, /^ {15}\S/, row);
        assert.equal(rows.map((r) => r.trim()).join(" ").replace(/^\S+ <bob> /, ""), words);
      });

      await t.step("the close names no unrelated notice", async () => {
        await peer.sendNotice("carol joined");
        peer.close();
        const status = await pty.finish();
        assert.equal(status.code, 1);
        const text = pty.screen.allLines().join("\n");
        assert.match(text, /!! the server closed the connection$/m);
        assert.ok(!text.includes("last notice"), text);
      });
      passed = true;
    } finally {
      if (!passed) await pty.kill();
      fake.close();
    }
  },
);

Deno.test(
  "terminal: --json is an error there; --once sends without the editor",
  skipPty,
  async () => {
    const json = new PtyClient(["127.0.0.1", "5000", "alice", "--json"]);
    try {
      const status = await json.finish();
      assert.equal(status.code, 2, json.raw);
      assert.match(
        json.raw,
        /chat: --json is for scripting mode, but stdin and stdout are a terminal/,
      );
      assert.match(json.raw, /Try 'chat client --help'\./);
    } finally {
      await json.kill();
    }
    const fake = new FakeChatServer();
    const once = new PtyClient(["127.0.0.1", String(fake.port), "alice", "--once", "hi there"]);
    try {
      const { peer } = await fake.acceptLogin(10_000);
      await peer.sendNotice("Welcome, alice! Online (1): alice");
      assert.equal((await peer.nextFrame())?.message, "hi there");
      assert.equal((await peer.nextFrame())?.message, "/quit");
      peer.close();
      const status = await once.finish();
      assert.equal(status.code, 0, once.raw);
      assert.ok(!once.raw.includes("Welcome"), "--once prints no welcome");
      assert.ok(!once.raw.includes("alice>"), "no line editor");
    } finally {
      await once.kill();
      fake.close();
    }
  },
);
