/**
 * The server console as an operator, driven through a real `chat server` process's stdin: /users
 * with addresses and connect times, /say, /kick, /topic, /ban refusals, a bad line's error on the
 * console, and the end of stdin leaving the server running until a signal.
 */

import assert from "node:assert/strict";
import { sourceCommand } from "../../scripts/chat_process.ts";
import { ChatProcess } from "../../kit/chat_process.ts";
import { parseStartLine } from "../../server/start_line.ts";
import { childSignalUnavailable, skipWhen } from "../helpers/platform.ts";
import { TestClient } from "../helpers/wire.ts";

const opts = {
  sanitizeOps: true,
  sanitizeResources: true,
  ignore: skipWhen(
    "the console test (it stops the server with SIGINT)",
    childSignalUnavailable("SIGINT"),
  ),
};

Deno.test(
  "the console: each stdin line is an operator command; end of input is no shutdown",
  opts,
  async () => {
    const server = new ChatProcess(
      sourceCommand(),
      ["server", "--host", "127.0.0.1", "--port", "0", "--list-interval", "0"],
      "piped",
    );
    const clients: TestClient[] = [];
    const stdout = (text: string) =>
      server.stdout.waitFor((line) => line.includes(text), `a console line with "${text}"`);
    try {
      const start = await stdout("chat server listening on ");
      const port = parseStartLine(start)?.[0].port ?? 0;
      const connect = async (name: string) => {
        const client = await TestClient.connect({ hostname: "127.0.0.1", port });
        clients.push(client);
        await client.login(name);
        return client;
      };
      const alice = await connect("alice");
      const bob = await connect("bob");

      await server.write("/users\n");
      await stdout("Connections here (2):");
      const aliceLine = await stdout("  alice from 127.0.0.1:");
      assert.match(aliceLine, /^ {2}alice from 127\.0\.0\.1:\d+ since \d\d:\d\d:\d\d$/);

      await server.write("/say maintenance at noon\n");
      await alice.waitForNotice("maintenance at noon");
      await bob.waitForNotice("maintenance at noon");

      await server.write("/topic Be excellent\n");
      await alice.waitForNotice("server set the topic: Be excellent");

      await server.write("/kick bob be nice\n");
      const told = await bob.expectClosed();
      assert.ok(told.some((f) => f.message === "error: kicked by server: be nice"));
      await alice.waitForNotice("bob left (kicked by server: be nice)");
      assert.match(
        await stdout("server kicked bob"),
        /^\[\d\d:\d\d:\d\d\] server kicked bob: be nice$/,
      );

      const bad: [string, string][] = [
        ["hello there", "error: the console takes commands: /help lists them"],
        ["/frobnicate", "error: unknown command /frobnicate; commands: /users"],
        ["/ban 127.0.0.1", "error: that would ban this machine's own loopback addresses"],
        ["/ban bob 5q", "error: bad duration '5q'"],
        ["/kick nobody", "error: nobody is not online"],
        ["/ban", "error: usage: /ban TARGET [DURATION] [REASON]"],
      ];
      for (const [line, error] of bad) {
        await server.write(`${line}\n`);
        await stdout(error);
      }
      await server.write("/help\n");
      await stdout("  /say TEXT");

      await server.write("/mute alice 10m\n");
      await stdout("server muted alice for 10m");
      await alice.say("anyone?");
      await alice.waitForNotice("error: you are muted (");

      await server.closeStdin();
      await stdout("console: end of input; the server keeps running");
      const carol = await connect("carol");
      await carol.say("/topic");
      await carol.waitForNotice("Topic: Be excellent (set by server)");

      server.signal("SIGINT");
      assert.equal(await server.exited(), 0);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await server.kill();
    }
  },
);
