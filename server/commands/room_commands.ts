/**
 * The commands of the room, one table entry each: who is online, private messages, actions,
 * history and search, help, leaving. Operator and console commands are further entries of the
 * same table.
 * @module
 */

import { SERVER_COMMANDS, usernameKey } from "../../protocol/mod.ts";
import type { History } from "../history/history.ts";
import { parseHistoryCount } from "../history/history.ts";
import { errorNotice, notOnlineNotice, privateBusyNotice } from "../notices.ts";
import type { Member, Room } from "../room.ts";
import {
  type Command,
  type CommandCall,
  CommandTable,
  type CommandUser,
  helpLines,
  usageNotice,
} from "./table.ts";

/** Someone who types room commands: a logged-in user (the console has no member). */
export interface RoomUser extends CommandUser {
  /** The user's room member; null for the console. */
  readonly member: Member | null;
  /** Ends the user's connection (`/quit`). */
  quit(): void;
}

/** What the room's commands work on. */
export interface RoomServices {
  /** The room. */
  readonly room: Room;
  /** The history. */
  readonly history: History;
  /** Told when an answer that waited for the store failed. */
  readonly problem: (text: string) => void;
}

/** The protocol's description of a command (name, usage, summary). */
function info(name: string): { name: string; usage: string; summary: string } {
  const found = SERVER_COMMANDS.find((command) => command.name === name);
  if (found === undefined) throw new Error(`${name} is not in the protocol's command list`);
  return { ...found };
}

/** Notices answered one by one, in order. */
function replyAll(user: CommandUser, lines: readonly string[]): void {
  for (const line of lines) user.reply(line);
}

/** A command that needs a member in the room (the console has none). */
function needsMember(call: CommandCall<RoomUser>): Member | null {
  if (call.user.member === null) call.user.reply(errorNotice("not available from the console"));
  return call.user.member;
}

/** The entries of the room's commands, in the order `/help` lists them. */
export function roomCommands(services: RoomServices): Command<RoomUser>[] {
  const { room, history } = services;
  const answer = async (user: RoomUser, lines: Promise<string[]>) => {
    try {
      replyAll(user, await lines);
    } catch (error) {
      services.problem(`history: cannot read (${String(error)})`);
      user.reply(errorNotice("history is not available right now"));
    }
  };
  return [
    {
      ...info("/users"),
      access: "anyone",
      minArgs: 0,
      run: ({ user }) => user.reply(room.userList()),
    },
    {
      ...info("/msg"),
      access: "anyone",
      minArgs: 2,
      speaks: true,
      run: (call) => {
        // TEXT is everything after the one whitespace character that ends NAME, as typed.
        const parsed = /^(\S+)\s([\s\S]*\S[\s\S]*)$/.exec(call.rest);
        const member = needsMember(call);
        if (member === null) return;
        if (parsed === null) {
          call.user.reply(usageNotice(info("/msg")));
          return;
        }
        switch (room.sendPrivate(member, usernameKey(parsed[1]), parsed[2])) {
          case "offline":
            call.user.reply(notOnlineNotice(parsed[1]));
            return;
          case "busy":
            call.user.reply(privateBusyNotice(parsed[1]));
            return;
        }
      },
    },
    {
      ...info("/me"),
      access: "anyone",
      minArgs: 1,
      speaks: true,
      run: (call) => {
        const member = needsMember(call);
        if (member !== null) room.action(member, call.rest);
      },
    },
    {
      ...info("/history"),
      access: "anyone",
      minArgs: 0,
      run: ({ user, args }) => {
        const count = parseHistoryCount(args);
        if (count === null) {
          user.reply(errorNotice("usage: /history [N] (N from 1 to 1000)"));
          return;
        }
        return answer(user, history.historyAnswer(count));
      },
    },
    {
      ...info("/search"),
      access: "anyone",
      minArgs: 1,
      run: ({ user, rest }) => answer(user, history.searchAnswer(rest)),
    },
    {
      ...info("/help"),
      access: "anyone",
      minArgs: 0,
      run: ({ user, table }) => replyAll(user, helpLines(table.available(user))),
    },
    {
      ...info("/quit"),
      access: "anyone",
      minArgs: 0,
      floodFree: true,
      run: ({ user }) => user.quit(),
    },
  ];
}

/** The table of the room's commands (a server with operators adds its entries to the list). */
export function roomCommandTable(services: RoomServices): CommandTable<RoomUser> {
  return new CommandTable(roomCommands(services));
}
