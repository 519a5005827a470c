/**
 * irssi, the real IRC client, against the IRC door: it runs in a pseudo-terminal (util-linux
 * `script`), connects and joins, exchanges messages with a binary client both ways, sees a
 * binary client join and leave (read from irssi's own channel log), and quits cleanly.
 */

import assert from "node:assert/strict";
import { ircAddress } from "../../helpers/irc_wire.ts";
import { commandUnavailable, firstReason, notLinux, skipWhen } from "../../helpers/platform.ts";
import { withServer } from "../../helpers/server.ts";
import { waitUntil, withTimeout } from "../../helpers/timeout.ts";

const WAIT_MS = 15_000;

const ignore = skipWhen(
  "irssi test",
  firstReason(
    notLinux("util-linux script"),
    await commandUnavailable("script", ["-qfec", "true", "/dev/null"]),
    await commandUnavailable("irssi", ["--version"]),
  ),
);

/** irssi's configuration: one server, autoconnect, and a log of every channel. */
function irssiConfig(port: number, home: string): string {
  return `servers = ( { address = "127.0.0.1"; chatnet = "chat"; port = "${port}"; ` +
    `autoconnect = "yes"; } );
chatnets = { chat = { type = "IRC"; }; };
channels = ( { name = "#chat"; chatnet = "chat"; autojoin = "yes"; } );
settings = {
  core = { real_name = "irssi user"; user_name = "irssi"; nick = "irssiuser"; };
  "fe-common/core" = { autolog = "yes"; autolog_path = "${home}/logs/$0.log"; };
};
`;
}

/** irssi under `script`, its terminal output drained (and kept for failure messages). */
class Irssi {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #drained: Promise<void>;
  output = "";

  constructor(home: string) {
    const child = new Deno.Command("script", {
      args: ["-qfec", `irssi --home='${home}' --config='${home}/config'`, "/dev/null"],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
      env: { TERM: "xterm", HOME: home },
    }).spawn();
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#drained = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stdout) {
        this.output = (this.output + decoder.decode(chunk, { stream: true })).slice(-4000);
      }
    })();
  }

  /** Types a line, as if Enter was pressed. */
  async type(line: string): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(`${line}\r`));
  }

  /** Waits for irssi to exit; its status. */
  async finish(): Promise<Deno.CommandStatus> {
    const status = await withTimeout(this.#child.status, WAIT_MS, "irssi to exit");
    await this.#writer.close().catch(() => {});
    await this.#drained;
    return status;
  }

  /** Stops it after a failure. */
  async kill(): Promise<void> {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await this.#writer.close().catch(() => {});
    await this.#child.status;
    await this.#drained.catch(() => {});
  }
}

/** Waits until irssi's channel log holds `text`. */
async function logShows(path: string, text: string): Promise<void> {
  let log = "";
  await waitUntil(
    () => {
      try {
        log = Deno.readTextFileSync(path);
      } catch {
        log = "";
      }
      return log.includes(text);
    },
    WAIT_MS,
    `irssi's log to show "${text}" (log so far:\n${log})`,
  ).catch((error) => {
    throw new Error(`${error.message}\nlog:\n${log}`);
  });
}

Deno.test(
  { name: "irssi: joins, talks both ways, sees joins and leaves, quits", ignore },
  async () => {
    await withServer({ options: { ircPort: 0, ircHost: "127.0.0.1" } }, async (f) => {
      const home = await Deno.makeTempDir({ prefix: "chat-irssi-" });
      const bob = await f.login("bob");
      Deno.writeTextFileSync(`${home}/config`, irssiConfig(ircAddress(f.server).port, home));
      const irssi = new Irssi(home);
      const log = `${home}/logs/#chat.log`;
      try {
        await bob.waitForNotice("irssiuser joined", WAIT_MS);
        await logShows(log, "irssiuser [irssiuser@chat] has joined #chat");
        await irssi.type("/msg #chat hello from irssi");
        const heard = await bob.waitForFrame((frame) => frame.username === "irssiuser", WAIT_MS);
        assert.equal(heard.message, "hello from irssi");
        await bob.say("hello from the chat client");
        await logShows(log, "< bob> hello from the chat client");
        const carol = await f.login("carol");
        await logShows(log, "carol [carol@chat] has joined #chat");
        await carol.say("/quit");
        await logShows(log, "carol [carol@chat] has quit [quit]");
        await irssi.type("/quit see you");
        await bob.waitForNotice("irssiuser left (quit: see you)", WAIT_MS);
        const status = await irssi.finish();
        assert.equal(status.code, 0, irssi.output);
      } catch (error) {
        await irssi.kill();
        throw error;
      } finally {
        await Deno.remove(home, { recursive: true });
      }
    });
  },
);
