/**
 * The server's numeric replies, as lines, for the registration burst and the query commands
 * (NAMES, WHO, WHOIS, LIST, MODE, ...). Pure functions of what they show.
 * @module
 */

import config from "../../deno.json" with { type: "json" };
import { MAX_USERNAME_BYTES } from "../../protocol/mod.ts";
import { fittedLine, IRC_LINE_BYTES, ircLine } from "./irc_line.ts";
import { IRC_USER_HOST } from "./irc_translate.ts";

/** The program's version, as 002 and 004 name it (read from deno.json, as `chat --version`). */
const VERSION: string = config.version;

/** Where a reply is said from and to whom. */
export interface ReplyTo {
  /** The server's name, the source of every numeric. */
  readonly server: string;
  /** The client's nick (`*` before it has one). */
  readonly nick: string;
}

/** One numeric reply line: `:server NNN nick params... :last`. */
export function numeric(to: ReplyTo, code: string, ...params: string[]): string {
  return ircLine(to.server, code, to.nick || "*", ...params);
}

/**
 * The ISUPPORT tokens: only what holds here. One channel, whose name is `channel`; nicks are
 * our usernames (up to 32 bytes of UTF-8, compared after Unicode normalization and lower
 * casing, the nearest of which is RFC 8265's mapping); no channel modes but the ban list `b`
 * (the room's bans) and `n`, no prefixes.
 */
export function isupportTokens(channel: string): string[] {
  return [
    "CASEMAPPING=rfc8265",
    "CHANLIMIT=#:1",
    `CHANNELLEN=${new TextEncoder().encode(channel).length}`,
    "CHANMODES=b,,,n",
    "CHANTYPES=#",
    "MAXTARGETS=1",
    "NETWORK=chat",
    `NICKLEN=${MAX_USERNAME_BYTES}`,
    "PREFIX=",
    "TARGMAX=PRIVMSG:1,NOTICE:1,WHOIS:1,NAMES:1,JOIN:1,PART:1",
    "UTF8ONLY",
  ];
}

/** 001 to 005, and the MOTD: what a client waits for before it considers itself connected. */
export function welcomeBurst(to: ReplyTo, channel: string, created: Date): string {
  return [
    numeric(to, "001", `Welcome to the chat room, ${to.nick}`),
    numeric(to, "002", `Your host is ${to.server}, running chat ${VERSION}`),
    numeric(to, "003", `This server was created ${created.toUTCString()}`),
    numeric(to, "004", to.server, `chat-${VERSION}`, "i", "bn"),
    numeric(to, "005", ...isupportTokens(channel), "are supported by this server"),
    numeric(to, "375", `- ${to.server} Message of the day -`),
    numeric(to, "372", `- This server is one room: ${channel}. Everyone here is in it,`),
    numeric(to, "372", "- whether they came with an IRC client, the chat client or a browser."),
    numeric(to, "376", "End of /MOTD command."),
  ].join("");
}

/** 353 lines listing `names` (as many per line as fit in 512 bytes), then 366. */
export function namesReply(to: ReplyTo, channel: string, names: readonly string[]): string {
  const head = `:${to.server} 353 ${to.nick} = ${channel} :`;
  const room = IRC_LINE_BYTES - 2 - new TextEncoder().encode(head).length;
  let out = "";
  let line = "";
  let bytes = 0;
  for (const name of names) {
    const width = new TextEncoder().encode(name).length + (line === "" ? 0 : 1);
    if (line !== "" && bytes + width > room) {
      out += `${head}${line}\r\n`;
      line = "";
      bytes = 0;
    }
    line += line === "" ? name : ` ${name}`;
    bytes += width;
  }
  if (line !== "") out += `${head}${line}\r\n`;
  return out + numeric(to, "366", channel, "End of /NAMES list.");
}

/** What WHO and WHOIS show of a member. */
export interface WhoEntry {
  readonly name: string;
  /** The IRC client's real name; for others, how they came (`chat client`). */
  readonly realName: string;
  /** The away message, if away. */
  readonly away?: string;
}

/** One 352 line. */
export function whoLine(to: ReplyTo, channel: string, entry: WhoEntry): string {
  const here = entry.away === undefined ? "H" : "G";
  return numeric(
    to,
    "352",
    channel,
    entry.name,
    IRC_USER_HOST,
    to.server,
    entry.name,
    here,
    `0 ${entry.realName}`,
  );
}

/** WHOIS: 311, 312, 319, 301 when away, then 318. */
export function whoisReply(to: ReplyTo, channel: string, entry: WhoEntry): string {
  return [
    numeric(to, "311", entry.name, entry.name, IRC_USER_HOST, "*", entry.realName),
    numeric(to, "312", entry.name, to.server, "chat"),
    numeric(to, "319", entry.name, channel),
    entry.away === undefined ? "" : numeric(to, "301", entry.name, entry.away),
    numeric(to, "318", entry.name, "End of /WHOIS list."),
  ].join("");
}

/** The channel's topic as it was set, for 332 and 333. */
export interface TopicShown {
  readonly text: string;
  readonly setBy: string;
  /** When it was set (ms since the epoch). */
  readonly setAt: number;
}

/** 332 and 333 (who set it, when), or 331 when there is no topic. */
export function topicReply(to: ReplyTo, channel: string, topic: TopicShown | null): string {
  if (topic === null) return numeric(to, "331", channel, "No topic is set");
  return fittedLine(to.server, "332", to.nick || "*", channel, topic.text) +
    numeric(to, "333", channel, topic.setBy, String(Math.floor(topic.setAt / 1000)));
}
