/**
 * End to end through a real pseudo-terminal: `chat client` runs under `script` (util-linux,
 * package bsdutils on Debian), so its stdin and stdout are a terminal and it starts the
 * interactive client. The test types into the pty and reads the screen by applying the
 * client's output to a screen model.
 */
import assert from "node:assert/strict";
import { PtyClient, skipPty } from "../../helpers/pty_client.ts";
import { withServer } from "../../helpers/server.ts";
import { hashPassword } from "../../../server/moderation/password_hash.ts";

const LEFT = "\x1b[D";
const END = "\x1b[F";

Deno.test(
  "interactive client in a pty: messages arrive above a half-typed line",
  skipPty,
  async (t) => {
    await withServer({}, async ({ server, login }) => {
      const pty = new PtyClient(["127.0.0.1", String(server.addr.port), "alice"]);
      let passed = false;
      try {
        await pty.waitFor("the welcome and the prompt", () => {
          const lines = pty.screen.lines();
          return lines.some((l) => l.includes("Welcome, alice!")) &&
            lines[pty.promptRow()] === "alice>";
        });
        assert.equal(pty.screen.bracketedPaste, true);

        await t.step("a half-typed line with the cursor moved back", async () => {
          await pty.type("hello wor" + LEFT + LEFT + LEFT);
          await pty.waitFor("the typed line with the cursor 3 left of its end", () => {
            const row = pty.promptRow();
            return pty.screen.lines()[row] === "alice> hello wor" && pty.screen.cursorCol === 13;
          });
        });

        const bob = await login("bob");
        await t.step("another client's messages print above; the line stays intact", async () => {
          await bob.say("hi alice");
          await bob.say("ev\x1b[2J\x1b]0;pwned\x07il \x1b[10Aup\nfake");
          await pty.waitFor("bob's messages above the redrawn line", () => {
            const lines = pty.screen.lines();
            const row = pty.promptRow();
            return / <bob> evil up↵fake$/.test(lines[row - 1] ?? "") &&
              lines[row] === "alice> hello wor" && pty.screen.cursorCol === 13;
          });
          const lines = pty.screen.lines();
          const row = pty.promptRow();
          assert.match(lines[row - 1], /^\d\d:\d\d:\d\d <bob> evil up↵fake$/);
          assert.match(lines[row - 2], /^\d\d:\d\d:\d\d <bob> hi alice$/);
          assert.match(lines[row - 3], /^\d\d:\d\d:\d\d -- bob joined$/);
          assert.equal(lines[row], "alice> hello wor");
          assert.equal(pty.screen.cursorRow, row);
          assert.equal(pty.screen.cursorCol, 13);
          // The escape sequences never reached the terminal: the screen was not cleared and
          // the title was not set.
          assert.ok(lines.some((l) => l.includes("Welcome, alice!")));
          assert.ok(!pty.raw.includes("pwned"));
          assert.ok(!pty.raw.includes("\x1b[2J"));
        });

        await t.step("finishing the line sends it; the other client receives it", async () => {
          await pty.type("_" + END + "ld\r");
          const frame = await bob.waitForMessage("alice", "hello _world");
          assert.equal(frame.message, "hello _world");
          await pty.waitFor("the own line and an empty prompt", () => {
            const lines = pty.screen.lines();
            const row = pty.promptRow();
            return lines[row] === "alice>" && / » <alice> hello _world$/.test(lines[row - 1]);
          });
        });

        await t.step("Ctrl-C on the empty line quits, exit 0, terminal restored", async () => {
          await pty.type("\x03");
          const status = await pty.finish();
          assert.equal(status.code, 0, pty.dump());
          assert.match(pty.raw, /EXIT=0/);
          const stty = pty.raw.slice(pty.raw.lastIndexOf("speed"));
          assert.match(stty, /(^|\s)icanon(\s|$)/, "canonical mode is back");
          assert.match(stty, /(^|\s)echo(\s|$)/, "echo is back");
          assert.equal(pty.screen.bracketedPaste, false);
          assert.equal(pty.screen.cursorVisible, true);
          await bob.waitForNotice("alice left");
        });
        passed = true;
      } finally {
        if (!passed) await pty.kill();
      }
    });
  },
);

Deno.test(
  "interactive client in a pty: the server going away restores the terminal",
  skipPty,
  async () => {
    let pty: PtyClient | undefined;
    let passed = false;
    try {
      await withServer({}, async ({ server }) => {
        pty = new PtyClient(["127.0.0.1", String(server.addr.port), "carol"]);
        const client = pty;
        await client.waitFor("the prompt", () => client.screen.lines().includes("carol>"));
        await client.type("unsent words");
        await client.waitFor(
          "the typed line",
          () => client.screen.lines().includes("carol> unsent words"),
        );
      });
      // withServer has shut the server down: the client is told and exits 1, restored.
      const client = pty as PtyClient;
      const status = await client.finish();
      assert.equal(status.code, 1, client.dump());
      const text = client.screen.allLines().join("\n");
      assert.match(text, /!! the server closed the connection/);
      assert.match(text, /!! not sent: unsent words/);
      const stty = client.raw.slice(client.raw.lastIndexOf("speed"));
      assert.match(stty, /(^|\s)icanon(\s|$)/);
      assert.equal(client.screen.cursorVisible, true);
      passed = true;
    } finally {
      if (!passed && pty !== undefined) await pty.kill();
    }
  },
);

Deno.test(
  "interactive client in a pty: /help shows the client's commands and the server's answer",
  skipPty,
  async () => {
    const password = "pty-oper-pw";
    const operators = [`dora:${await hashPassword(password)}`];
    await withServer({ options: { operators } }, async ({ server }) => {
      const pty = new PtyClient(["127.0.0.1", String(server.addr.port), "dora"]);
      let passed = false;
      try {
        const text = () => pty.screen.allLines().join("\n");
        await pty.waitFor("the welcome", () => text().includes("Welcome, dora!"));
        await pty.type("/help\r");
        // The server's list ends with /oper for a user who is not an operator.
        await pty.waitFor("the server's list", () => text().includes("become an operator"));
        assert.match(text(), /Commands you may use:/);
        assert.match(text(), /Client commands:/);
        assert.match(text(), /\/clear\s+clear the screen/);
        assert.match(text(), /\/users/);
        assert.ok(!text().includes("/kick"), "no operator command before /oper");
        assert.ok(!/» \/help/.test(text()), "no echo of /help");

        await pty.type(`/oper ${password}\r`);
        await pty.waitFor("opered", () => text().includes("You are now an operator"));
        await pty.type("/help\r");
        await pty.waitFor("the operator commands", () => text().includes("/unmute NAME"));
        assert.match(text(), /\/kick NAME/);
        assert.equal(text().split("Commands you may use:").length, 3, "the server answered twice");

        await pty.type("/quit\r");
        const status = await pty.finish();
        assert.equal(status.code, 0, pty.dump());
        passed = true;
      } finally {
        if (!passed) await pty.kill();
      }
    });
  },
);
