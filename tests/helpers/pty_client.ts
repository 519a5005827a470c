/**
 * `chat client` in a real pseudo-terminal: it runs under util-linux's `script` (Debian package
 * bsdutils), so its stdin and stdout are a terminal and it starts the interactive client. A test
 * types into the pty and reads the screen by applying the client's output to a screen model.
 * @module
 */

import { commandUnavailable, firstReason, notLinux, skipWhen } from "./platform.ts";
import { VirtualTerminal } from "./virtual_terminal.ts";
import { withTimeout } from "./timeout.ts";

/** The program under test. */
const MAIN = new URL("../../main.ts", import.meta.url).pathname;
/** The pty's width. */
export const COLUMNS = 60;
/** The pty's height. */
export const ROWS = 20;
const WAIT_MS = 10_000;

/** Test options that skip where there is no pty: the pty comes from util-linux's `script` (Debian package bsdutils), run through sh. */
export const skipPty: { ignore: boolean } = {
  ignore: skipWhen(
    "interactive pty tests",
    firstReason(
      notLinux("util-linux script"),
      await commandUnavailable("script", ["-qfec", "true", "/dev/null"]),
    ),
  ),
};

/** The client running in a pty, with what it has drawn so far. */
export class PtyClient {
  readonly screen = new VirtualTerminal(COLUMNS, ROWS);
  /** Everything the client wrote, as text. */
  raw = "";
  readonly #child: Deno.ChildProcess;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #ended = false;

  /** Starts `chat client ARGS...` in a pty (`env` adds variables, e.g. TZ). */
  constructor(args: readonly string[], env: Record<string, string> = {}) {
    // The pty gets a known size; after the client exits, `stty -a` shows whether the terminal
    // was put back in cooked mode, and EXIT= its exit code.
    const deno = Deno.execPath();
    const quoted = args.map((arg) => `'${arg.replaceAll("'", `'\\''`)}'`).join(" ");
    const client = `'${deno}' run --allow-net --allow-env=NO_COLOR '${MAIN}' client ${quoted}`;
    const shell = `stty cols ${COLUMNS} rows ${ROWS}; ${client}; code=$?; ` +
      `stty -a; echo EXIT=$code; exit $code`;
    this.#child = new Deno.Command("script", {
      args: ["-qfec", shell, "/dev/null"],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
      env: { TERM: "xterm-256color", ...env },
    }).spawn();
    this.#reader = this.#child.stdout.getReader();
    this.#writer = this.#child.stdin.getWriter();
  }

  /** Types bytes into the terminal. */
  async type(text: string): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(text));
  }

  /** Reads output until `condition` holds on the screen model. */
  async waitFor(label: string, condition: () => boolean): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!condition()) {
      if (this.#ended) throw new Error(`output ended before ${label}:\n${this.dump()}`);
      const left = deadline - Date.now();
      const { value, done } = await withTimeout(this.#reader.read(), Math.max(1, left), label)
        .catch((error) => {
          throw new Error(`${error.message}\nscreen:\n${this.dump()}`);
        });
      if (done) {
        this.#ended = true;
        continue;
      }
      const text = this.#decoder.decode(value, { stream: true });
      this.raw += text;
      this.screen.write(text);
    }
  }

  /** Reads everything up to the end, then the exit status. */
  async finish(): Promise<Deno.CommandStatus> {
    await this.#writer.close().catch(() => {});
    await this.waitFor("the end of the output", () => this.#ended);
    return await this.#child.status;
  }

  /** Stops everything (after a failure). */
  async kill(): Promise<void> {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await this.#writer.close().catch(() => {});
    await this.#reader.cancel().catch(() => {});
    await this.#child.status;
  }

  /** The screen with row numbers, for failure messages. */
  dump(): string {
    return this.screen.lines().map((l, i) => `${String(i).padStart(2)}|${l}`).join("\n");
  }

  /** The row holding the prompt (the last non-empty row). */
  promptRow(): number {
    const lines = this.screen.lines();
    let row = lines.length - 1;
    while (row > 0 && lines[row] === "") row--;
    return row;
  }
}
