/**
 * The room's binary frames in IRC: a chat frame becomes PRIVMSG to the channel from
 * `name!name@chat`, a notice becomes NOTICE from the server. The room encodes each broadcast
 * once and hands the same array to every member in turn; the translation is kept for that
 * array, so a broadcast is turned into IRC once for all IRC members, not once per member.
 * @module
 */

import type { TopicRecord } from "../store/moderation_store.ts";
import { HEADER_BYTES, parseHistoryLine } from "../../protocol/mod.ts";
import { topicChangedNotice } from "../moderation/notices.ts";
import { actionLines, fittedLine, IRC_LINE_BYTES, textLines } from "./irc_line.ts";

/** The host part of every room member's IRC prefix: `alice!alice@chat`. */
export const IRC_USER_HOST = "chat";

/** `name!name@chat`: how a room member appears to IRC clients. */
export function ircPrefix(name: string): string {
  return `${name}!${name}@${IRC_USER_HOST}`;
}

const encoder = new TextEncoder();
const utf8 = new TextDecoder();
const CR = 0x0d;
const LF = 0x0a;
const NUL = 0x00;
const COLON = 0x3a;
const BANG = 0x21;
/** `@chat`, the host part after `NAME!NAME`. */
const HOST_BYTES = encoder.encode(`@${IRC_USER_HOST}`);

/** A binary frame read back: who (empty for a notice) and what. */
interface FrameText {
  readonly username: string;
  readonly message: string;
}

/** Reads a frame the room encoded (well formed by construction). */
function readFrame(bytes: Uint8Array): FrameText {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nameLength = view.getUint16(0);
  const messageLength = view.getUint32(2);
  const nameEnd = HEADER_BYTES + nameLength;
  return {
    username: utf8.decode(bytes.subarray(HEADER_BYTES, nameEnd)),
    message: utf8.decode(bytes.subarray(nameEnd, nameEnd + messageLength)),
  };
}

/** Turns the room's frames into IRC lines for one server's IRC door. */
export class IrcTranslator {
  readonly #serverName: string;
  readonly #channel: string;
  #lastFrame: Uint8Array | null = null;
  #lastLines: Uint8Array = new Uint8Array(0);
  /** The last replay translated, with and without `server-time`. */
  readonly #replays = new Map<boolean, { frames: Uint8Array; lines: Uint8Array }>();
  /** ` PRIVMSG #chan :`, after the prefix. */
  readonly #privmsgTail: Uint8Array;
  /** While a topic change is announced: its notice, and the TOPIC line it becomes. */
  #topic: { readonly notice: string; readonly line: Uint8Array } | null = null;

  constructor(serverName: string, channel: string) {
    this.#serverName = serverName;
    this.#channel = channel;
    this.#privmsgTail = encoder.encode(` PRIVMSG ${channel} :`);
  }

