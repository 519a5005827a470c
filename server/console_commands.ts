/**
 * The operator's console as a command user: one table of every command (the room's, then
 * moderation's) shared with the sessions, and running a line typed on the console through it.
 * @module
 */

import { splitMessage } from "../protocol/mod.ts";
import type { Clock } from "./clock.ts";
import { type ConsoleUser, withConsoleUsers } from "./commands/console_user.ts";
import {
  type LocalUser,
  moderationCommands,
  type ModerationUser,
} from "./commands/mod_commands.ts";
import { roomCommands } from "./commands/room_commands.ts";
import { CommandTable } from "./commands/table.ts";
import type { ServerConsole } from "./console.ts";
import type { History } from "./history/history.ts";
import type { Moderation } from "./moderation/moderation.ts";
import type { OperatorRegistry } from "./moderation/operators.ts";
import { errorNotice } from "./notices.ts";
import type { Room } from "./room.ts";

/** What the command table works on; the two functions reach this instance's connections. */
export interface ServerCommandParts {
  readonly room: Room;
  readonly history: History;
  readonly moderation: Moderation;
  readonly operators: OperatorRegistry;
  readonly console: ServerConsole;
  readonly clock: Clock;
  /** The local session holding a name's key, for moderation's actions on it. */
  readonly localUser: (key: string) => LocalUser | undefined;
  /** The console's `/users` list: everyone connected here, logged in or not. */
  readonly consoleUserList: () => string[];
}

/** Every command: the room's, then moderation's, in one table. */
export function serverCommandTable(parts: ServerCommandParts): CommandTable<ModerationUser> {
  const { room, console, consoleUserList } = parts;
  return new CommandTable<ModerationUser>([
    ...withConsoleUsers<ModerationUser>(
      roomCommands({ room, history: parts.history, problem: (text) => console.problem(text) }),
      consoleUserList,
    ),
    ...moderationCommands({
      room,
      moderation: parts.moderation,
      operators: parts.operators,
      console,
      clock: parts.clock,
      localUser: parts.localUser,
      consoleUserList,
    }),
  ]);
}

/**
 * Runs one line typed on the console through `commands` as `user`; a non-command gets a hint,
 * a failing command is reported on the console. Never rejects.
 */
export function runConsoleLine(
  line: string,
  commands: CommandTable<ModerationUser>,
  user: ConsoleUser,
  console: ServerConsole,
): Promise<void> {
  const text = line.trim();
  if (text === "") return Promise.resolve();
  const split = splitMessage(text);
  if (split.kind !== "command") {
    user.reply(
      errorNotice("the console takes commands: /help lists them (/say TEXT speaks to everyone)"),
    );
    return Promise.resolve();
  }
  try {
    const pending = commands.run(user, split.word, split.rest);
    return Promise.resolve(pending).catch((error) =>
      console.problem(`command ${split.name} failed: ${describe(error)}`)
    );
  } catch (error) {
    console.problem(`command ${split.name} failed: ${describe(error)}`);
    return Promise.resolve();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
