/**
 * What an IRC client's lines mean: registration (CAP, PASS, NICK, USER), the channel (JOIN,
 * PART), then every command, as a member of the same room as every other client. The
 * connection underneath (bytes, limits, the one way it ends) is an {@link IrcConnection}.
 * @module
 */

import { errorNotice, LeaveReason } from "../notices.ts";
import { bannedNotice } from "../moderation/notices.ts";
import type { ServedConnection } from "../connection.ts";
import { IrcConnection } from "./irc_connection.ts";
import type { Member } from "../room.ts";
import type { IrcDecodeResult } from "./irc_decoder.ts";
import { ircLine, type IrcMessage, parseIrcLine } from "./irc_line.ts";
import { CapNegotiation } from "./irc_cap.ts";
import { type MessageSender, sendMessage } from "./irc_messages.ts";
import { checkNick } from "./irc_nick.ts";
import { answerQuery, type QueryHost } from "./irc_queries.ts";
import {
  isMuted,
  runOperatorCommand,
  runTableCommand,
  type TableAccess,
  type TableUser,
} from "./irc_table.ts";
import type { IrcMember } from "./irc_relay.ts";
import { partReason } from "./irc_relay.ts";
import { namesReply, topicReply, type TopicShown, welcomeBurst } from "./irc_replies.ts";
import { ircPrefix } from "./irc_translate.ts";

/** Commands a client may send before it is registered. */
const BEFORE_REGISTRATION = new Set(["CAP", "PASS", "NICK", "USER", "PING", "PONG", "QUIT"]);

/**
 * An IRC client's protocol state and a member of the room while in the channel: registration,
 * the channel, and every command, over an {@link IrcConnection}.
 */
