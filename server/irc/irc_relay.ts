/**
 * What the room's events look like to IRC clients: joins, leaves, actions and private messages,
 * which binary clients learn from notices, are JOIN, PART or QUIT and PRIVMSG lines (an action a
 * CTCP ACTION) for IRC members; the actor itself is not told its own action, as IRC does.
 * Each event is encoded once and the same bytes are handed to every IRC member in the channel.
 * The relay also keeps silent IRC clients alive with a server PING, from one timer.
 * @module
 */

import type { Clock, Timer } from "../clock.ts";
import type { Member, Room, RoomEvent } from "../room.ts";
import { actionLines, ircLine, textLines } from "./irc_line.ts";
import { ircPrefix } from "./irc_translate.ts";

/** An IRC member as the relay reaches it. */
export interface IrcMember extends Member {
  /** Hands over IRC lines; `shared` when the same bytes go to every IRC member in turn. */
  deliverIrc(bytes: Uint8Array, shared: boolean): void;
  /** When bytes last arrived from the client (the clock's ms). */
  readonly lastReadAt: number;
}

/** Seconds of silence after which the server PINGs an IRC client (unless told otherwise). */
export const IRC_PING_AFTER_SECONDS = 90;

/**
 * When to PING a silent IRC client: after 90 s, or half the `--idle-timeout` when that is
 * shorter, so a client that answers is never closed as idle.
 */
export function pingAfterSeconds(idleTimeoutSeconds: number): number {
  if (idleTimeoutSeconds <= 0) return IRC_PING_AFTER_SECONDS;
  return Math.max(1, Math.min(IRC_PING_AFTER_SECONDS, Math.floor(idleTimeoutSeconds / 2)));
}

/** The leave reason of a PART (with the client's words, if any). */
export function partReason(words: string): string {
  return words === "" ? "part" : `part: ${words}`;
}

/** The client's words in a PART leave reason; null for any other reason. */
function partWords(reason: string): string | null {
  if (reason === "part") return "";
  return reason.startsWith("part: ") ? reason.slice(6) : null;
}

const encoder = new TextEncoder();

/** The room's events for the IRC members of one server. */
export class IrcRelay {
  readonly #members = new Set<IrcMember>();
  readonly #serverName: string;
  readonly #channel: string;
  readonly #unsubscribe: () => void;
  readonly #pinger: Timer;
  readonly #clock: Clock;
  readonly #pingAfterMs: number;

  /** Relays `room`'s events; PINGs clients silent for `pingAfter` seconds. */
  constructor(
    room: Room,
    clock: Clock,
    serverName: string,
    channel: string,
    pingAfter = IRC_PING_AFTER_SECONDS,
  ) {
    this.#serverName = serverName;
    this.#channel = channel;
    this.#clock = clock;
    this.#pingAfterMs = pingAfter * 1000;
    this.#unsubscribe = room.subscribe((event) => this.#relay(event));
    this.#pinger = clock.every(Math.max(250, this.#pingAfterMs / 3), () => this.#ping());
  }

  /** An IRC member joined the room (after the room told the others). */
  add(member: IrcMember): void {
    this.#members.add(member);
  }

  /** An IRC member is about to leave the room (so its own leave is not relayed to it). */
  remove(member: IrcMember): void {
    this.#members.delete(member);
  }

  /** Stops relaying and pinging (the server is shutting down). */
  stop(): void {
    this.#unsubscribe();
    this.#pinger.cancel();
  }

  #relay(event: RoomEvent): void {
    if (this.#members.size === 0) return;
    switch (event.kind) {
      case "joined":
        this.#toAll(`:${ircPrefix(event.name)} JOIN ${this.#channel}\r\n`, event.member);
        return;
      case "left": {
        const words = partWords(event.reason);
        const line = words === null
          ? ircLine(ircPrefix(event.name), "QUIT", event.reason)
          : words === ""
          ? `:${ircPrefix(event.name)} PART ${this.#channel}\r\n`
          : ircLine(ircPrefix(event.name), "PART", this.#channel, words);
        this.#toAll(line, event.member);
        return;
      }
      case "private": {
        const target = event.target as Partial<IrcMember>;
        if (target.deliverIrc === undefined || !this.#members.has(target as IrcMember)) return;
        const lines = textLines(ircPrefix(event.from), "PRIVMSG", event.to, event.text);
        target.deliverIrc(encoder.encode(lines), false);
        return;
      }
      case "action":
        this.#toAll(actionLines(ircPrefix(event.from), this.#channel, event.text), event.member);
        return;
      case "message":
        return;
    }
  }

  #toAll(line: string, except: Member): void {
    const bytes = encoder.encode(line);
    for (const member of this.#members) {
      if (member !== except) member.deliverIrc(bytes, true);
    }
  }

  /** One PING, shared, to every IRC member silent for a while. */
  #ping(): void {
    const cutoff = this.#clock.now() - this.#pingAfterMs;
    let bytes: Uint8Array | null = null;
    for (const member of this.#members) {
      if (member.lastReadAt > cutoff) continue;
      bytes ??= encoder.encode(`PING :${this.#serverName}\r\n`);
      member.deliverIrc(bytes, true);
    }
  }
}
