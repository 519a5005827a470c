/**
 * The room's command table reached from IRC, so IRC users have every command binary clients
 * have through the same table: IRC clients send the commands they do not know themselves as
 * typed (irssi's `/history 20` arrives as `HISTORY 20`), and `OPER`, `KICK` and `TOPIC` stand
 * for the room's `/oper`, `/kick` and `/topic` where the server has them.
 * @module
 */

import { utf8ByteLength } from "../../protocol/mod.ts";
import type { ModerationUser } from "../commands/mod_commands.ts";
import type { CommandTable } from "../commands/table.ts";
import type { Moderation } from "../moderation/moderation.ts";
import { mutedNotice } from "../moderation/notices.ts";
import { errorNotice } from "../notices.ts";
import type { Clock } from "../clock.ts";
import type { IrcDoor } from "./irc_door.ts";
import type { IrcMessage } from "./irc_line.ts";

/** The IRC client as a user of the table (operators and bans included). */
export interface TableUser extends ModerationUser {
  /** The room key of the nick. */
  readonly key: string;
  /** True while in the channel: the commands act in the room. */
  readonly inChannel: boolean;
  /** Sends a numeric reply. */
  numeric(code: string, ...params: string[]): void;
  /** Sends lines (already terminated). */
  send(text: string): void;
  /**
   * Flood control's answer for one more command speaking `bytes` (counted when true);
   * `toEveryone` takes them from the room's byte budget too.
   */
  allowMessage(bytes: number, toEveryone: boolean): boolean;
}

/** What reaching the table needs besides the user. */
export interface TableAccess {
  readonly door: IrcDoor;
  readonly commands: CommandTable<ModerationUser>;
  /** Bans and mutes, when the server has them. */
  readonly moderation?: Moderation;
  readonly clock: Clock;
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
  const bytes = command.speaks === true ? utf8ByteLength(rest) : 0;
  if (command.floodFree !== true && !user.allowMessage(bytes, word === "/me")) return true;
  if (command.speaks === true && isMuted(user, access)) return true;
  const pending = access.commands.run(user, word, rest);
  pending?.catch((error) => access.problem(`command ${word} failed: ${error}`));
  return true;
}

/**
 * True (and 482 sent) when `/name` is missing or the user is not an operator: changing the
 * channel is for operators, as IRC clients expect to be told.
 */
export function operatorOnly(user: TableUser, access: TableAccess, name: string): boolean {
  if (access.commands.find(`/${name}`) !== undefined && user.isOperator) return false;
  user.numeric("482", access.door.channel, "You're not a channel operator");
  return true;
}

/** True (and the user told so) when the user is muted: it may not speak (chat, /me, /msg). */
export function isMuted(user: TableUser, access: TableAccess): boolean {
  const mute = access.moderation?.muteFor(user.key) ?? null;
  if (mute === null) return false;
  user.reply(mutedNotice(mute, access.clock.now()));
  return true;
}

/**
 * `OPER NAME PASSWORD`, `KICK #chan NAME [:why]` and `TOPIC #chan :text` as the room's `/oper
 * PASSWORD` (NAME is the nick: operators are configured per name), `/kick NAME why` and
 * `/topic text`; 482 for a client that is not an operator, 491 when the server has no `/oper`;
 * an empty topic (IRC's clearing) is refused with a notice, as the room's topic is only replaced.
 * False for any other command (and for a TOPIC that only asks, which the queries answer).
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
      else if (!operatorOnly(user, access, "kick")) {
        runTableCommand(user, access, "kick", `${params[1]} ${params[2] ?? ""}`.trim());
      }
      return true;
    case "TOPIC":
      if (params.length < 2 || !door.isChannel(params[0])) return false;
      if (operatorOnly(user, access, "topic")) return true;
      if (params[1].trim() === "") {
        user.reply(
          errorNotice(`the topic cannot be cleared, only replaced (TOPIC ${door.channel} :text)`),
        );
      } else runTableCommand(user, access, "topic", params[1]);
      return true;
    default:
      return false;
  }
}