  /**
   * The IRC bytes for a fanned-out frame: chat as PRIVMSG to the channel, a notice as NOTICE to
   * the channel. The same frame array gets the same bytes back (the rest of the fan-out).
   */
  shared(frame: Uint8Array): Uint8Array {
    if (frame === this.#lastFrame) return this.#lastLines;
    this.#lastLines = this.#chatLine(frame) ?? this.#translate(frame);
    this.#lastFrame = frame;
    return this.#lastLines;
  }

  /**
   * Runs `announce`, the room's fan-out of a topic change's notice, with that notice turned into
   * `:SETBY!SETBY@chat TOPIC #chan :text` for IRC members, so that their clients update the
   * channel's header (binary clients keep the notice). An empty text is a cleared topic.
   */
  announceTopic(
    topic: TopicRecord,
    announce: () => void,
  ): void {
    this.#topic = {
      notice: topicChangedNotice(topic),
      line: encoder.encode(fittedLine(ircPrefix(topic.setBy), "TOPIC", this.#channel, topic.text)),
    };
    try {
      announce();
    } finally {
      this.#topic = null;
    }
  }

  #translate(frame: Uint8Array): Uint8Array {
    const { username, message } = readFrame(frame);
    const topic = this.#topic;
    if (topic !== null && username === "" && message === topic.notice) return topic.line;
    const text = username === ""
      ? textLines(this.#serverName, "NOTICE", this.#channel, message)
      : textLines(ircPrefix(username), "PRIVMSG", this.#channel, message);
    return encoder.encode(text);
  }

  /**
   * The common case without decoding: a chat frame whose message holds no CR, LF or NUL and
   * fits one line is copied byte for byte into `:NAME!NAME@chat PRIVMSG #chan :MESSAGE\r\n`.
   * Null for anything else.
   */
  #chatLine(frame: Uint8Array): Uint8Array | null {
    const nameLength = (frame[0] << 8) | frame[1];
    if (nameLength === 0) return null;
    const nameEnd = HEADER_BYTES + nameLength;
    const message = frame.subarray(nameEnd);
    if (message.includes(CR) || message.includes(LF) || message.includes(NUL)) return null;
    const name = frame.subarray(HEADER_BYTES, nameEnd);
    const tail = this.#privmsgTail;
    const length = 2 + nameLength * 2 + HOST_BYTES.length + tail.length + message.length + 2;
    if (length > IRC_LINE_BYTES) return null;
    const line = new Uint8Array(length);
    let at = 0;
    line[at++] = COLON;
    line.set(name, at);
    at += nameLength;
    line[at++] = BANG;
    line.set(name, at);
    at += nameLength;
    line.set(HOST_BYTES, at);
    at += HOST_BYTES.length;
    line.set(tail, at);
    at += tail.length;
    line.set(message, at);
    at += message.length;
    line[at++] = CR;
    line[at] = LF;
    return line;
  }

  /**
   * The IRC bytes for a frame for `nick` alone: a notice as NOTICE to the nick (see
   * {@link IrcTranslator.notice}), chat as PRIVMSG to the channel.
   */
  direct(frame: Uint8Array, nick: string, serverTime: boolean): Uint8Array {
    const { username, message } = readFrame(frame);
    if (username !== "") return this.shared(frame);
    return encoder.encode(this.notice(message, nick, serverTime));
  }

  /**
   * A notice for one client (`target`: its nick, or the channel). A history line (a replay, a
   * `/history` or `/search` answer) becomes, for a client that negotiated `server-time`, the
   * PRIVMSG (or CTCP ACTION) it was, tagged with the time the server received it; otherwise it
   * stays a NOTICE in the history form, as binary clients see it.
   */
  notice(text: string, target: string, serverTime: boolean): string {
    const line = serverTime ? parseHistoryLine(text) : null;
    if (line === null) return textLines(this.#serverName, "NOTICE", target || "*", text);
    const tags = `@time=${new Date(line.time).toISOString()}`;
    const source = ircPrefix(line.from);
    return line.action
      ? actionLines(source, this.#channel, line.text, tags)
      : textLines(source, "PRIVMSG", this.#channel, line.text, tags);
  }

  /**
   * The room's replay (notice frames, the same array for every newcomer until the history
   * changes) for an IRC newcomer, to the channel: translated once per array and form.
   */
  replay(bytes: Uint8Array, serverTime: boolean): Uint8Array {
    const cached = this.#replays.get(serverTime);
    if (cached !== undefined && cached.frames === bytes) return cached.lines;
    let text = "";
    let at = 0;
    while (at + HEADER_BYTES <= bytes.length) {
      const view = new DataView(bytes.buffer, bytes.byteOffset + at, HEADER_BYTES);
      const end = at + HEADER_BYTES + view.getUint16(0) + view.getUint32(2);
      const { message } = readFrame(bytes.subarray(at, end));
      text += this.notice(message, this.#channel, serverTime);
      at = end;
    }
    const lines = encoder.encode(text);
    this.#replays.set(serverTime, { frames: bytes, lines });
    return lines;
  }
}
