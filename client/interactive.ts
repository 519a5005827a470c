/**
 * The interactive client (stdin and stdout are terminals): the raw-mode line editor at the
 * bottom, the conversation above it, colors, client-side commands (`/help`, `/clear`, `/quit`),
 * and the session (`client/session.ts`: login, reconnect, offline queue) underneath. Where raw
 * mode is not available it says so in one line and falls back to the plain line mode.
 *
 * The terminal is always restored (raw mode off, cursor shown, bracketed paste off): on
 * `/quit`, Ctrl-C or Ctrl-D, when the server drops us, on errors (finally), on SIGINT, SIGTERM
 * and SIGHUP, and on `Deno.exit` (see `ui/terminal.ts`).
 *
 * Note: a pending read of stdin cannot be cancelled; `main.ts` ends the process with
 * `Deno.exit` after `runInteractive` returns.
 * @module
 */

import { checkUsername } from "../protocol/mod.ts";
import { MessageTooLongError } from "./connection.ts";
import type { ClientOptions } from "./options.ts";
import { runScripting, stdio } from "./scripting.ts";
import {
  type ChatSession,
  describeSessionEnd,
  type SessionEnd,
  type SessionEvent,
  startSession,
} from "./session.ts";
import { shouldUseColor, type Styles, styles } from "./ui/colors.ts";
import { type ChatLine, dayKey, layoutLine } from "./ui/format.ts";
import { clientCommand, helpLines } from "./ui/help.ts";
import { type Key, KeyParser } from "./ui/keys.ts";
import { type EditorAction, LineEditor, type Prompt } from "./ui/line_editor.ts";
import { ringsBell, sessionEventLine } from "./ui/session_lines.ts";
import { wrapLine } from "./ui/wrap.ts";
import { RawModeUnavailableError, RawTerminal } from "./ui/terminal.ts";
import { MissingNameError } from "./usage_errors.ts";

/** The terminal bell. */
const BELL = "\x07";

/**
 * How a line you send is shown: a chat line as yours (`» <alice> hi`; `//text` as the `/text`
 * it sends), `/msg bob psst` as `-> bob: psst`, another command as a command (`» /users`), and
 * `/me` not at all (the server's action notice comes back to you).
 */
export function echoOf(line: string, me: string, time: Date): ChatLine | undefined {
  if (line.startsWith("//")) return { kind: "own", time, from: me, text: line.slice(1) };
  if (!line.startsWith("/")) return { kind: "own", time, from: me, text: line };
  const msg = /^\/msg\s+(\S+)\s+(.*)$/is.exec(line);
  if (msg !== null) return { kind: "private-out", time, to: msg[1], text: msg[2] };
  if (/^\/me(\s|$)/i.test(line)) return undefined;
  return { kind: "command", time, text: line };
}

/** How long a lone ESC waits for the rest of an escape sequence before it is the Escape key. */
const ESCAPE_TIMEOUT_MS = 50;

/**
 * Runs the interactive client until the user quits or the session ends; returns the exit code:
 * 0 after a clean quit, 1 when the login was refused, the server could not be reached, or the
 * connection was lost (without `--reconnect`).
 */
export async function runInteractive(options: ClientOptions): Promise<number> {
  let terminal: RawTerminal;
  try {
    terminal = RawTerminal.open();
  } catch (error) {
    if (!(error instanceof RawModeUnavailableError)) throw error;
    return await runLineMode(options, error);
  }
  const colors = shouldUseColor({
    mode: options.color,
    noColor: readNoColor(),
    isTerminal: Deno.stdout.isTerminal(),
  });
  try {
    return await new InteractiveClient(terminal, options, styles(colors)).run();
  } finally {
    terminal.close();
  }
}

/**
 * `NO_COLOR` as Deno saw it at start (`Deno.noColor` is true only for a non-empty value), which
 * needs no env permission: asking for one would pop a prompt on the terminal we take over.
 */
function readNoColor(): string | undefined {
  return Deno.noColor ? "1" : undefined;
}

