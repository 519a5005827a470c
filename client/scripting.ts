/**
 * Scripting mode (stdin or stdout is not a terminal): every input line is sent as one message,
 * every received frame is printed as one line (plain or JSON), status goes to stderr, and the
 * exit code says whether everything went through: 0 after the input ended, all was written and
 * the client left cleanly; 1 on a refused login, an unreachable or lost server, or lines that
 * could not be sent.
 * @module
 */

import { MessageTooLongError } from "./connection.ts";
import { describeBadLine, LineReader } from "./line_reader.ts";
import type { Sleep } from "./reconnect.ts";
import { formatJsonLine, formatPlainLine } from "./script_output.ts";
import {
  type ChatSession,
  describeSessionEnd,
  type SessionEvent,
  startSession,
} from "./session.ts";
import { describeCloseReason } from "./connection.ts";
import { sanitize } from "./ui/sanitize.ts";
import type { ClientTls } from "./tls.ts";

/** What scripting mode needs to know. */
export interface ScriptOptions {
  host: string;
  port: number;
  name: string;
  /** One JSON object a line instead of plain text. */
  json: boolean;
  /** Send only this message (stdin is not read). */
  once: string | undefined;
  /** Connect again after a drop. */
  reconnect: boolean;
  /** Connect with TLS (default: plain TCP). */
  tls?: ClientTls;
  /** Bound on each attempt's connect, TLS handshake and login answer (default 10000 ms). */
  connectTimeoutMs?: number;
  /** Milliseconds without sending before a keepalive (default 30000; 0: never). */
  keepaliveMs?: number;
}

/** Where scripting mode reads and writes; the real one is {@link stdio}, tests pass pipes. */
export interface ScriptIO {
  /** The input lines' bytes (stdin). */
  input: ReadableStream<Uint8Array>;
  /** Writes one line of output (stdout); rejects when the output is closed. */
  out(line: string): Promise<void>;
  /** Writes one status or error line (stderr). */
  err(line: string): void;
}

/** Injected timing for tests. */
export interface ScriptDeps {
  sleep?: Sleep;
  clock?: () => number;
  sendRate?: number;
  backoff?: (attempt: number) => number;
  now?: () => Date;
  quitTimeoutMs?: number;
}

/** Largest input line, in bytes: the server's default message limit. */
export const MAX_LINE_BYTES = 65_536;

/** Input is read only while fewer lines than this wait to be sent. */
export const INPUT_HIGH_WATER_LINES = 100;

/** Runs scripting mode to the end; returns the exit code. */
export async function runScripting(
  options: ScriptOptions,
  rawIO: ScriptIO,
  deps: ScriptDeps = {},
): Promise<number> {
  // Status lines quote the server (close reasons, notices): never let them reach stderr raw.
  const io: ScriptIO = {
    input: rawIO.input,
    out: (line) => rawIO.out(line),
    err: (line) => rawIO.err(sanitize(line)),
  };
  const session = startSession({
    host: options.host,
    port: options.port,
    name: options.name,
    reconnect: options.reconnect,
    tls: options.tls,
    connectTimeoutMs: options.connectTimeoutMs,
    keepaliveMs: options.keepaliveMs,
    maxSendBytes: MAX_LINE_BYTES,
    sleep: deps.sleep,
    clock: deps.clock,
    sendRate: deps.sendRate,
    backoff: deps.backoff,
    now: deps.now,
    quitTimeoutMs: deps.quitTimeoutMs,
  });
  const reader = options.once === undefined ? new LineReader(io.input, MAX_LINE_BYTES) : null;
  // When the session ends by itself (refused, lost), stop waiting for input.
  session.done.then(() => reader?.cancel());
  const printing = printEvents(session, options.json, io);
  let failed = false;
  if (options.once !== undefined) {
    failed = !sendLine(session, options.once, io);
  } else if (reader !== null) {
    failed = await sendInput(session, reader, io);
  }
  const sent = await session.flush();
  const end = await session.quit();
  const outputOpen = await printing;
  if (end.kind !== "quit") {
    io.err(`chat: ${describeSessionEnd(end)}`);
    return 1;
  }
  // A closed output (a reader such as `head` went away) ends the run early, on purpose.
  if (outputOpen && (!sent || end.unsent > 0)) {
    io.err(`chat: ${describeSessionEnd(end)}`);
    return 1;
  }
  return failed ? 1 : 0;
}

function preview(text: string): string {
  const safe = sanitize(text);
  return safe.length > 80 ? safe.slice(0, 79) + "…" : safe;
}

/** Sends every input line until the input ends or `/quit`; true if some line was not sent. */
async function sendInput(session: ChatSession, reader: LineReader, io: ScriptIO): Promise<boolean> {
  let failed = false;
  while (true) {
    const line = await reader.next();
    if (line === null) break;
    if (!line.ok) {
      io.err(`chat: ${describeBadLine(line)}`);
      failed = true;
      continue;
    }
    if (line.text.length === 0) continue;
    if (line.text.trim().toLowerCase() === "/quit") {
      await reader.cancel();
      break;
    }
    // Backpressure: read no further while the session holds enough lines (offline or paced),
    // so its queue never overflows and memory stays bounded.
    if (!(await session.waitQueueBelow(INPUT_HIGH_WATER_LINES))) break;
    if (!sendLine(session, line.text, io)) {
      failed = true;
      break;
    }
  }
  return failed;
}

function sendLine(session: ChatSession, text: string, io: ScriptIO): boolean {
  try {
    return session.send(text);
  } catch (error) {
    if (!(error instanceof MessageTooLongError)) throw error;
    io.err(`chat: ${error.message}`);
    return false;
  }
}

/**
 * Prints frames to the output and status to stderr until the session ends. Returns false if
 * the output was closed (a reader such as `head` went away); the session is then ended.
 */
async function printEvents(session: ChatSession, json: boolean, io: ScriptIO): Promise<boolean> {
  let outputOpen = true;
  for await (const event of session.events()) {
    if (event.type === "frame") {
      if (!outputOpen) continue;
      const line = json
        ? formatJsonLine(event.frame, event.receivedAt)
        : formatPlainLine(event.frame, event.receivedAt);
      try {
        await io.out(line);
      } catch {
        outputOpen = false;
        session.quit();
      }
    } else {
      const status = statusLine(event);
      if (status !== undefined) io.err(`chat: ${status}`);
    }
  }
  return outputOpen;
}

/** The stderr line for a session event other than a frame, if it deserves one. */
export function statusLine(event: Exclude<SessionEvent, { type: "frame" }>): string | undefined {
  switch (event.type) {
    case "bad-frame":
      return `dropped a frame from the server: ${event.error.message}`;
    case "online":
      return event.reconnected ? `reconnected as ${event.name}` : undefined;
    case "offline":
      return `${describeCloseReason(event.reason)}; reconnecting`;
    case "retrying":
      return `reconnect attempt ${event.attempt} in ${(event.delayMs / 1000).toFixed(1)} s`;
    case "connect-failed":
      return event.attempt === 0
        ? event.message
        : `reconnect attempt ${event.attempt} failed: ${event.message}`;
    case "dropped":
      return `offline queue full (${event.limit} lines); dropped: ${preview(event.text)}`;
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
