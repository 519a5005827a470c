/**
 * The server's console: the start line, a timestamped line per join and leave, the periodic
 * list of who is online, one line per operator action and `/oper` attempt, shutdown and
 * problems. Every line is an event with a level and fields, written as today's text lines or,
 * with `--log-format json`, as one JSON object per line.
 * @module
 */

import type { Clock } from "./clock.ts";
import { describeDuration } from "./moderation/duration.ts";
import type { BanRecord } from "./store/moderation_store.ts";
import { onlineList } from "./notices.ts";
import { START_LINE_PREFIX } from "./start_line.ts";
import { RepeatFolder } from "./repeat_folder.ts";

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

/** How console lines are written: `text` (for people) or `json` (one object per line). */
export type LogFormat = "text" | "json";

/** The log formats `--log-format` accepts. */
export const LOG_FORMATS: readonly LogFormat[] = ["text", "json"];

/** How serious an event is; `error` lines go to the error stream. */
export type LogLevel = "info" | "warn" | "error";

/** An event's fields: what a JSON line carries besides `time`, `level` and `event`. */
export type LogFields = Record<string, string | number | boolean | readonly string[]>;

/** How many names the periodic list shows before it counts the rest. */
export const LIST_NAME_LIMIT = 50;

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

/** How a ServerConsole writes. */
export interface ConsoleSettings {
  /** Text lines (default) or JSON objects. */
  format?: LogFormat;
}

/**
 * Formats the server's console lines and stamps them with the injected clock's time. A new kind
 * of line is one method that calls {@link ServerConsole.event} with its text and fields.
 */
export class ServerConsole {
  readonly #sink: ConsoleSink;
  readonly #clock: Clock;
  readonly #json: boolean;
  readonly #folder: RepeatFolder;
  /** The last periodic list printed (the empty room before the first). */
  #lastList = onlineList(0, []);

