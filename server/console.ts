/**
 * The server's console: the start line, a timestamped line per join and leave, the periodic
 * list of who is online, accept-loop problems, and one line per operator action and `/oper`
 * attempt.
 * @module
 */

import type { Clock } from "./clock.ts";
import { describeDuration } from "./moderation/duration.ts";
import type { BanRecord } from "./store/moderation_store.ts";
import { onlineList } from "./notices.ts";

/** Where console lines go: stdout and stderr in production, an array in tests. */
export interface ConsoleSink {
  /** One line of normal output. */
  log(line: string): void;
  /** One line about a problem. */
  error(line: string): void;
}

/** Writes lines to the process's stdout and stderr. */
export const stdConsole: ConsoleSink = {
  log: (line) => console.log(line),
  error: (line) => console.error(line),
};

/** `HH:MM:SS` in local time. */
export function formatClockTime(epochMs: number): string {
  const date = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** `host:port`, with brackets around an IPv6 host. */
export function formatAddress(addr: Deno.NetAddr): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

/** `: REASON`, or nothing. */
function because(reason: string): string {
  return reason === "" ? "" : `: ${reason}`;
}

/** Formats the server's console lines and stamps them with the injected clock's time. */
export class ServerConsole {
  readonly #sink: ConsoleSink;
  readonly #clock: Clock;

  constructor(sink: ConsoleSink, clock: Clock) {
    this.#sink = sink;
    this.#clock = clock;
  }

  /** The first line: `chat server listening on HOST:PORT` (other programs parse it). */
  started(addr: Deno.NetAddr): void {
    this.#sink.log(`chat server listening on ${formatAddress(addr)}`);
  }

  /** `[HH:MM:SS] alice joined from 127.0.0.1:40000`. */
  joined(name: string, remote: string): void {
    this.#stamped(`${name} joined from ${remote}`);
  }

  /** `[HH:MM:SS] alice left (reason)`. */
  left(name: string, reason: string): void {
    this.#stamped(`${name} left (${reason})`);
  }

  /** `[HH:MM:SS] Online (N): a, b`, then `detail` (a cluster: users per instance) if given. */
  online(total: number, names: readonly string[], detail?: string): void {
    const list = onlineList(total, names);
    this.#stamped(detail === undefined || detail === "" ? list : `${list} ${detail}`);
  }

  /** `/oper by alice from 127.0.0.1:40000: accepted` (never the password). */
  operAttempt(name: string, remote: string, outcome: string): void {
    this.#stamped(`/oper by ${name} from ${remote}: ${outcome}`);
  }

  /** `alice kicked bob: spam`. */
  kicked(by: string, target: string, reason: string): void {
    this.#stamped(`${by} kicked ${target}${because(reason)}`);
  }

  /** `alice banned 10.0.0.0/8 for 2h: spam`. */
  banned(ban: BanRecord): void {
    const span = describeDuration(ban.until === null ? null : ban.until - ban.setAt);
    this.#stamped(`${ban.setBy} banned ${ban.target} ${span}${because(ban.reason)}`);
  }

  /** `alice unbanned bob`. */
  unbanned(by: string, target: string): void {
    this.#stamped(`${by} unbanned ${target}`);
  }

  /** `alice muted bob for 30m`. */
  muted(by: string, name: string, durationMs: number | null): void {
    this.#stamped(`${by} muted ${name} ${describeDuration(durationMs)}`);
  }

  /** `alice unmuted bob`. */
  unmuted(by: string, name: string): void {
    this.#stamped(`${by} unmuted ${name}`);
  }

  /** `alice set the topic: TEXT`. */
  topicSet(by: string, text: string): void {
    this.#stamped(`${by} set the topic: ${text}`);
  }

  /** `server said: TEXT` (a `/say` notice to everyone). */
  said(by: string, text: string): void {
    this.#stamped(`${by} said: ${text}`);
  }

  /** A line the console typed gets its answer: unstamped, on the normal stream. */
  answer(text: string): void {
    this.#sink.log(text);
  }

  /** A stamped informational line (shutdown, refused connections). */
  info(text: string): void {
    this.#stamped(text);
  }

  /** A stamped line on the error stream. */
  problem(text: string): void {
    this.#sink.error(`[${formatClockTime(this.#clock.now())}] ${text}`);
  }

  #stamped(text: string): void {
    this.#sink.log(`[${formatClockTime(this.#clock.now())}] ${text}`);
  }
}