export class IrcSession extends IrcConnection
  implements IrcMember, QueryHost, MessageSender, TableUser, ServedConnection {
  readonly followsEvents = true;
  #name = "";
  #key = "";
  #user: { realName: string } | null = null;
  #password = "";
  readonly #caps = new CapNegotiation();
  #registering = false;
  #registered = false;
  #inChannel = false;
  #away: string | undefined;
  /** Operator rights, granted by `OPER` (the room's `/oper`) until the connection ends. */
  #operator = false;
  /** Wrong operator passwords so far. */
  #operStrikes = 0;

  /** The nick, which is the room name (empty before one is accepted). */
  get name(): string {
    return this.#name;
  }

  /** The room key of the nick. */
  get key(): string {
    return this.#key;
  }

  /** The client's real name (from USER). */
  get realName(): string {
    return this.#user?.realName ?? "";
  }

  /** The away message, if away. */
  get away(): string | undefined {
    return this.#away;
  }

  /** The channel's topic (the room's, set by an operator's `/topic`), if one is set. */
  get topic(): TopicShown | null {
    return this.ctx.moderation?.topic ?? null;
  }

  /** True while in the channel (a room member). */
  get inChannel(): boolean {
    return this.#inChannel;
  }

  protected get registered(): boolean {
    return this.#registered;
  }

  protected get serverTime(): boolean {
    return this.#caps.has("server-time");
  }

  protected handleLine(result: IrcDecodeResult): Promise<void> | undefined {
    if (!result.ok) {
      if (result.problem === "too-long") this.numeric("417", "Input line was too long");
      else this.notice(errorNotice("lines must be UTF-8; line ignored"));
      return;
    }
    const message = parseIrcLine(result.line);
    if (message === null) return;
    if (!this.#registered && !BEFORE_REGISTRATION.has(message.command)) {
      this.numeric("451", "You have not registered");
      return;
    }
    return this.#command(message);
  }

  #command(message: IrcMessage): Promise<void> | undefined {
    const params = message.params;
    switch (message.command) {
      case "CAP":
        return this.#cap(params);
      case "PASS":
        if (this.#registered) this.numeric("462", "You may not reregister");
        else if (params.length === 0) this.numeric("461", "PASS", "Not enough parameters");
        else this.#password = params[0];
        return;
      case "NICK":
        return this.#nick(params);
      case "USER":
        if (this.#registered) this.numeric("462", "You may not reregister");
        else if (params.length < 4) this.numeric("461", "USER", "Not enough parameters");
        else {
          this.#user = { realName: params[3] };
          return this.#register();
        }
        return;
      case "PING":
        if (params.length === 0) this.numeric("409", "No origin specified");
        else {
          this.send(ircLine(this.door.serverName, "PONG", this.door.serverName, params[0]));
        }
        return;
      case "PONG":
        return;
      case "QUIT": {
        const words = params[0] ?? "";
        const reason = words === "" ? LeaveReason.quit : `${LeaveReason.quit}: ${words}`;
        this.end(reason, { error: `Closing link: ${this.#name || "*"} (${reason})` });
        return;
      }
      case "PRIVMSG":
      case "NOTICE":
        sendMessage(
          this,
          this.door,
          this.ctx.room,
          message.command,
          params,
          this.ctx.options.maxMessageBytes,
        );
        return;
      case "JOIN":
        this.#join(params);
        return;
      case "PART":
        this.#part(params);
        return;
      case "AWAY":
        this.#away = params[0] === undefined || params[0] === "" ? undefined : params[0];
        if (this.#away === undefined) {
          this.numeric("305", "You are no longer marked as being away");
        } else this.numeric("306", "You have been marked as being away");
        return;
      default:
        if (runOperatorCommand(this, this.#tables, message)) return;
        if (answerQuery(this, this.door, this.ctx.room, message)) return;
        if (!runTableCommand(this, this.#tables, message.command, params.join(" "))) {
          this.numeric("421", message.command, "Unknown command");
        }
        return;
    }
  }

  /** How this session reaches the room's command table. */
  get #tables(): TableAccess {
    const { commands, moderation, clock } = this.ctx;
    return {
      door: this.door,
      commands,
      ...(moderation === undefined ? {} : { moderation }),
      clock,
      problem: (text) => this.ctx.console.problem(text),
    };
  }

  /** The room member while in the channel (commands act through it); null when parted. */
  get member(): Member | null {
    return this.#inChannel ? this : null;
  }

  /** True once `OPER` succeeded, until the connection ends. */
  get isOperator(): boolean {
    return this.#operator && !this.ended;
  }

  /** `OPER` (the room's `/oper`) succeeded: 381, as IRC servers say it. */
  grantOperator(): void {
    this.#operator = true;
    this.numeric("381", "You are now an IRC operator");
  }

  /** A wrong operator password; how many so far. */
  operFailed(): number {
    return ++this.#operStrikes;
  }

  /** False (and a notice saying until when) while muted. */
  maySpeak(): boolean {
    return !isMuted(this, this.#tables);
  }

  /** An IRC client is never the server console. */
  get isConsole(): boolean {
    return false;
  }

  /** Answers this client alone: a notice (a history line may become a tagged PRIVMSG). */
  reply(text: string): void {
    this.notice(text);
  }

  /** `/quit` through the command table. */
  quit(): void {
    this.end(LeaveReason.quit, { error: `Closing link: ${this.#name} (${LeaveReason.quit})` });
  }

  #cap(params: readonly string[]): Promise<void> | undefined {
    const outcome = this.#caps.answer(
      params,
      this.door.serverName,
      this.#name || "*",
      this.#registered,
    );
    if (outcome.reply !== "") this.send(outcome.reply);
    if (outcome.ended) return this.#register();
  }

  #nick(params: readonly string[]): Promise<void> | undefined {
    if (params.length === 0 || params[0] === "") {
      this.numeric("431", "No nickname given");
      return;
    }
    const check = checkNick(params[0]);
    if (!check.ok) {
      this.numeric("432", params[0], `Erroneous nickname (${check.reason})`);
      return;
    }
    if (check.name === this.#name) return;
    if (this.#inChannel) {
      this.numeric("447", `Cannot change nickname while in ${this.door.channel}`);
      return;
    }
    const holder = this.ctx.room.find(check.key);
    if (holder !== undefined && holder !== this) {
      this.numeric("433", check.name, "Nickname is already in use");
      return;
    }
    const lookalike = this.ctx.room.lookalike(check.name, check.key);
    if (lookalike !== undefined && lookalike !== this) {
      this.#lookalikeTaken(check.name, lookalike.name);
      return;
    }
    if (this.#registered) {
      this.send(`:${ircPrefix(this.#name)} NICK :${check.name}\r\n`);
    }
    this.#name = check.name;
    this.#key = check.key;
    if (!this.#registered) return this.#register();
  }

  /** Registers once NICK and USER are in and CAP negotiation is over. */
  #register(): Promise<void> | undefined {
    if (this.#registered || this.#registering) return;
    if (this.#name === "" || this.#user === null || this.#caps.negotiating) return;
    const password = this.door.password;
    if (password !== undefined && this.#password !== password) {
      this.numeric("464", "Password incorrect");
      this.end("bad password", { error: "Bad password" });
      return;
    }
    const ban = this.ctx.moderation?.banForName(this.#key) ?? null;
    if (ban !== null) {
      const text = bannedNotice(ban, this.ctx.clock.now());
      this.numeric("465", text);
      this.end("banned", { error: text });
      return;
    }
    const claims = this.ctx.claims;
    const room = this.ctx.room;
    if (
      claims !== undefined && room.find(this.#key) === undefined &&
      room.lookalike(this.#name, this.#key) === undefined
    ) {
      return this.#claimThenRegister();
    }
    this.#enter(true);
  }

  async #claimThenRegister(): Promise<void> {
    const claims = this.ctx.claims;
    if (claims === undefined) return;
    this.#registering = true;
    const key = this.#key;
    const outcome = await claims.claim(key, this.#name);
    this.#registering = false;
    if (!outcome.ok) {
      this.#nickTaken();
      return;
    }
    if (this.ended || !this.#enter(true)) claims.release(key);
  }

  /** The nick turned out taken while registering: 433, and the client must send another. */
  #nickTaken(): void {
    this.numeric("433", this.#name, "Nickname is already in use");
    this.#name = "";
    this.#key = "";
  }

  /** The nick looks like an online one's (the same skeleton): 433 saying whose. */
  #lookalikeTaken(nick: string, holder: string): void {
    this.numeric("433", nick, `Nickname is already in use (it looks like ${holder})`);
  }

  /**
   * Joins the room under the nick; on the first time also the welcome burst. False (433) when
   * the name is taken.
   */
  #enter(first: boolean): boolean {
    const room = this.ctx.room;
    const lookalike = room.lookalike(this.#name, this.#key);
    if (lookalike !== undefined) {
      this.#lookalikeTaken(this.#name, lookalike.name);
      if (first) {
        this.#name = "";
        this.#key = "";
      }
      return false;
    }
    if (!room.join(this)) {
      if (first) this.#nickTaken();
      else this.numeric("433", this.#name, "Nickname is already in use");
      return false;
    }
    this.#inChannel = true;
    this.door.relay.add(this);
    if (first) {
      this.#registered = true;
      this.registrationDone();
      this.ctx.console.joined(this.#name, this.remote);
      this.send(welcomeBurst(this.replyTo, this.door.channel, this.door.created));
    }
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

  #join(params: readonly string[]): void {
    const asked = params[0] ?? "";
    if (asked === "") {
      this.numeric("461", "JOIN", "Not enough parameters");
      return;
    }
    for (const channel of asked.split(",")) {
      if (channel === "0") {
        if (this.#inChannel) this.#part([this.door.channel]);
      } else if (!this.door.isChannel(channel)) {
        this.numeric(
          "403",
          channel,
          `No such channel (this server is one room: ${this.door.channel})`,
        );
      } else if (!this.#inChannel) {
        this.#enter(false);
      }
    }
  }

  #part(params: readonly string[]): void {
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

  #leaveRoom(reason: string, announce: boolean): void {
    if (!this.#inChannel) return;
    this.#inChannel = false;
    this.door.relay.remove(this);
    this.ctx.room.leave(this, reason, { announce });
    this.ctx.console.left(this.#name, reason);
  }

  protected leaving(reason: string, announce: boolean): void {
    this.#leaveRoom(reason, announce);
  }
}
