/**
 * The room's binary frames in IRC: a chat frame becomes PRIVMSG to the channel from
 * `name!name@chat`, a notice becomes NOTICE from the server. The room encodes each broadcast
 * once and hands the same array to every member in turn; the translation is kept for that
 * array, so a broadcast is turned into IRC once for all IRC members, not once per member.
 * @module
 */

import { HEADER_BYTES } from "../../protocol/mod.ts";
import { textLines } from "./irc_line.ts";

/** The host part of every room member's IRC prefix: `alice!alice@chat`. */
export const IRC_USER_HOST = "chat";

/** `name!name@chat`: how a room member appears to IRC clients. */
export function ircPrefix(name: string): string {
  return `${name}!${name}@${IRC_USER_HOST}`;
}

const encoder = new TextEncoder();
const utf8 = new TextDecoder();

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

  constructor(serverName: string, channel: string) {
    this.#serverName = serverName;
    this.#channel = channel;
  }

  /**
   * The IRC bytes for a fanned-out frame: chat as PRIVMSG to the channel, a notice as NOTICE to
   * the channel. The same frame array gets the same bytes back (the rest of the fan-out).
   */
  shared(frame: Uint8Array): Uint8Array {
    if (frame === this.#lastFrame) return this.#lastLines;
    const { username, message } = readFrame(frame);
    const text = username === ""
      ? textLines(this.#serverName, "NOTICE", this.#channel, message)
      : textLines(ircPrefix(username), "PRIVMSG", this.#channel, message);
    this.#lastFrame = frame;
    this.#lastLines = encoder.encode(text);
    return this.#lastLines;
  }

  /**
   * The IRC bytes for a frame for `nick` alone: a notice as NOTICE to the nick, chat as
   * PRIVMSG to the channel.
   */
  direct(frame: Uint8Array, nick: string): Uint8Array {
    const { username, message } = readFrame(frame);
    if (username !== "") return this.shared(frame);
    return encoder.encode(textLines(this.#serverName, "NOTICE", nick || "*", message));
  }
}
