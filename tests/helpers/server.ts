/**
 * Starting a real server for a test, with test-friendly options, and always shutting it down.
 * @module
 */

import type { Clock } from "../../server/clock.ts";
import type { ConsoleSink } from "../../server/console.ts";
import { type ChatServer, startServer } from "../../server/mod.ts";
import { DEFAULT_SERVER_OPTIONS, type ServerOptions } from "../../server/options.ts";
import { TimeoutError } from "./timeout.ts";
import { type TestClient, TestClient as Client } from "./wire.ts";

/** Server options for tests: 127.0.0.1, a free port, no periodic list; the rest as given. */
export function testServerOptions(overrides: Partial<ServerOptions> = {}): ServerOptions {
  return {
    ...DEFAULT_SERVER_OPTIONS,
    host: "127.0.0.1",
    port: 0,
    listIntervalSeconds: 0,
    // Every test client comes from 127.0.0.1: the per-IP limit is off unless a test sets it.
    maxClientsPerIp: 0,
    ...overrides,
  };
}

/** A console that keeps its lines, so tests can read what the server printed. */
export class CapturedConsole implements ConsoleSink {
  /** Lines written to the normal stream. */
  readonly lines: string[] = [];
  /** Lines written to the error stream. */
  readonly errors: string[] = [];
  #waiters: { substring: string; resolve: (line: string) => void }[] = [];

  log(line: string): void {
    this.lines.push(line);
    this.#wake(line);
  }

  error(line: string): void {
    this.errors.push(line);
    this.#wake(line);
  }

  /** Resolves with the first line (either stream, past or future) containing `substring`. */
  async waitForLine(substring: string, timeoutMs = 5000): Promise<string> {
    const seen = [...this.lines, ...this.errors].find((l) => l.includes(substring));
    if (seen !== undefined) return seen;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await new Promise<string>((resolve, reject) => {
        this.#waiters.push({ substring, resolve });
        timer = setTimeout(
          () => reject(new TimeoutError(`a console line containing "${substring}"`, timeoutMs)),
          timeoutMs,
        );
      });
    } finally {
      clearTimeout(timer);
      this.#waiters = this.#waiters.filter((w) => w.substring !== substring);
    }
  }

  #wake(line: string): void {
    for (const waiter of this.#waiters) {
      if (line.includes(waiter.substring)) waiter.resolve(line);
    }
  }
}

/** What a test body gets from {@link withServer}. */
export interface ServerFixture {
  /** The running server. */
  server: ChatServer;
  /** What it printed. */
  console: CapturedConsole;
  /** Connects a client that is closed automatically at the end of the test. */
  connect(): Promise<TestClient>;
  /** Connects and logs in as `name` (waiting for the welcome). */
  login(name: string, firstMessage?: string): Promise<TestClient>;
}

/** Settings for {@link withServer}. */
export interface WithServerSettings {
  /** Option overrides on top of {@link testServerOptions}. */
  options?: Partial<ServerOptions>;
  /** A clock to inject (e.g. a ManualClock); real time by default. */
  clock?: Clock;
}

/**
 * Runs `body` against a fresh server. However the body ends, every client it connected is
 * closed and the server is shut down and awaited, so the sanitizers find nothing left open.
 */
export async function withServer(
  settings: WithServerSettings,
  body: (fixture: ServerFixture) => Promise<void>,
): Promise<void> {
  const captured = new CapturedConsole();
  const server = await startServer(testServerOptions(settings.options), {
    clock: settings.clock,
    console: captured,
  });
  const clients: TestClient[] = [];
  const connect = async () => {
    const client = await Client.connect(server.addr);
    clients.push(client);
    return client;
  };
  const fixture: ServerFixture = {
    server,
    console: captured,
    connect,
    async login(name, firstMessage = "") {
      const client = await connect();
      await client.login(name, firstMessage);
      return client;
    },
  };
  try {
    await body(fixture);
  } finally {
    await server.shutdown();
    await Promise.all(clients.map((c) => c.close()));
  }
}
