/**
 * A program the instruments run as a child process (`chat` itself, an IRC server): its output
 * read line by line while it runs, waits that never hang, and a stop that always ends it. Every
 * subprocess still running is known, so an interrupted benchmark can stop them all.
 * @module
 */

import { LineReader } from "./output_lines.ts";

/** A process did not exit in time; it has been killed. */
export class ProcessTimeoutError extends Error {
  constructor(label: string, timeoutMs: number, stderr: string) {
    super(`'${label}' still running after ${timeoutMs} ms (killed); stderr: ${stderr}`);
    this.name = "ProcessTimeoutError";
  }
}

/** How to start a {@link Subprocess}. */
export interface SubprocessOptions {
  /** "piped": the caller writes lines with `write` and must close it; default "null". */
  stdin?: "piped" | "null";
  /** The working directory. */
  cwd?: string;
  /** Variables added to the inherited environment. */
  env?: Record<string, string>;
  /** Names the process in error messages (default: the program and its arguments). */
  label?: string;
  /** Runs once the process has exited and its output ended (e.g. removes its directory). */
  cleanup?: () => Promise<void>;
}

/** Every subprocess not yet finished, so an interrupt can stop them all. */
const live = new Set<Subprocess>();

/** Lines of output {@link Subprocess.tail} shows. */
const TAIL_LINES = 20;

/** A running child process with its stdout and stderr collected line by line. */
export class Subprocess {
  readonly child: Deno.ChildProcess;
  readonly pid: number;
  readonly stdout: LineReader;
  readonly stderr: LineReader;
  readonly #label: string;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;
  /** Exit, all output read, cleanup done. */
  readonly #finished: Promise<Deno.CommandStatus>;
  #stopping: Promise<void> | null = null;

  /** Starts `program args...`. */
  constructor(program: string, args: readonly string[], options: SubprocessOptions = {}) {
    const stdin = options.stdin ?? "null";
    this.#label = options.label ?? [program, ...args].join(" ");
    this.child = new Deno.Command(program, {
      args: [...args],
      cwd: options.cwd,
      env: options.env,
      stdin,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.pid = this.child.pid;
    this.stdout = new LineReader(this.child.stdout);
    this.stderr = new LineReader(this.child.stderr);
    this.#stdin = stdin === "piped" ? this.child.stdin.getWriter() : undefined;
    live.add(this);
    this.#finished = Promise.all([this.child.status, this.stdout.finished, this.stderr.finished])
      .then(async ([status]) => {
        await options.cleanup?.().catch(() => {});
        return status;
      })
      .finally(() => live.delete(this));
  }

  /** Resolves with the exit status once the process has exited and its output is read. */
  get status(): Promise<Deno.CommandStatus> {
    return this.#finished;
  }

  /** The last lines of stdout and stderr, for saying why a program failed. */
  tail(): string {
    return [...this.stdout.lines.slice(-TAIL_LINES), ...this.stderr.lines.slice(-TAIL_LINES)]
      .join("\n");
  }

  /** Writes text to the process's stdin. */
  async write(text: string): Promise<void> {
    if (this.#stdin === undefined) throw new Error("stdin is not piped");
    await this.#stdin.write(new TextEncoder().encode(text));
  }

  /** Ends the process's input (end of file), as a pipe that is done does. */
  async closeStdin(): Promise<void> {
    await this.#stdin?.close().catch(() => {});
  }

  /**
   * Waits for the process to exit and for all its output; returns the exit code. A process still
   * running after timeoutMs is killed and this throws ProcessTimeoutError, so nothing hangs.
   */
  async exited(timeoutMs = 20_000): Promise<number> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    try {
      const first = await Promise.race([this.child.status, deadline]);
      if (first === "timeout") {
        await this.kill();
        throw new ProcessTimeoutError(this.#label, timeoutMs, this.stderr.text);
      }
    } finally {
      clearTimeout(timer);
    }
    return (await this.#finished).code;
  }

  /**
   * Asks the process to stop the way a user would (Ctrl-C; Windows, which has no signals to
   * send, terminates it) and returns its exit code.
   */
  async interrupt(): Promise<number> {
    this.signal(Deno.build.os === "windows" ? "SIGTERM" : "SIGINT");
    await this.closeStdin();
    return await this.exited();
  }

  /**
   * Sends a signal without waiting; one sent after the process has exited is ignored, so
   * cleanup code need not know whether it is still running.
   */
  signal(signal: Deno.Signal): void {
    try {
      this.child.kill(signal);
    } catch {
      // Already exited.
    }
  }

  /** Stops the process whatever state it is in, for cleanup after a failure. */
  async kill(): Promise<void> {
    this.signal("SIGKILL");
    await this.closeStdin();
    await this.#finished;
  }

  /**
   * SIGTERM, up to `graceMs` to exit, then SIGKILL; waits for the exit, the output and the
   * cleanup. Idempotent.
   */
  stop(graceMs = 5000): Promise<void> {
    this.#stopping ??= this.#stop(graceMs);
    return this.#stopping;
  }

  async #stop(graceMs: number): Promise<void> {
    this.signal("SIGTERM");
    await this.closeStdin();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const exited = await Promise.race([
      this.child.status.then(() => true),
      new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), graceMs)),
    ]);
    clearTimeout(timer);
    if (!exited) this.signal("SIGKILL");
    await this.#finished;
  }
}

/** Stops every subprocess still running (for Ctrl-C and fatal errors). */
export async function stopAllSubprocesses(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()));
}
