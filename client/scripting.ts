/**
 * Scripting mode (stdin or stdout is not a terminal): every input line is sent as one message,
 * every received frame is printed as one line (plain or JSON), status goes to stderr, and the
 * exit code says whether everything went through: 0 after the input ended, all was written and
 * the client left cleanly; 1 on a refused login, an unreachable or lost server, or lines that
 * could not be sent.
 * @module
 */

import { describeCloseReason, MessageTooLongError } from "./connection.ts";
import { describeBadLine, LineReader } from "./line_reader.ts";
import { formatJsonLine, formatJsonReport, formatPlainLine } from "./script_output.ts";
import {
  type ChatSession,
  describeSessionEnd,
  type SessionEnd,
  type SessionEvent,
  type SessionOptions,
  startSession,
} from "./session.ts";
import { sanitize } from "./ui/sanitize.ts";

/** What scripting mode needs to know: the session's options and its own. */
export interface ScriptOptions extends SessionOptions {
  /** One JSON object a line instead of plain text, errors included. */
  json: boolean;
  /** Send only this message (stdin is not read), and do not print the welcome. */
  once: string | undefined;
  /**
   * Keep reading after the input ended (or `once` was sent) until the server closes the
   * connection or `ScriptIO.stop` resolves (a signal); the server closing is then a clean end.
   */
  stay?: boolean;
}

/** Where scripting mode reads and writes; the real one is {@link stdio}, tests pass pipes. */
export interface ScriptIO {
  /** The input lines' bytes (stdin). */
  input: ReadableStream<Uint8Array>;
  /** Writes one line of output (stdout); rejects when the output is closed. */
  out(line: string): Promise<void>;
  /** Writes one status or error line (stderr). */
  err(line: string): void;
  /** Resolves when the user asks to stop (SIGINT, SIGTERM): the client then leaves cleanly. */
  stop?: Promise<void>;
}

/** Largest input line, in bytes: the server's default message limit. */
export const MAX_LINE_BYTES = 65_536;

/** Input is read only while fewer lines than this wait to be sent. */
export const INPUT_HIGH_WATER_LINES = 100;

/** Runs scripting mode to the end; returns the exit code. */
export async function runScripting(options: ScriptOptions, rawIO: ScriptIO): Promise<number> {
  // Status lines quote the server (close reasons, notices): never let them reach stderr raw.
  const report = new Reporter(rawIO, options.json, options.now ?? (() => new Date()));
  const session = startSession({ maxSendBytes: MAX_LINE_BYTES, ...options });
  const reader = options.once === undefined ? new LineReader(rawIO.input, MAX_LINE_BYTES) : null;
  let stopped = false;
  rawIO.stop?.then(() => {
    stopped = true;
    reader?.cancel();
    void session.quit();
  });
  // When the session ends by itself (refused, lost), stop waiting for input.
  session.done.then(() => reader?.cancel());
  const printing = printEvents(session, options, rawIO, report);
  let failed = false;
  if (options.once !== undefined) {
    failed = !sendLine(session, options.once, report);
  } else if (reader !== null) {
    failed = await sendInput(session, reader, report);
  }
  const sent = await session.flush();
  if (options.stay === true && sent && !stopped) await session.done;
  const end = await session.quit();
  const outputOpen = await printing;
  if (end.kind !== "quit" && !(options.stay === true && sent && closedByServer(end))) {
    await report.error(describeSessionEnd(end), outputOpen);
    return 1;
  }
  // A closed output (a reader such as `head` went away) ends the run early, on purpose.
  if (outputOpen && (!sent || (end.kind === "quit" && end.unsent > 0))) {
    await report.error(describeSessionEnd(end), outputOpen);
    return 1;
  }
  return failed ? 1 : 0;
}

/** With `stay`, the server closing the connection after a login is the expected end. */
function closedByServer(end: SessionEnd): boolean {
  return end.kind === "closed" && end.reason.kind === "server-closed" && end.reason.loggedIn;
}

/**
 * Where the client's own lines go: `chat: ...` on stderr in plain mode, and in JSON mode one
 * `{"type":"error"|"status",...}` object a line on stdout with the rest (on stderr once the
 * output is closed), so a program reading the JSON sees every failure in the same stream.
 */
class Reporter {
  readonly #io: ScriptIO;
  readonly #json: boolean;
  readonly #now: () => Date;

  constructor(io: ScriptIO, json: boolean, now: () => Date) {
    this.#io = io;
    this.#json = json;
    this.#now = now;
  }

  error(text: string, outputOpen = true): Promise<void> {
    return this.#report("error", text, outputOpen);
  }

  status(text: string, outputOpen = true): Promise<void> {
    return this.#report("status", text, outputOpen);
  }

