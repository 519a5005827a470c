/**
 * Reads a child process's output as lines and waits for the one you expect, with a timeout: how
 * the smoke test and the CLI tests watch a running `chat` without sleeping.
 * @module
 */

/** The expected line did not come: the stream ended first, or the time ran out. */
export class LineWaitError extends Error {
  constructor(what: string, why: "ended" | "timeout", seen: readonly string[]) {
    const tail = seen.slice(-5).map((line) => `\n  | ${line}`).join("");
    super(
      `${why === "ended" ? "output ended" : "timed out"} waiting for ${what}` +
        (tail ? `; last lines:${tail}` : "; no output"),
    );
    this.name = "LineWaitError";
  }
}

/** Collects every line of a byte stream as it arrives. */
export class LineReader {
  readonly #lines: string[] = [];
  readonly #listeners = new Set<() => void>();
  #ended = false;
  /** Settles when the stream has ended and every line is in `lines`. */
  readonly finished: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.finished = this.#pump(stream);
  }

  /** Every complete line so far (without its line ending). */
  get lines(): readonly string[] {
    return this.#lines;
  }

  /** Everything read so far, lines joined with "\n". */
  get text(): string {
    return this.#lines.join("\n");
  }

  /**
   * The first line (seen already or still to come) that matches; rejects with LineWaitError when
   * the stream ends or timeoutMs passes first. `what` names the line in that error.
   */
  waitFor(match: (line: string) => boolean, what: string, timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#listeners.delete(check);
        reject(new LineWaitError(what, "timeout", this.#lines));
      }, timeoutMs);
      const check = () => {
        const found = this.#lines.find(match);
        if (found === undefined && !this.#ended) return;
        clearTimeout(timer);
        this.#listeners.delete(check);
        if (found !== undefined) resolve(found);
        else reject(new LineWaitError(what, "ended", this.#lines));
      };
      this.#listeners.add(check);
      check();
    });
  }

  async #pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    let pending = "";
    try {
      for await (const text of stream.pipeThrough(new TextDecoderStream())) {
        const parts = (pending + text).split("\n");
        pending = parts.pop() ?? "";
        this.#lines.push(...parts.map((line) => line.replace(/\r$/, "")));
        this.#notify();
      }
    } finally {
      if (pending !== "") this.#lines.push(pending.replace(/\r$/, ""));
      this.#ended = true;
      this.#notify();
    }
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}
