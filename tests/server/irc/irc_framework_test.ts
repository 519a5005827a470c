/**
 * A second, independent IRC client, the npm library irc-framework: it negotiates capabilities,
 * registers, gets the channel's user list, talks with a binary client both ways (chat, action,
 * private), sees a join and a quit, and quits.
 */

import assert from "node:assert/strict";
import IRC from "irc-framework";
import { ircAddress } from "../../helpers/irc_wire.ts";
import { withServer } from "../../helpers/server.ts";
import { withTimeout } from "../../helpers/timeout.ts";

const WAIT_MS = 10_000;

/** Resolves with the first event `name` that `matches`. */
function next<T>(
  client: IRC.Client,
  name: string,
  matches: (event: T) => boolean = () => true,
): Promise<T> {
  return withTimeout(
    new Promise<T>((resolve) => {
      const listener = (event: T) => {
        if (!matches(event)) return;
        client.removeListener(name, listener);
        resolve(event);
      };
      client.on(name, listener);
    }),
    WAIT_MS,
    `irc-framework's ${name} event`,
  );
}

interface MessageEvent {
  type: string;
  nick: string;
  target: string;
  message: string;
}

Deno.test("irc-framework: registers, talks both ways with a binary client, quits", async () => {
  await withServer({ options: { ircPort: 0, ircHost: "127.0.0.1" } }, async (f) => {
    const bob = await f.login("bob");
    const client = new IRC.Client();
    const closed = next(client, "close");
    const registered = next<{ nick: string }>(client, "registered");
    const users = next<{ channel: string; users: { nick: string }[] }>(client, "userlist");
    client.connect({
      host: "127.0.0.1",
      port: ircAddress(f.server).port,
      nick: "framework",
      username: "fw",
      gecos: "irc-framework test",
      auto_reconnect: false,
    });
    try {
      assert.equal((await registered).nick, "framework");
      const list = await users;
      assert.equal(list.channel, "#chat");
      assert.deepEqual(list.users.map((user) => user.nick).sort(), ["bob", "framework"]);
      assert.ok(client.network.cap.isEnabled("server-time"), "server-time negotiated");

      const heard = next<MessageEvent>(client, "message", (e) => e.nick === "bob");
      await bob.say("hello framework");
      const chat = await heard;
      assert.deepEqual([chat.type, chat.target, chat.message], [
        "privmsg",
        "#chat",
        "hello framework",
      ]);
      client.say("#chat", "hello bob");
      assert.equal(
        (await bob.waitForFrame((frame) => frame.username === "framework")).message,
        "hello bob",
      );
      client.action("#chat", "waves");
      await bob.waitForNotice("* framework waves");
      client.say("bob", "just for you");
      await bob.waitForNotice("[private] framework: just for you");
      const whisper = next<MessageEvent>(client, "message", (e) => e.target === "framework");
      await bob.say("/msg framework and back");
      assert.equal((await whisper).message, "and back");

      const joined = next<{ nick: string }>(client, "join", (e) => e.nick === "carol");
      const carol = await f.login("carol");
      await joined;
      const quit = next<{ nick: string; message: string }>(client, "quit");
      await carol.say("/quit");
      const left = await quit;
      assert.deepEqual([left.nick, left.message], ["carol", "quit"]);

      client.quit("bye all");
      await bob.waitForNotice("framework left (quit: bye all)");
      await closed;
    } finally {
      client.connection?.end?.();
    }
  });
});