  async #report(type: "error" | "status", text: string, outputOpen: boolean): Promise<void> {
    if (this.#json && outputOpen) {
      try {
        await this.#io.out(formatJsonReport(type, text, this.#now()));
        return;
      } catch {
        // The output is gone: fall back to stderr.
      }
    }
    this.#io.err(`chat: ${sanitize(text)}`);
  }
}

function preview(text: string): string {
  const safe = sanitize(text);
  return safe.length > 80 ? safe.slice(0, 79) + "…" : safe;
}

/** Sends every input line until the input ends or `/quit`; true if some line was not sent. */
async function sendInput(
  session: ChatSession,
  reader: LineReader,
  report: Reporter,
): Promise<boolean> {
  let failed = false;
  while (true) {
    const line = await reader.next();
    if (line === null) break;
    if (!line.ok) {
      await report.error(describeBadLine(line));
      failed = true;
      continue;
    }
    // An empty line, or one of only spaces, would look like nothing was said: skip it.
    if (line.text.trim().length === 0) continue;
    if (line.text.trim().toLowerCase() === "/quit") {
      await reader.cancel();
      break;
    }
    // Backpressure: read no further while the session holds enough lines (offline or paced),
    // so its queue never overflows and memory stays bounded.
    if (!(await session.waitQueueBelow(INPUT_HIGH_WATER_LINES))) break;
    if (!sendLine(session, line.text, report)) {
      failed = true;
      break;
    }
  }
  return failed;
}

function sendLine(session: ChatSession, text: string, report: Reporter): boolean {
  try {
    return session.send(text);
  } catch (error) {
    if (!(error instanceof MessageTooLongError)) throw error;
    void report.error(error.message);
    return false;
  }
}

/**
 * Prints frames to the output and status to stderr until the session ends. Returns false if
 * the output was closed (a reader such as `head` went away); the session is then ended.
 *
 * An error notice that comes before the login is accepted is held back: if the server then
 * closes, the refusal is reported once, by the final line; if it welcomes us after all, the
 * notice is printed then. With `once`, the welcome is not printed.
 */
async function printEvents(
  session: ChatSession,
  options: ScriptOptions,
  io: ScriptIO,
  report: Reporter,
): Promise<boolean> {
  let outputOpen = true;
  let loggedIn = false;
  let held: Extract<SessionEvent, { type: "frame" }>[] = [];
  const print = async (event: Extract<SessionEvent, { type: "frame" }>) => {
    if (!outputOpen) return;
    const line = options.json
      ? formatJsonLine(event.frame, event.receivedAt)
      : formatPlainLine(event.frame, event.receivedAt);
    try {
      await io.out(line);
    } catch {
      outputOpen = false;
      session.quit();
    }
  };
  for await (const event of session.events()) {
    if (event.type === "frame") {
      const notice = event.kind === "notice" ? event.frame.message : undefined;
      if (!loggedIn && notice?.startsWith("error: ")) {
        held.push(event);
      } else if (!(options.once !== undefined && !loggedIn && notice?.startsWith("Welcome,"))) {
        await print(event);
      }
      continue;
    }
    if (event.type === "online") {
      loggedIn = true;
      for (const kept of held) await print(kept);
      held = [];
    } else if (event.type === "offline") {
      loggedIn = false;
      held = [];
    }
    const status = statusLine(event);
    if (status === undefined) continue;
    if (status.error) await report.error(status.text, outputOpen);
    else await report.status(status.text, outputOpen);
  }
  return outputOpen;
}

/** The line for a session event other than a frame, if it deserves one, and whether it is an
 * error. */
export function statusLine(
  event: Exclude<SessionEvent, { type: "frame" }>,
): { text: string; error: boolean } | undefined {
  switch (event.type) {
    case "bad-frame":
      return { text: `dropped a frame from the server: ${event.error.message}`, error: true };
    case "online":
      return event.reconnected ? { text: `reconnected as ${event.name}`, error: false } : undefined;
    case "offline":
      return { text: `${describeCloseReason(event.reason)}; reconnecting`, error: true };
    case "retrying":
      return {
        text: `reconnect attempt ${event.attempt} in ${(event.delayMs / 1000).toFixed(1)} s`,
        error: false,
      };
    case "connect-failed":
      return {
        text: event.attempt === 0
          ? event.message
          : `reconnect attempt ${event.attempt} failed: ${event.message}`,
        error: true,
      };
    case "dropped":
      return {
        text: `offline queue full (${event.limit} lines); dropped: ${preview(event.text)}`,
        error: true,
      };
    case "ended":
      return undefined;
  }
}

const encoder = new TextEncoder();

/** The process's real stdin, stdout and stderr. */
export function stdio(): ScriptIO {
  return {
    input: Deno.stdin.readable,
    async out(line: string): Promise<void> {
      const bytes = encoder.encode(line + "\n");
      let offset = 0;
      while (offset < bytes.length) offset += await Deno.stdout.write(bytes.subarray(offset));
    },
    err(line: string): void {
      console.error(line);
    },
  };
}
