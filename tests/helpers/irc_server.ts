/**
 * A real server with its IRC door open on 127.0.0.1 for a test, and raw IRC clients that are
 * closed at the end.
 * @module
 */

import type { Clock } from "../../server/clock.ts";
import type { ServerOptions } from "../../server/options.ts";
import { ircAddress, IrcTestClient } from "./irc_wire.ts";
import { type ServerFixture, withServer } from "./server.ts";

/** A started server with an IRC door. */
export interface IrcFixture extends ServerFixture {
  /** Connects a raw IRC client (closed at the end). */
  ircConnect(): Promise<IrcTestClient>;
  /** Connects and registers under `nick`, up to the end of the join's NAMES. */
  irc(nick: string): Promise<IrcTestClient>;
}

/** Runs `body` against a server with `--irc 127.0.0.1:0` and `options`; always shuts it down. */
export async function withIrc(
  options: Partial<ServerOptions>,
  body: (fixture: IrcFixture) => Promise<void>,
  clock?: Clock,
): Promise<void> {
  const settings = { options: { ircPort: 0, ircHost: "127.0.0.1", ...options }, clock };
  await withServer(settings, async (f) => {
    const clients: IrcTestClient[] = [];
    const ircConnect = async () => {
      const client = await IrcTestClient.connect(ircAddress(f.server));
      clients.push(client);
      return client;
    };
    try {
      await body({
        ...f,
        ircConnect,
        async irc(nick) {
          const client = await ircConnect();
          await client.register(nick);
          return client;
        },
      });
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  });
}
