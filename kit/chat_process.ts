/**
 * Runs `chat` as a child process (from source with `deno run`, or a compiled binary) and talks
 * to it through its pipes: what the smoke test, the soak, the benchmark's chat targets and the
 * CLI tests share.
 * @module
 */

import { Subprocess } from "./process.ts";

export { ProcessTimeoutError } from "./process.ts";

/** A running chat process with its output collected line by line. */
export class ChatProcess extends Subprocess {
  /**
   * Starts `command args...` (`command` is the program and the arguments before chat's own,
   * e.g. `deno run --allow-net main.ts`); with stdin "piped" the caller writes lines and must
   * close it.
   */
  constructor(command: readonly string[], args: readonly string[], stdin: "piped" | "null") {
    const [program, ...prefix] = command;
    super(program, [...prefix, ...args], {
      stdin,
      env: { NO_COLOR: "1" },
      label: ["chat", ...args].join(" "),
    });
  }
}

/** A `chat server` child process and the port it listens on. */
export interface ChatServerProcess {
  process: ChatProcess;
  port: number;
}

/** A chat server did not print its start line in time (or exited first); it has been killed. */
export class ChatServerStartError extends Error {
  constructor(reason: string, stderr: string) {
    super(`chat server did not start: ${reason}; stderr: ${stderr}`);
    this.name = "ChatServerStartError";
  }
}

/** The start line `chat server listening on HOST:PORT`; the port is what clients need. */
const START_LINE = /listening on (.+):(\d+)\s*$/;

/**
 * Starts `chat server` on 127.0.0.1, port 0, without the periodic list, and waits (up to
 * `timeoutMs`) for its start line to learn the real port. Extra server options are appended.
 */
export async function startChatServer(
  command: readonly string[],
  extraArgs: readonly string[] = [],
  timeoutMs = 10_000,
): Promise<ChatServerProcess> {
  const process = new ChatProcess(
    command,
    ["server", "--host", "127.0.0.1", "--port", "0", "--list-interval", "0", ...extraArgs],
    "null",
  );
  try {
    const line = await process.stdout.waitFor(
      (l) => START_LINE.test(l),
      "the start line",
      timeoutMs,
    );
    const port = Number(START_LINE.exec(line)?.[2]);
    return { process, port };
  } catch (error) {
    await process.kill();
    const reason = error instanceof Error ? error.message : String(error);
    throw new ChatServerStartError(reason, process.stderr.text);
  }
}