/** The fallback where raw mode is not available: the plain line mode, after one notice. */
async function runLineMode(options: ClientOptions, why: RawModeUnavailableError): Promise<number> {
  console.error(`chat: ${why.message}; using the plain line mode`);
  if (options.name === undefined) {
    throw new MissingNameError("give it as the third argument or with --name");
  }
  return await runScripting(
    { ...options, name: options.name, json: false, once: undefined },
    stdio(),
  );
}

/** One interactive run; see the module documentation. */
class InteractiveClient {
  readonly #terminal: RawTerminal;
  readonly #options: ClientOptions;
  readonly #style: Styles;
  readonly #editor: LineEditor;
  readonly #parser = new KeyParser();
  #session: ChatSession | null = null;
  /** Set while a name is being asked for: the next submitted line answers it. */
  #lineRequest: ((line: string | undefined) => void) | null = null;
  #escapeTimer: ReturnType<typeof setTimeout> | undefined;
  #quitRequested = false;
  /** The local day of the last line printed (today at the start). */
  #day = dayKey(new Date());

  constructor(terminal: RawTerminal, options: ClientOptions, style: Styles) {
    this.#terminal = terminal;
    this.#options = options;
    this.#style = style;
    this.#editor = new LineEditor({
      prompt: this.#namePrompt(options.name),
      columns: terminal.columns(),
    });
  }

  async run(): Promise<number> {
    this.#terminal.write(this.#editor.render());
    this.#terminal.onResize((columns) => this.#terminal.write(this.#editor.resize(columns)));
    this.#terminal.onExitSignal(() => this.#requestQuit());
    this.#readInput().catch((error) => {
      this.#info(`input failed: ${error instanceof Error ? error.message : String(error)}`, true);
      this.#requestQuit();
    });
    try {
      const name = this.#options.name ?? await this.#askName("choose a name to log in with", false);
      if (name === undefined) return 0;
      this.#terminal.write(this.#editor.setPrompt(this.#namePrompt(name)));
      this.#info(`connecting to ${this.#options.host}:${this.#options.port} as ${name}`);
      const session = startSession({
        ...this.#options,
        name,
        // The refusal itself was shown as the server's error notice.
        onRefused: () => this.#askName("choose another name to log in with", false),
      });
      this.#session = session;
      if (this.#quitRequested) void session.quit();
      for await (const event of session.events()) this.#show(event);
      const end = await session.done;
      return this.#finish(end);
    } finally {
      clearTimeout(this.#escapeTimer);
      this.#terminal.write(this.#editor.erase());
    }
  }

  /** Shows how the session ended; returns the exit code. */
  #finish(end: SessionEnd): number {
    const unsent = this.#editor.text;
    if (unsent.length > 0 && end.kind !== "quit") this.#info(`not sent: ${unsent}`, true);
    if (end.kind === "quit") {
      if (end.unsent > 0) this.#info(describeSessionEnd(end), true);
      return 0;
    }
    this.#info(describeSessionEnd(end), true);
    return 1;
  }

  /** Reads stdin until it ends or the client quits; keys go to the editor. */
  async #readInput(): Promise<void> {
    const buffer = new Uint8Array(4096);
    while (true) {
      let n: number | null;
      try {
        n = await Deno.stdin.read(buffer);
      } catch {
        n = null; // the terminal went away
      }
      if (n === null) {
        this.#requestQuit();
        return;
      }
      clearTimeout(this.#escapeTimer);
      this.#handleKeys(this.#parser.push(buffer.subarray(0, n)));
      if (this.#parser.pending) {
        this.#escapeTimer = setTimeout(
          () => this.#handleKeys(this.#parser.flush()),
          ESCAPE_TIMEOUT_MS,
        );
      }
    }
  }

  #handleKeys(keys: Key[]): void {
    for (const key of keys) {
      const update = this.#editor.handleKey(key);
      this.#terminal.write(update.output);
      for (const action of update.actions) this.#act(action);
    }
  }

  #act(action: EditorAction): void {
    if (action.kind === "quit") {
      this.#requestQuit();
      return;
    }
    const line = action.line;
    if (this.#lineRequest !== null) {
      const answer = this.#lineRequest;
      this.#lineRequest = null;
      answer(line);
      return;
    }
    // A line of only spaces would look like nothing was said: it is not sent.
    if (line.trim().length === 0) return;
    switch (clientCommand(line)) {
      case "help":
        this.#print(helpLines());
        this.#askServerHelp();
        return;
      case "clear":
        this.#terminal.write(this.#editor.clearScreen());
        return;
      case "quit":
        this.#line({ kind: "command", time: new Date(), text: line });
        this.#requestQuit();
        return;
      case undefined:
        this.#send(line);
    }
  }

  #send(line: string): void {
    const session = this.#session;
    if (session === null) return;
    try {
      if (!session.send(line)) {
        this.#info("not sent: the session has ended", true);
        return;
      }
    } catch (error) {
      if (!(error instanceof MessageTooLongError)) throw error;
      this.#info(`${error.message} (Up recalls it)`, true);
      return;
    }
    const echo = echoOf(line, session.name, new Date());
    if (echo !== undefined) this.#line(echo);
    if (!session.online) this.#info("not connected: the line will be sent after the login");
  }

  /** Sends `/help` on without an echo: the server answers with what this user may use. */
  #askServerHelp(): void {
    const session = this.#session;
    if (session === null || !session.online || !session.send("/help")) {
      this.#info("not connected: type /help again once connected for the server's commands");
    }
  }

  #requestQuit(): void {
    if (this.#lineRequest !== null) {
      const answer = this.#lineRequest;
      this.#lineRequest = null;
      answer(undefined);
    }
    if (this.#quitRequested) return;
    this.#quitRequested = true;
    void this.#session?.quit();
  }

  /** Asks for a name on the prompt line until a valid one is typed; undefined if the user quits. */
  async #askName(reason: string, isError: boolean): Promise<string | undefined> {
    this.#info(reason, isError);
    this.#terminal.write(this.#editor.setPrompt({ plain: "name: " }));
    while (!this.#quitRequested) {
      const answer = await new Promise<string | undefined>((resolve) => {
        this.#lineRequest = resolve;
      });
      if (answer === undefined) return undefined;
      const check = checkUsername(answer.trim());
      if (check.ok) {
        this.#terminal.write(this.#editor.setPrompt(this.#namePrompt(check.name)));
        return check.name;
      }
      this.#info(check.error.message, true);
    }
    return undefined;
  }

  #show(event: SessionEvent): void {
    if (event.type === "online") {
      this.#terminal.write(this.#editor.setPrompt(this.#namePrompt(event.name)));
    }
    const me = this.#session?.name ?? this.#options.name ?? "";
    const line = sessionEventLine(event, new Date(), me);
    if (line === undefined) return;
    this.#line(line);
    if (ringsBell(line, this.#options.bell, me)) this.#terminal.write(BELL);
  }

  #namePrompt(name: string | undefined): Prompt {
    if (name === undefined) return { plain: "name: " };
    const plain = `${name}> `;
    return { plain, styled: this.#style.bold(this.#style.name(name, name)) + "> " };
  }

  #info(text: string, error = false): void {
    this.#line({ kind: "info", time: new Date(), text, error });
  }

  /** Prints a conversation line, after a day separator when its day is not the last one's,
   * wrapped at spaces to the terminal's width with continuation rows under the text. */
  #line(line: ChatLine): void {
    const rows: string[] = [];
    const columns = this.#terminal.columns();
    const day = dayKey(line.time);
    if (day !== this.#day) {
      this.#day = day;
      const separator = layoutLine({ kind: "day", time: line.time }, this.#style);
      rows.push(...wrapLine(separator.text, columns, separator.indent));
    }
    const { text, indent } = layoutLine(line, this.#style);
    rows.push(...wrapLine(text, columns, indent));
    this.#print(rows);
  }

  #print(lines: string[]): void {
    this.#terminal.write(this.#editor.printAbove(lines));
  }
}
