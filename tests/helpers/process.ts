/**
 * Running `main.ts` as a real subprocess: its stdout lines as they come, its stderr, its exit
 * code, and a cleanup that always reaps it.
 * @module
 */

import { TimeoutError, withTimeout } from "./timeout.ts";

/** The project's entry point. */
export const MAIN_TS = new URL("../../main.ts", import.meta.url).pathname;

/** How a subprocess ended. */
export interface ProcessResult {
  /** Exit code. */
  code: number;
  /** Signal that killed it, if any. */
  signal: Deno.Signal | null;
  /** Every stdout line. */
  stdout: string[];
  /** Everything written to stderr. */
  stderr: string;
}

/**
 * `deno run --allow-net main.ts ARGS...` with stdout and stderr piped. Lines are collected as
 * they arrive; {@link ChatProcess.waitForLine} waits for one. Call {@link ChatProcess.finish}
 * (or {@link ChatProcess.kill}) before the test ends so the sanitizers find nothing open.
 */
export class ChatProcess {
  readonly #child: Deno.ChildProcess;
  readonly #pumps: Promise<void>;
  readonly #status: Promise<Deno.CommandStatus>;
  /** Stdout lines so far. */
  readonly stdout: string[] = [];
  #stderr = "";
  #waiters: { substring: string; resolve: (line: string) => void }[] = [];
  #exited = false;

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#status = child.status.then((status) => {
      this.#exited = true;
      return status;
    });
    this.#pumps = Promise.all([this.#pumpStdout(), this.#pumpStderr()]).then(() => {});
  }

  /** Starts `main.ts` with these arguments (network permission only). */
  static spawn(args: string[], permissions: string[] = ["--allow-net"]): ChatProcess {
    const command = new Deno.Command(Deno.execPath(), {
      args: ["run", ...permissions, MAIN_TS, ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    });
    return new ChatProcess(command.spawn());
  }

  /** Stderr so far. */
  get stderr(): string {
    return this.#stderr;
  }

  /** Resolves with the first stdout line (past or future) containing `substring`. */
  async waitForLine(substring: string, timeoutMs = 10_000): Promise<string> {
    const seen = this.stdout.find((line) => line.includes(substring));
    if (seen !== undefined) return seen;
    const waiter = { substring, resolve: (_: string) => {} };
    const found = new Promise<string>((resolve) => waiter.resolve = resolve);
    this.#waiters.push(waiter);
    try {
      return await withTimeout(
        Promise.race([found, this.#pumps.then(() => this.#notFound(substring))]),
        timeoutMs,
        `a stdout line containing "${substring}" (stdout so far: ${
          JSON.stringify(this.stdout.slice(-5))
        }, stderr: ${JSON.stringify(this.#stderr)})`,
      );
    } finally {
      this.#waiters = this.#waiters.filter((w) => w !== waiter);
    }
  }

  /** Sends a signal (ignored if the process has already exited). */
  signal(signal: Deno.Signal): void {
    if (this.#exited) return;
    try {
      this.#child.kill(signal);
    } catch {
      // Exited in the meantime.
    }
  }

  /** Waits for the process to exit on its own and for its output to be read. */
  async finish(timeoutMs = 10_000): Promise<ProcessResult> {
    try {
      const status = await withTimeout(this.#status, timeoutMs, "the process to exit");
      await this.#pumps;
      return {
        code: status.code,
        signal: status.signal,
        stdout: this.stdout,
        stderr: this.#stderr,
      };
    } catch (error) {
      await this.kill();
      throw error;
    }
  }

  /** Kills the process if it still runs, and reaps it. */
  async kill(): Promise<void> {
    this.signal("SIGKILL");
    await this.#status;
    await this.#pumps;
  }

  #notFound(substring: string): never {
    throw new TimeoutError(`"${substring}" (the process closed its stdout)`, 0);
  }

  async #pumpStdout(): Promise<void> {
    let partial = "";
    for await (const text of this.#child.stdout.pipeThrough(new TextDecoderStream())) {
      const parts = (partial + text).split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) this.#addLine(line);
    }
    if (partial.length > 0) this.#addLine(partial);
  }

  async #pumpStderr(): Promise<void> {
    for await (const text of this.#child.stderr.pipeThrough(new TextDecoderStream())) {
      this.#stderr += text;
    }
  }

  #addLine(line: string): void {
    this.stdout.push(line);
    for (const waiter of this.#waiters) {
      if (line.includes(waiter.substring)) waiter.resolve(line);
    }
  }
}
