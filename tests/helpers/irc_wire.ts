/**
 * A raw-socket IRC client for tests: sends lines, collects every line the server sends, and
 * waits (with a deadline) for the one a test expects.
 * @module
 */

import { TimeoutError, withTimeout } from "./timeout.ts";

/** A server line, split the simple way tests need. */
export interface IrcTestLine {
  /** The whole line, without CR LF. */
  readonly raw: string;
  /** The source without its colon (`chat.server`, `alice!alice@chat`), or empty. */
  readonly source: string;
  /** The command or numeric. */
  readonly command: string;
  /** The parameters, the trailing one last. */
  readonly params: readonly string[];
}

/** Splits a server line (no tags handling beyond skipping them). */
export function splitIrcLine(raw: string): IrcTestLine {
  let rest = raw;
  if (rest.startsWith("@")) rest = rest.slice(rest.indexOf(" ") + 1);
  let source = "";
  if (rest.startsWith(":")) {
    const space = rest.indexOf(" ");
    source = rest.slice(1, space);
    rest = rest.slice(space + 1);
  }
  const trailingAt = rest.indexOf(" :");
  const head = trailingAt < 0 ? rest : rest.slice(0, trailingAt);
  const words = head.split(" ").filter((word) => word !== "");
  const params = words.slice(1);
  if (trailingAt >= 0) params.push(rest.slice(trailingAt + 2));
  return { raw, source, command: words[0] ?? "", params };
}

/** One IRC connection of a test. */
export class IrcTestClient {
  readonly #conn: Deno.Conn;
  readonly #lines: IrcTestLine[] = [];
  readonly received: IrcTestLine[] = [];
  #partial = "";
  #read: Promise<boolean> | null = null;
  #eof = false;
  readonly #utf8 = new TextDecoder();
  nick = "";

  private constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /** Connects over TCP. */
  static async connect(addr: { hostname: string; port: number }): Promise<IrcTestClient> {
    return new IrcTestClient(await Deno.connect({ hostname: addr.hostname, port: addr.port }));
  }

  /** Connects over TLS, trusting the CA certificate `caPem`. */
  static async connectTls(
    addr: { hostname: string; port: number },
    caPem: string,
  ): Promise<IrcTestClient> {
    const conn = await Deno.connectTls({
      hostname: "localhost",
      port: addr.port,
      caCerts: [caPem],
    });
    return new IrcTestClient(conn);
  }

  /** True once the server closed the connection. */
  get closed(): boolean {
    return this.#eof;
  }

  /** Sends raw bytes. */
  async sendRaw(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) offset += await this.#conn.write(bytes.subarray(offset));
  }

  /** Sends lines, each terminated with CR LF. */
  send(...lines: string[]): Promise<void> {
    return this.sendRaw(new TextEncoder().encode(lines.map((line) => `${line}\r\n`).join("")));
  }

  /** NICK and USER, then waits for the end of the NAMES of the join; returns all lines. */
  async register(nick: string, before: string[] = []): Promise<IrcTestLine[]> {
    this.nick = nick;
    await this.send(...before, `NICK ${nick}`, `USER ${nick} 0 * :${nick} real`);
    const start = this.received.length;
    await this.waitFor((line) => line.command === "366");
    return this.received.slice(start);
  }

  /** Skips lines until one matches; rejects on timeout or end, listing the last lines seen. */
  async waitFor(
    matches: (line: IrcTestLine) => boolean,
    timeoutMs = 5000,
    label = "a matching line",
  ): Promise<IrcTestLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.#lines.shift();
      if (line !== undefined) {
        if (matches(line)) return line;
        continue;
      }
      if (this.#eof) {
        throw new Error(`connection closed while waiting for ${label}${this.#recent()}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new TimeoutError(`${label}${this.#recent()}`, timeoutMs);
      this.#read ??= this.#readOnce();
      try {
        await withTimeout(this.#read, left, label);
      } catch (error) {
        if (error instanceof TimeoutError) {
          throw new TimeoutError(`${label}${this.#recent()}`, timeoutMs);
        }
        throw error;
      }
      this.#read = null;
    }
  }

  /** Waits for a line with this command (and, if given, a parameter containing `text`). */
  expect(command: string, text?: string, timeoutMs = 5000): Promise<IrcTestLine> {
    return this.waitFor(
      (line) =>
        line.command === command &&
        (text === undefined || line.params.some((param) => param.includes(text))),
      timeoutMs,
      `${command}${text === undefined ? "" : ` with "${text}"`}`,
    );
  }

  /** Waits until the server closes the connection; returns the lines read meanwhile. */
  async closedByServer(timeoutMs = 5000): Promise<IrcTestLine[]> {
    const start = this.received.length;
    await withTimeout(
      (async () => {
        while (!this.#eof) {
          this.#read ??= this.#readOnce();
          await this.#read;
          this.#read = null;
        }
      })(),
      timeoutMs,
      "the server to close the connection",
    );
    this.#lines.length = 0;
    return this.received.slice(start);
  }

  /** Closes the socket (idempotent), waiting for a read in flight to settle. */
  async close(): Promise<void> {
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
    if (this.#read !== null) await this.#read.catch(() => false);
  }

  async #readOnce(): Promise<boolean> {
    const buffer = new Uint8Array(64 * 1024);
    let count: number | null;
    try {
      count = await this.#conn.read(buffer);
    } catch {
      count = null;
    }
    if (count === null) {
      this.#eof = true;
      return false;
    }
    const text = this.#partial + this.#utf8.decode(buffer.subarray(0, count), { stream: true });
    const parts = text.split("\r\n");
    this.#partial = parts.pop() ?? "";
    for (const raw of parts) {
      const line = splitIrcLine(raw);
      this.#lines.push(line);
      this.received.push(line);
    }
    return true;
  }

  #recent(): string {
    const last = this.received.slice(-8).map((line) => line.raw);
    return last.length === 0 ? " (nothing received)" : ` (last lines: ${last.join(" | ")})`;
  }
}

/** The IRC listener of a running server (started with an `ircPort`). */
export function ircAddress(
  server: { listeners: readonly { kind: string; addr: Deno.NetAddr }[] },
): Deno.NetAddr {
  const irc = server.listeners.find((l) => l.kind === "irc" || l.kind === "ircs");
  if (irc === undefined) throw new Error("the server has no IRC listener");
  return irc.addr;
}
