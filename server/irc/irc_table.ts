/**
 * The room's command table reached from IRC, so IRC users have every command binary clients
 * have through the same table: IRC clients send the commands they do not know themselves as
 * typed (irssi's `/history 20` arrives as `HISTORY 20`), and `OPER`, `KICK` and `TOPIC` stand
 * for the room's `/oper`, `/kick` and `/topic` where the server has them.
 * @module
 */

import type { RoomUser } from "../commands/room_commands.ts";
import type { CommandTable } from "../commands/table.ts";
import type { IrcDoor } from "./irc_door.ts";
import type { IrcMessage } from "./irc_line.ts";

/** The IRC client as a user of the table. */
export interface TableUser extends RoomUser {
  /** True while in the channel: the commands act in the room. */
  readonly inChannel: boolean;
  /** Sends a numeric reply. */
  numeric(code: string, ...params: string[]): void;
  /** Flood control's answer for one more command (counted when true). */
  allowMessage(): boolean;
}

/** What reaching the table needs besides the user. */
export interface TableAccess {
  readonly door: IrcDoor;
  readonly commands: CommandTable<RoomUser>;
  /** Told when a command's answer failed after waiting (a store read). */
  readonly problem: (text: string) => void;
}

/**
 * Runs the room's `/name` with `rest` as its arguments; false when the table has no such
 * command. Answers come as notices; a command needs the client in the channel (442) and counts
 * against flood control unless the table says otherwise, as for binary clients.
 */
export function runTableCommand(
  user: TableUser,
  access: TableAccess,
  name: string,
  rest: string,
): boolean {
  const word = `/${name.toLowerCase()}`;
  const command = access.commands.find(word);
  if (command === undefined) return false;
  if (!user.inChannel) {
    user.numeric("442", access.door.channel, "You're not on that channel");
    return true;
  }
  if (command.floodFree !== true && !user.allowMessage()) return true;
  const pending = access.commands.run(user, word, rest);
  pending?.catch((error) => access.problem(`command ${word} failed: ${error}`));
  return true;
}

/**
 * `OPER NAME PASSWORD`, `KICK #chan NAME [:why]` and `TOPIC #chan :text` as the room's `/oper
 * PASSWORD`, `/kick NAME why` and `/topic text`; without them, the numerics of a server without
 * operators (491, 482). False for any other command (and for a TOPIC that only asks).
 */
export function runOperatorCommand(
  user: TableUser,
  access: TableAccess,
  message: IrcMessage,
): boolean {
  const params = message.params;
  const door = access.door;
  switch (message.command) {
    case "OPER":
      if (params.length < 2) user.numeric("461", "OPER", "Not enough parameters");
      else if (!runTableCommand(user, access, "oper", params[params.length - 1])) {
        user.numeric("491", "No operators are configured on this server");
      }
      return true;
    case "KICK":
      if (params.length < 2) user.numeric("461", "KICK", "Not enough parameters");
      else if (!door.isChannel(params[0])) user.numeric("403", params[0], "No such channel");
      else if (!runTableCommand(user, access, "kick", `${params[1]} ${params[2] ?? ""}`.trim())) {
        user.numeric("482", door.channel, "You're not a channel operator");
      }
      return true;
    case "TOPIC":
      return params.length > 0 && door.isChannel(params[0]) &&
        runTableCommand(user, access, "topic", params[1] ?? "");
    default:
      return false;
  }
}
