/**
 * An IRC client's registration: CAP negotiation, PASS, NICK and USER, then the checks on the way
 * into the room (the `--irc-password`, a name ban, a cluster's claim on the name) and the
 * welcome burst. NICK after registration renames the client while it is parted.
 * @module
 */

import { bannedNotice } from "../moderation/notices.ts";
import { IrcChannelMember } from "./irc_channel.ts";
import { CapNegotiation } from "./irc_cap.ts";
import { checkNick } from "./irc_nick.ts";
import { welcomeBurst } from "./irc_replies.ts";
import { ircPrefix } from "./irc_translate.ts";

/** An IRC connection until it is registered, and its nick and real name after. */
export abstract class IrcRegistration extends IrcChannelMember {
  #user: { realName: string } | null = null;
  #password = "";
  readonly #caps = new CapNegotiation();
  #registering = false;
  #registered = false;

  /** The client's real name (from USER). */
  get realName(): string {
    return this.#user?.realName ?? "";
  }

  protected get registered(): boolean {
    return this.#registered;
  }

  protected get serverTime(): boolean {
    return this.#caps.has("server-time");
  }

  /** `CAP LS`, `REQ`, `END`: registration waits while the client negotiates. */
  protected cap(params: readonly string[]): Promise<void> | undefined {
    const outcome = this.#caps.answer(
      params,
      this.door.serverName,
      this.name || "*",
      this.#registered,
    );
    if (outcome.reply !== "") this.send(outcome.reply);
    if (outcome.ended) return this.#register();
  }

  /** `PASS password`, checked against `--irc-password` at registration. */
  protected pass(params: readonly string[]): void {
    if (this.#registered) this.numeric("462", "You may not reregister");
    else if (params.length === 0) this.numeric("461", "PASS", "Not enough parameters");
    else this.#password = params[0];
  }

  /** `USER name mode * :real name`; registers when the nick is in too. */
  protected user(params: readonly string[]): Promise<void> | undefined {
    if (this.#registered) this.numeric("462", "You may not reregister");
    else if (params.length < 4) this.numeric("461", "USER", "Not enough parameters");
    else {
      this.#user = { realName: params[3] };
      return this.#register();
    }
  }

  /** `NICK name`: the room's name rules, free and unlike an online one; not while in the channel. */
  protected nick(params: readonly string[]): Promise<void> | undefined {
    if (params.length === 0 || params[0] === "") {
      this.numeric("431", "No nickname given");
      return;
    }
    const check = checkNick(params[0]);
    if (!check.ok) {
      this.numeric("432", params[0], `Erroneous nickname (${check.reason})`);
      return;
    }
    if (check.name === this.name) return;
    if (this.inChannel) {
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
      this.lookalikeTaken(check.name, lookalike.name);
      return;
    }
    if (this.#registered) {
      this.send(`:${ircPrefix(this.name)} NICK :${check.name}\r\n`);
    }
    this.setNick(check.name, check.key);
    if (!this.#registered) return this.#register();
  }

  /** Registers once NICK and USER are in and CAP negotiation is over. */
  #register(): Promise<void> | undefined {
    if (this.#registered || this.#registering) return;
    if (this.name === "" || this.#user === null || this.#caps.negotiating) return;
    const password = this.door.password;
    if (password !== undefined && this.#password !== password) {
      this.numeric("464", "Password incorrect");
      this.end("bad password", { error: "Bad password" });
      return;
    }
    const ban = this.ctx.moderation?.banForName(this.key) ?? null;
    if (ban !== null) {
      const text = bannedNotice(ban, this.ctx.clock.now());
      this.numeric("465", text);
      this.end("banned", { error: text });
      return;
    }
    const claims = this.ctx.claims;
    const room = this.ctx.room;
    if (
      claims !== undefined && room.find(this.key) === undefined &&
      room.lookalike(this.name, this.key) === undefined
    ) {
      return this.#claimThenRegister();
    }
    this.#enterFirst();
  }

  async #claimThenRegister(): Promise<void> {
    const claims = this.ctx.claims;
    if (claims === undefined) return;
    this.#registering = true;
    const key = this.key;
    const outcome = await claims.claim(key, this.name);
    this.#registering = false;
    if (!outcome.ok) {
      this.numeric("433", this.name, "Nickname is already in use");
      this.setNick("", "");
      return;
    }
    if (this.ended || !this.#enterFirst()) claims.release(key);
  }

  /**
   * The first entry into the room, with the welcome burst; when the name turns out taken (433)
   * the client must send another nick.
   */
  #enterFirst(): boolean {
    const entered = this.enter(() => {
      this.#registered = true;
      this.registrationDone();
      this.ctx.console.joined(this.name, this.remote);
      this.send(welcomeBurst(this.replyTo, this.door.channel, this.door.created));
    });
    if (!entered) this.setNick("", "");
    return entered;
  }
}
