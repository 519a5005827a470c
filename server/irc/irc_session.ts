/**
 * What a registered IRC client's lines mean: every command (messages, AWAY, QUIT, the queries,
 * the operator commands, the room's command table) dispatched in one place, on top of the way
 * into the room ({@link IrcRegistration}) and the connection underneath.
 * @module
 */

import { errorNotice, LeaveReason } from "../notices.ts";
import type { ServedConnection } from "../connection.ts";
import type { Member } from "../room.ts";
import type { IrcDecodeResult } from "./irc_decoder.ts";
import { ircLine, type IrcMessage, parseIrcLine } from "./irc_line.ts";
import { IrcRegistration } from "./irc_registration.ts";
import { type MessageSender, sendMessage } from "./irc_messages.ts";
import { runBanModes } from "./irc_bans.ts";
import { answerQuery, type QueryHost } from "./irc_queries.ts";
import {
  isMuted,
  runOperatorCommand,
  runTableCommand,
  type TableAccess,
  type TableUser,
} from "./irc_table.ts";

/** Commands a client may send before it is registered. */
const BEFORE_REGISTRATION = new Set(["CAP", "PASS", "NICK", "USER", "PING", "PONG", "QUIT"]);

/**
 * An IRC client: registration and the channel ({@link IrcRegistration}), and every command of a
 * registered client, with the operator rights and the away message they change.
 */
export class IrcSession extends IrcRegistration
  implements QueryHost, MessageSender, TableUser, ServedConnection {
  #away: string | undefined;
  /** Operator rights, granted by `OPER` (the room's `/oper`) until the connection ends. */
  #operator = false;
  /** Wrong operator passwords so far. */
  #operStrikes = 0;

  /** The away message, if away. */
  get away(): string | undefined {
    return this.#away;
  }

  protected handleLine(result: IrcDecodeResult): Promise<void> | undefined {
    if (!result.ok) {
      if (result.problem === "too-long") this.numeric("417", "Input line was too long");
      else this.notice(errorNotice("lines must be UTF-8; line ignored"));
      return;
    }
    const message = parseIrcLine(result.line);
    if (message === null) return;
    if (!this.registered && !BEFORE_REGISTRATION.has(message.command)) {
      this.numeric("451", "You have not registered");
      return;
    }
    return this.#command(message);
  }

  #command(message: IrcMessage): Promise<void> | undefined {
    const params = message.params;
    switch (message.command) {
      case "CAP":
        return this.cap(params);
      case "PASS":
        this.pass(params);
        return;
      case "NICK":
        return this.nick(params);
      case "USER":
        return this.user(params);
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
        this.end(reason, { error: `Closing link: ${this.name || "*"} (${reason})` });
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
        this.join(params);
        return;
      case "PART":
        this.part(params);
        return;
      case "AWAY":
        this.#away = params[0] === undefined || params[0] === "" ? undefined : params[0];
        if (this.#away === undefined) {
          this.numeric("305", "You are no longer marked as being away");
        } else this.numeric("306", "You have been marked as being away");
        return;
      default:
        if (runBanModes(this, this.#tables, message)) return;
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
    return this.inChannel ? this : null;
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
    this.end(LeaveReason.quit, { error: `Closing link: ${this.name} (${LeaveReason.quit})` });
  }
}
