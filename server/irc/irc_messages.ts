/**
 * PRIVMSG and NOTICE from an IRC client: to the channel they are chat (a CTCP ACTION is an
 * action, `/me`), to a nick a private message (`/msg`). NOTICE never gets an error back, as
 * the protocol asks. Other CTCP requests are dropped.
 * @module
 */

import { utf8ByteLength } from "../../protocol/mod.ts";
import { errorNotice, privateBusyNotice } from "../notices.ts";
import type { Member, Room } from "../room.ts";
import type { IrcDoor } from "./irc_door.ts";
import { checkNick } from "./irc_nick.ts";

/** The sending session, as message handling needs it. */
export interface MessageSender extends Member {
  /** True while in the channel. */
  readonly inChannel: boolean;
  /**
   * Flood control's answer for one more message of `bytes` (counted when true); `toEveryone`
   * takes them from the room's byte budget too.
   */
  allowMessage(bytes: number, toEveryone: boolean): boolean;
  /** False (and the sender told why) while the sender is muted. */
  maySpeak(): boolean;
  /** Sends a numeric to this client. */
  numeric(code: string, ...params: string[]): void;
  /** Sends a server notice to this client. */
  notice(text: string): void;
}

/** CTCP's delimiter. */
const CTCP = "\u0001";

/** The text of a CTCP ACTION (`\x01ACTION waves\x01`), or null for anything else. */
export function ctcpAction(text: string): string | null {
  if (!text.startsWith(`${CTCP}ACTION`)) return null;
  const end = text.endsWith(CTCP) && text.length > 7 ? text.length - 1 : text.length;
  return text.slice(7, end).trimStart();
}

/**
 * Sends what a PRIVMSG or NOTICE asks. `maxBytes` is the server's largest message. An action
 * to the channel is the room's `/me`; to a nick, a private message `* NAME TEXT`.
 */
export function sendMessage(
  sender: MessageSender,
  door: IrcDoor,
  room: Room,
  command: "PRIVMSG" | "NOTICE",
  params: readonly string[],
  maxBytes: number,
): void {
  const reply = command === "PRIVMSG";
  const fail = (code: string, ...words: string[]) => {
    if (reply) sender.numeric(code, ...words);
  };
  const target = params[0] ?? "";
  if (target === "") return fail("411", `No recipient given (${command})`);
  const text = params[1] ?? "";
  if (text === "") return fail("412", "No text to send");
  if (!sender.inChannel) return fail("404", target, `Cannot send without being in ${door.channel}`);
  const toChannel = door.isChannel(target);
  if (!toChannel && target.startsWith("#")) return fail("403", target, "No such channel");
  const action = ctcpAction(text);
  if (action === null && text.startsWith(CTCP)) return;
  const body = action === null ? text : `* ${sender.name} ${action}`;
  if (utf8ByteLength(body) > maxBytes) {
    sender.notice(errorNotice(`message too long (at most ${maxBytes} bytes)`));
    return;
  }
  const spoken = utf8ByteLength(toChannel ? action ?? text : body);
  if (!sender.allowMessage(spoken, toChannel) || !sender.maySpeak()) return;
  if (toChannel) {
    if (action === null) room.broadcast(sender, text);
    else room.action(sender, action);
    return;
  }
  const checked = checkNick(target);
  const member = checked.ok ? room.find(checked.key) : undefined;
  const outcome = member === undefined ? "offline" : room.sendPrivate(sender, member.key, body);
  if (member === undefined || outcome === "offline") return fail("401", target, "No such nick");
  if (outcome === "busy") {
    // Not a NOTICE's business to answer, as for every other error.
    if (reply) sender.notice(privateBusyNotice(member.name));
    return;
  }
  const away = (member as Member & { readonly away?: string }).away;
  if (away !== undefined) fail("301", member.name, away);
}
