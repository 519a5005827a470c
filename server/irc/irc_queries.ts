/**
 * The IRC commands that only ask (NAMES, WHO, WHOIS, TOPIC, LIST, MODE, USERHOST, ISON): they
 * read the room and answer with numerics, changing nothing.
 * @module
 */

import { usernameKey } from "../../protocol/mod.ts";
import type { Member, Room } from "../room.ts";
import type { IrcDoor } from "./irc_door.ts";
import type { IrcMessage } from "./irc_line.ts";
import {
  namesReply,
  numeric,
  type ReplyTo,
  topicReply,
  type TopicShown,
  type WhoEntry,
  whoisReply,
  whoLine,
} from "./irc_replies.ts";
import { IRC_USER_HOST } from "./irc_translate.ts";

/** The asking session, as the queries see it. */
export interface QueryHost {
  readonly replyTo: ReplyTo;
  /** The channel's topic, if one is set. */
  readonly topic: TopicShown | null;
  /** True while in the channel. */
  readonly inChannel: boolean;
  /** Sends terminated lines. */
  send(text: string): void;
}

/** What IRC members add to a member: a real name and an away message. */
interface IrcDetails {
  readonly realName?: string;
  readonly away?: string;
}

/** How WHO and WHOIS show a member; members that did not come by IRC show their name. */
function whoEntry(member: Member): WhoEntry {
  const details = member as Member & IrcDetails;
  const realName = details.realName === undefined || details.realName === ""
    ? member.name
    : details.realName;
  return details.away === undefined
    ? { name: member.name, realName }
    : { name: member.name, realName, away: details.away };
}

/** The member a nick names (any room name, also one IRC could not register). */
function findNick(room: Room, nick: string): Member | undefined {
  return room.find(usernameKey(nick));
}

/** Answers a query command; false when `message` is not one. */
export function answerQuery(
  host: QueryHost,
  door: IrcDoor,
  room: Room,
  message: IrcMessage,
): boolean {
  const to = host.replyTo;
  const channel = door.channel;
  const params = message.params;
  const first = params[0] ?? "";
  switch (message.command) {
    case "NAMES":
      host.send(
        first === "" || door.isChannel(first)
          ? namesReply(to, channel, room.names())
          : numeric(to, "366", first, "End of /NAMES list."),
      );
      return true;
    case "WHO": {
      let lines = "";
      if (first === "" || door.isChannel(first) || first === "*") {
        for (const name of room.names()) {
          const member = findNick(room, name);
          if (member !== undefined) lines += whoLine(to, channel, whoEntry(member));
        }
      } else {
        const member = findNick(room, first);
        if (member !== undefined) lines += whoLine(to, channel, whoEntry(member));
      }
      host.send(lines + numeric(to, "315", first || "*", "End of /WHO list."));
      return true;
    }
    case "WHOIS": {
      const nick = params[params.length - 1] ?? "";
      if (nick === "") {
        host.send(numeric(to, "431", "No nickname given"));
        return true;
      }
      const member = findNick(room, nick);
      host.send(
        member === undefined
          ? numeric(to, "401", nick, "No such nick") +
            numeric(to, "318", nick, "End of /WHOIS list.")
          : whoisReply(to, channel, whoEntry(member)),
      );
      return true;
    }
    case "TOPIC":
      if (first === "") host.send(numeric(to, "461", "TOPIC", "Not enough parameters"));
      else if (!door.isChannel(first)) host.send(numeric(to, "403", first, "No such channel"));
      else if (params.length > 1) {
        host.send(numeric(to, "482", channel, "You're not a channel operator"));
      } else host.send(topicReply(to, channel, host.topic));
      return true;
    case "LIST":
      host.send(
        numeric(to, "321", "Channel", "Users  Name") +
          numeric(to, "322", channel, String(room.size), host.topic?.text ?? "") +
          numeric(to, "323", "End of /LIST"),
      );
      return true;
    case "MODE":
      host.send(modeReply(host, door, room, params));
      return true;
    case "USERHOST": {
      const found: string[] = [];
      for (const nick of params.slice(0, 5)) {
        const member = findNick(room, nick);
        if (member === undefined) continue;
        const away = whoEntry(member).away === undefined ? "+" : "-";
        found.push(`${member.name}=${away}${member.name}@${IRC_USER_HOST}`);
      }
      host.send(numeric(to, "302", found.join(" ")));
      return true;
    }
    case "ISON": {
      const words = params.flatMap((param) => param.split(" ")).filter((word) => word !== "");
      const online = words.flatMap((nick) => findNick(room, nick)?.name ?? []);
      host.send(numeric(to, "303", online.join(" ")));
      return true;
    }
    default:
      return false;
  }
}

/** MODE: the channel's modes (read only, `+n`) and the user's own `+i` (bans: `irc_bans`). */
function modeReply(host: QueryHost, door: IrcDoor, room: Room, params: readonly string[]): string {
  const to = host.replyTo;
  const target = params[0] ?? "";
  if (target === "") return numeric(to, "461", "MODE", "Not enough parameters");
  if (door.isChannel(target)) {
    const change = params[1] ?? "";
    if (change === "") {
      return numeric(to, "324", door.channel, "+n") +
        numeric(to, "329", door.channel, String(Math.floor(door.created.getTime() / 1000)));
    }
    return numeric(to, "482", door.channel, "You're not a channel operator");
  }
  if (target.startsWith("#")) return numeric(to, "403", target, "No such channel");
  if (usernameKey(target) !== usernameKey(to.nick)) {
    return findNick(room, target) === undefined
      ? numeric(to, "401", target, "No such nick")
      : numeric(to, "502", "Can't change mode for other users");
  }
  const change = params[1] ?? "";
  if (change === "" || /^[+-]i$/.test(change)) return numeric(to, "221", "+");
  return numeric(to, "501", "Unknown MODE flag");
}
