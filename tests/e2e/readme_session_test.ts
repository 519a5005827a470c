/**
 * README's example session is a real one: alice's terminal client runs in a pty against a real
 * server while bob (a library client) answers, and the screens of both must be README's blocks
 * (times aside). When the client's output changes, this test prints the session as it is now,
 * ready to paste into README.
 */
import assert from "node:assert/strict";
import type { Frame } from "../../protocol/mod.ts";
import { styles } from "../../client/ui/colors.ts";
import { formatLine } from "../../client/ui/format.ts";
import { sessionEventLine } from "../../client/ui/session_lines.ts";
import { PtyClient, skipPty } from "../helpers/pty_client.ts";
import { withServer } from "../helpers/server.ts";

const README = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
const TIME = /^\d\d:\d\d:\d\d /;

/** The code block that follows `<!-- example-session: NAME -->` in README. */
function readmeBlock(name: string): string[] {
  const marker = `<!-- example-session: ${name} -->`;
  const start = README.indexOf(marker);
  assert.ok(start >= 0, `README has ${marker}`);
  const block = /```\n([\s\S]*?)\n```/.exec(README.slice(start));
  assert.ok(block, `a code block follows ${marker}`);
  return block[1].split("\n");
}

/** Lines with their times replaced, so a session at another time compares equal. */
function timeless(lines: readonly string[]): string[] {
  return lines.map((line) => line.replace(TIME, "HH:MM:SS "));
}

/** Bob's screen line for a frame, as his terminal client would show it. */
function bobLine(frame: Frame): string {
  const line = sessionEventLine(
    {
      type: "frame",
      kind: frame.username === "" ? "notice" : "chat",
      frame,
      receivedAt: new Date(),
    },
    new Date(),
    "bob",
  );
  assert.ok(line);
  return formatLine(line, styles(false));
}

Deno.test("README's example session is what the client shows", skipPty, async () => {
  await withServer({}, async ({ server, login }) => {
    const port = server.addr.port;
    const bob = await login("bob");
    const pty = new PtyClient(["127.0.0.1", String(port), "alice"]);
    let passed = false;
    const bobSaw: string[] = [];
    try {
      const screenHas = (pattern: RegExp) => () =>
        pty.screen.allLines().some((l) => pattern.test(l));
      await pty.waitFor("the welcome", screenHas(/Welcome, alice!/));
      bobSaw.push(bobLine(await bob.waitForNotice("alice joined")));
      await pty.type("hello bob\r");
      bobSaw.push(bobLine(await bob.waitForMessage("alice", "hello bob")));
      await bob.say("hi alice");
      await pty.waitFor("bob's answer", screenHas(/<bob> hi alice$/));
      await pty.type("/users\r");
      await pty.waitFor(
        "the list",
        () => pty.screen.allLines().filter((l) => /-- Online \(2\)/.test(l)).length === 1,
      );
      await pty.type("/msg bob psst\r");
      bobSaw.push(bobLine(await bob.waitForNotice("[private] alice: psst")));
      await pty.type("/quit\r");
      bobSaw.push(bobLine(await bob.waitForNotice("alice left")));
      const status = await pty.finish();
      assert.equal(status.code, 0, pty.dump());
      passed = true;
    } finally {
      if (!passed) await pty.kill();
    }
    const aliceSaw = [
      "$ chat client 127.0.0.1 5000 alice",
      ...pty.screen.allLines()
        .filter((line) => TIME.test(line))
        .map((line) => line.replace(`127.0.0.1:${port}`, "127.0.0.1:5000")),
    ];
    const paste = (lines: string[]) => `\n${lines.join("\n")}\n`;
    assert.deepEqual(
      timeless(aliceSaw),
      timeless(readmeBlock("alice")),
      `README's alice block should be:${paste(aliceSaw)}`,
    );
    assert.deepEqual(
      timeless(bobSaw),
      timeless(readmeBlock("bob")),
      `README's bob block should be:${paste(bobSaw)}`,
    );
  });
});