  constructor(sink: ConsoleSink, clock: Clock, settings: ConsoleSettings = {}) {
    this.#sink = sink;
    this.#clock = clock;
    this.#json = settings.format === "json";
    this.#folder = new RepeatFolder(clock, (text, repeated) =>
      this.event(
        "error",
        "error",
        `${text} (${repeated} more in the last second)`,
        { message: text, repeated },
      ));
  }

  /**
   * Writes one event: in text, `[HH:MM:SS] text` (without the stamp when `stamped` is false); in
   * JSON, `{"time", "level", "event", ...fields}`. Errors go to the error stream.
   */
  event(
    level: LogLevel,
    event: string,
    text: string,
    fields: LogFields = {},
    stamped = true,
  ): void {
    let line: string;
    if (this.#json) {
      const time = new Date(this.#clock.now()).toISOString();
      line = JSON.stringify({ time, level, event, ...fields });
    } else {
      line = stamped ? `[${formatClockTime(this.#clock.now())}] ${text}` : text;
    }
    if (level === "error") this.#sink.error(line);
    else this.#sink.log(line);
  }

  /**
   * The first line, naming every listener: `chat server listening on 0.0.0.0:5000 (tcp),
   * 0.0.0.0:8080 (web)` (other programs parse it with `parseStartLine`). In JSON, `address` is
   * the main listener's and `listeners` names them all as the text does.
   */
  started(listeners: readonly { kind: string; addr: Deno.NetAddr }[]): void {
    const named = listeners.map(({ kind, addr }) => `${formatAddress(addr)} (${kind})`);
    const address = listeners.length > 0 ? formatAddress(listeners[0].addr) : "";
    this.event("info", "start", START_LINE_PREFIX + named.join(", "), {
      address,
      listeners: named,
    }, false);
  }

  /** `[HH:MM:SS] alice joined from 127.0.0.1:40000`. */
  joined(name: string, remote: string): void {
    this.event("info", "join", `${name} joined from ${remote}`, { name, address: remote });
  }

  /** `[HH:MM:SS] alice left from 127.0.0.1:40000 (reason)`; without an address, `alice left (reason)`. */
  left(name: string, reason: string, remote?: string): void {
    const from = remote === undefined ? "" : ` from ${remote}`;
    const fields: LogFields = remote === undefined ? { name, reason } : {
      name,
      address: remote,
      reason,
    };
    this.event("info", "leave", `${name} left${from} (${reason})`, fields);
  }

  /**
   * `[HH:MM:SS] Online (N): a, b` with at most the first {@link LIST_NAME_LIMIT} names (then
   * `and M more`), then `detail` (a cluster: users per instance) if given. Printed only when it
   * differs from the last one (the empty room before the first); returns whether it was.
   */
  online(total: number, names: readonly string[], detail?: string): boolean {
    const shown = names.length > LIST_NAME_LIMIT ? names.slice(0, LIST_NAME_LIMIT) : names;
    const more = total - shown.length;
    let text = onlineList(total, shown);
    if (more > 0) text += ` and ${more} more`;
    if (detail !== undefined && detail !== "") text += ` ${detail}`;
    if (text === this.#lastList) return false;
    this.#lastList = text;
    const fields: LogFields = { count: total, names: shown };
    if (more > 0) fields.more = more;
    if (detail !== undefined && detail !== "") fields.detail = detail;
    this.event("info", "list", text, fields);
    return true;
  }

  /** `shutting down: closing N connection(s)`, also when there are none. */
  shuttingDown(connections: number): void {
    this.event("info", "shutdown", `shutting down: closing ${connections} connection(s)`, {
      connections,
    });
  }

  /** `/oper by alice from 127.0.0.1:40000: accepted` (never the password). */
  operAttempt(name: string, remote: string, outcome: string): void {
    this.event("info", "oper", `/oper by ${name} from ${remote}: ${outcome}`, {
      name,
      address: remote,
      outcome,
    });
  }

  /** `alice kicked bob: spam`. */
  kicked(by: string, target: string, reason: string): void {
    this.event("info", "kick", `${by} kicked ${target}${because(reason)}`, {
      by,
      name: target,
      reason,
    });
  }

  /** `alice banned 10.0.0.0/8 for 2h: spam`. */
  banned(ban: BanRecord): void {
    const span = describeDuration(ban.until === null ? null : ban.until - ban.setAt);
    const fields: LogFields = { by: ban.setBy, target: ban.target, reason: ban.reason };
    if (ban.until !== null) fields.until = new Date(ban.until).toISOString();
    this.event(
      "info",
      "ban",
      `${ban.setBy} banned ${ban.target} ${span}${because(ban.reason)}`,
      fields,
    );
  }

  /** `alice unbanned bob`. */
  unbanned(by: string, target: string): void {
    this.event("info", "unban", `${by} unbanned ${target}`, { by, target });
  }

  /** `alice muted bob for 30m`. */
  muted(by: string, name: string, durationMs: number | null): void {
    const fields: LogFields = { by, name };
    if (durationMs !== null) fields.seconds = durationMs / 1000;
    this.event("info", "mute", `${by} muted ${name} ${describeDuration(durationMs)}`, fields);
  }

  /** `alice unmuted bob`. */
  unmuted(by: string, name: string): void {
    this.event("info", "unmute", `${by} unmuted ${name}`, { by, name });
  }

  /** `alice set the topic: TEXT`. */
  topicSet(by: string, text: string): void {
    this.event("info", "topic", `${by} set the topic: ${text}`, { by, topic: text });
  }

  /** `server said: TEXT` (a `/say` notice to everyone). */
  said(by: string, text: string): void {
    this.event("info", "say", `${by} said: ${text}`, { by, text });
  }

  /** A line the console typed gets its answer: unstamped, on the normal stream. */
  answer(text: string): void {
    this.event("info", "answer", text, { message: text }, false);
  }

  /** A connection that spoke text (an IRC or HTTP client) to the binary port; `sample` is its start. */
  textClient(remote: string, sample: string): void {
    this.event(
      "warn",
      "text-client",
      `${remote} looks like text, not chat frames (an IRC, HTTP or telnet client?): ` +
        `${JSON.stringify(sample)}; told so and closed`,
      { address: remote, sample },
    );
  }

  /** A stamped informational line (the cluster, reloads). */
  info(text: string, event = "info"): void {
    this.event("info", event, text, { message: text });
  }

  /**
   * A stamped line on the error stream. The same text again within a second is counted, not
   * printed: one line per second then tells how many more there were.
   */
  problem(text: string): void {
    if (this.#folder.first(text)) this.event("error", "error", text, { message: text });
  }

  /** Prints the count of problems still being folded and stops the folding timer. */
  close(): void {
    this.#folder.close();
  }
}
