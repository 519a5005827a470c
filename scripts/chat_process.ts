/**
 * Runs `chat` as a child process (from source with `deno run`, or a compiled binary) and talks
 * to it through its pipes: what the smoke test, the release workflow and the CLI tests share.
 * @module
 */

import { parseStartLine } from "../server/start_line.ts";
import { COMPILE_PERMISSIONS, ENTRY_POINT } from "./build_targets.ts";
import { LineReader } from "./output_lines.ts";

/**
 * The command that runs chat from source with exactly the permissions the binary has, so a
 * test through `deno run` checks what the compiled program would do.
 */
export function sourceCommand(): string[] {
  const main = new URL(`../${ENTRY_POINT}`, import.meta.url).href;
  return [Deno.execPath(), "run", ...COMPILE_PERMISSIONS, main];
}

/** A process did not exit in time; it has been killed. */
export class ProcessTimeoutError extends Error {
  constructor(label: string, timeoutMs: number, stderr: string) {
    super(`'${label}' still running after ${timeoutMs} ms (killed); stderr: ${stderr}`);
    this.name = "ProcessTimeoutError";
  }
}

/** A running chat process with its output collected line by line. */
export class ChatProcess {
  readonly child: Deno.ChildProcess;
  readonly #label: string;
  readonly stdout: LineReader;
  readonly stderr: LineReader;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;

  /** Starts `command args...`; with stdin "piped" the caller writes lines and must close it. */
  constructor(command: readonly string[], args: readonly string[], stdin: "piped" | "null") {
    const [program, ...prefix] = command;
    this.#label = ["chat", ...args].join(" ");
    this.child = new Deno.Command(program, {
      args: [...prefix, ...args],
      stdin,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    this.stdout = new LineReader(this.child.stdout);
    this.stderr = new LineReader(this.child.stderr);
    this.#stdin = stdin === "piped" ? this.child.stdin.getWriter() : undefined;
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
   * running after timeoutMs is killed and this throws ProcessTimeoutError, so a test never hangs.
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
    const [status] = await Promise.all([
      this.child.status,
      this.stdout.finished,
      this.stderr.finished,
    ]);
    return status.code;
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
    await Promise.all([this.child.status, this.stdout.finished, this.stderr.finished]);
  }
}

/** A chat server started on 127.0.0.1 with a free port. */
export interface RunningServer {
  process: ChatProcess;
  port: number;
}

/**
 * Starts `chat server` on 127.0.0.1, port 0, and waits for its start line to learn the real
 * port. Extra server options are appended.
 */
export async function startServer(
  command: readonly string[],
  extraArgs: readonly string[] = [],
): Promise<RunningServer> {
  const process = new ChatProcess(
    command,
    ["server", "--host", "127.0.0.1", "--port", "0", "--list-interval", "0", ...extraArgs],
    "null",
  );
  try {
    // The start line names every listener, the main one first: its port is what clients need.
    const line = await process.stdout.waitFor((l) => parseStartLine(l) !== null, "the start line");
    const port = parseStartLine(line)?.[0].port ?? 0;
    return { process, port };
  } catch (error) {
    await process.kill();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`chat server did not start: ${reason}; stderr: ${process.stderr.text}`);
  }
}
