/**
 * An IRC client in the channel that stands for the room: entering it under the nick (JOIN, the
 * topic, NAMES, the replay), JOIN and PART while registered, and leaving the room when the
 * connection ends. Registration, on top, decides when the client first enters.
 * @module
 */

import { IrcConnection } from "./irc_connection.ts";
import { ircLine } from "./irc_line.ts";
import type { IrcMember } from "./irc_relay.ts";
import { partReason } from "./irc_relay.ts";
import { namesReply, topicReply, type TopicShown } from "./irc_replies.ts";
import { ircPrefix } from "./irc_translate.ts";

/** An IRC connection as a member of the room while it is in the channel. */
export abstract class IrcChannelMember extends IrcConnection implements IrcMember {
  readonly followsEvents = true;
  #name = "";
  #key = "";
  #inChannel = false;

  /** The nick, which is the room name (empty before one is accepted). */
  get name(): string {
    return this.#name;
  }

  /** The room key of the nick. */
  get key(): string {
    return this.#key;
  }

  /** The channel's topic (the room's, set by an operator's `/topic`), if one is set. */
  get topic(): TopicShown | null {
    return this.ctx.moderation?.topic ?? null;
  }

  /** True while in the channel (a room member). */
  get inChannel(): boolean {
    return this.#inChannel;
  }

  /** Takes a nick (checked by the caller); empty strings for none. */
  protected setNick(name: string, key: string): void {
    this.#name = name;
    this.#key = key;
  }

  /** The nick looks like an online one's (the same skeleton): 433 saying whose. */
  protected lookalikeTaken(nick: string, holder: string): void {
    this.numeric("433", nick, `Nickname is already in use (it looks like ${holder})`);
  }

  /**
   * Joins the room under the nick: `welcome` runs once in the room, before the JOIN line. False
   * (433 sent) when the name is taken or looks like an online one.
   */
  protected enter(welcome?: () => void): boolean {
    const room = this.ctx.room;
    const lookalike = room.lookalike(this.#name, this.#key);
    if (lookalike !== undefined) {
      this.lookalikeTaken(this.#name, lookalike.name);
      return false;
    }
    if (!room.join(this)) {
      this.numeric("433", this.#name, "Nickname is already in use");
      return false;
    }
    this.#inChannel = true;
    this.door.relay.add(this);
    welcome?.();
    const channel = this.door.channel;
    this.send(
      `:${ircPrefix(this.#name)} JOIN ${channel}\r\n` +
        topicReply(this.replyTo, channel, this.topic) +
        namesReply(this.replyTo, channel, room.names()),
    );
    const replay = room.replayBytes();
    if (replay !== null) {
      this.sendBytes(this.door.translator.replay(replay, this.serverTime));
    }
    return true;
  }

  /** `JOIN #chat` (back into the room after a PART), `JOIN 0` (PART); other channels 403. */
  protected join(params: readonly string[]): void {
    const asked = params[0] ?? "";
    if (asked === "") {
      this.numeric("461", "JOIN", "Not enough parameters");
      return;
    }
    for (const channel of asked.split(",")) {
      if (channel === "0") {
        if (this.#inChannel) this.part([this.door.channel]);
      } else if (!this.door.isChannel(channel)) {
        this.numeric(
          "403",
          channel,
          `No such channel (this server is one room: ${this.door.channel})`,
        );
      } else if (!this.#inChannel) {
        this.enter();
      }
    }
  }

  /** `PART #chat [:words]`: leaves the room, the connection stays. */
  protected part(params: readonly string[]): void {
    const channel = params[0] ?? "";
    if (channel === "") {
      this.numeric("461", "PART", "Not enough parameters");
      return;
    }
    if (!this.door.isChannel(channel)) {
      this.numeric("403", channel, "No such channel");
      return;
    }
    if (!this.#inChannel) {
      this.numeric("442", channel, "You're not on that channel");
      return;
    }
    const words = params[1] ?? "";
    const own = ircPrefix(this.#name);
    this.send(
      words === ""
        ? `:${own} PART ${this.door.channel}\r\n`
        : ircLine(own, "PART", this.door.channel, words),
    );
    this.#leaveRoom(partReason(words), true);
  }

  protected leaving(reason: string, announce: boolean): void {
    this.#leaveRoom(reason, announce);
  }

  #leaveRoom(reason: string, announce: boolean): void {
    if (!this.#inChannel) return;
    this.#inChannel = false;
    this.door.relay.remove(this);
    this.ctx.room.leave(this, reason, { announce });
    this.ctx.console.left(this.#name, reason);
  }
}
