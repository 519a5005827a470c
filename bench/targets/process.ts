/**
 * Server processes started by the benchmark: spawned, their output drained (so a chatty server
 * never blocks on a full pipe), and always stopped by pid, also when the bench is interrupted.
 * @module
 */

/** Every server process still running, so an interrupt can stop them all. */
const live = new Set<ServerProcess>();

/** Lines of output kept per stream for error messages. */
const KEPT_LINES = 20;

/** A spawned server, its first output line, and the last lines of its output. */
export class ServerProcess {
  readonly pid: number;
  readonly #child: Deno.ChildProcess;
  readonly #firstLine: Promise<string | null>;
  readonly #drained: Promise<void>[] = [];
  readonly #tail: string[] = [];
  #stopped: Promise<void> | null = null;
  readonly #cleanup: (() => Promise<void>) | undefined;

  /** `cleanup` runs after the process has exited (e.g. removing its temporary directory). */
  constructor(
    command: string,
    args: string[],
    options: { cwd?: string; cleanup?: () => Promise<void> } = {},
  ) {
    this.#cleanup = options.cleanup;
    this.#child = new Deno.Command(command, {
      args,
      cwd: options.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.pid = this.#child.pid;
    live.add(this);
    let resolveFirst: (line: string | null) => void = () => {};
    this.#firstLine = new Promise((resolve) => resolveFirst = resolve);
    this.#drained.push(this.#drain(this.#child.stdout, resolveFirst));
    this.#drained.push(this.#drain(this.#child.stderr, null));
  }

  /** The process's exit, once it has exited. */
  get status(): Promise<Deno.CommandStatus> {
    return this.#child.status;
  }

  /** The first line the process printed on stdout (null if it closed stdout first). */
  firstLine(): Promise<string | null> {
    return this.#firstLine;
  }

  /** The last lines of stdout and stderr, for saying why a server failed. */
  tail(): string {
    return this.#tail.join("\n");
  }

  /** SIGTERM, up to 5 s to exit, then SIGKILL; waits for the exit and the output. Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // already exited
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const exited = await Promise.race([
      this.#child.status.then(() => true),
      new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), 5000)),
    ]);
    clearTimeout(timer);
    if (!exited) {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // exited meanwhile
      }
    }
    await this.#child.status;
    await Promise.all(this.#drained);
    await this.#cleanup?.().catch(() => {});
    live.delete(this);
  }

  async #drain(
    stream: ReadableStream<Uint8Array>,
    onFirstLine: ((line: string | null) => void) | null,
  ): Promise<void> {
    const decoder = new TextDecoder();
    let partial = "";
    let first = onFirstLine;
    try {
      for await (const chunk of stream) {
        // Only the start of the output is decoded line by line; later output is skimmed.
        if (first === null && this.#tail.length >= KEPT_LINES && chunk.length > 4096) continue;
        partial += decoder.decode(chunk, { stream: true });
        const lines = partial.split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) {
          if (first !== null) {
            first(line);
            first = null;
          }
          this.#tail.push(line);
          if (this.#tail.length > KEPT_LINES) this.#tail.shift();
        }
        if (partial.length > 65536) partial = partial.slice(-4096);
      }
    } catch {
      // the pipe broke because the process died: its tail says why
    }
    if (partial.length > 0) this.#tail.push(partial);
    first?.(null);
  }
}

/** Stops every server the benchmark started (for Ctrl-C and fatal errors). */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()));
}

/** Picks a free TCP port on 127.0.0.1 for a server that cannot bind port 0 itself. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Waits until `host:port` accepts a TCP connection; false after `timeoutMs`. */
export async function waitForPort(
  host: string,
  port: number,
  timeoutMs: number,
  exited: Promise<unknown>,
): Promise<boolean> {
  let gone = false;
  void exited.then(() => gone = true);
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline && !gone) {
    try {
      const conn = await Deno.connect({ hostname: host, port });
      conn.close();
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return false;
}
