/**
 * bench/workers/main.ts, the two-thread prototype, end to end as a process: chat crosses the
 * workers, names are unique across them, and SIGTERM ends it with exit code 0.
 */

import assert from "node:assert/strict";
import { ChatProcess } from "../scripts/chat_process.ts";
import {
  childSignalUnavailable,
  commandUnavailable,
  firstReason,
  notLinux,
  skipWhen,
} from "./helpers/platform.ts";
import { TestClient } from "./helpers/wire.ts";
import { parseStartLine } from "../server/start_line.ts";

const MAIN = new URL("../bench/workers/main.ts", import.meta.url).href;

const unavailable = firstReason(
  notLinux("SO_REUSEPORT balancing"),
  childSignalUnavailable("SIGTERM"),
  await commandUnavailable(Deno.execPath(), [
    "eval",
    "--unstable-net",
    "Deno.listen({ hostname: '127.0.0.1', port: 0, reusePort: true }).close()",
  ]),
);

/** The running prototype and the instance each logged-in name is on. */
class Prototype {
  readonly process: ChatProcess;
  readonly port: number;

  private constructor(process: ChatProcess, port: number) {
    this.process = process;
    this.port = port;
  }

  static async start(): Promise<Prototype> {
    const process = new ChatProcess(
      [Deno.execPath(), "run", "--unstable-net", "--allow-net", "--allow-read", MAIN],
      ["--workers", "2", "--host", "127.0.0.1", "--port", "0", "--list-interval", "0"],
      "null",
    );
    try {
      const line = await process.stdout.waitFor(
        (l) => parseStartLine(l) !== null,
        "the start line",
      );
      return new Prototype(process, parseStartLine(line)?.[0].port ?? 0);
    } catch (error) {
      await process.kill();
      throw new Error(`${error}; stderr: ${process.stderr.text}`);
    }
  }

  /** Logs `name` in on a new connection; resolves with the client and its worker's id. */
  async login(name: string): Promise<{ client: TestClient; instance: string }> {
    const client = await TestClient.connect({ hostname: "127.0.0.1", port: this.port });
    await client.login(name);
    // The other worker prints `NAME joined from instance wN`: NAME is on wN.
    const remote = new RegExp(`\\] ${name} joined from instance (w\\d+)$`);
    const line = await this.process.stdout.waitFor((l) => remote.test(l), `${name}'s remote join`);
    return { client, instance: remote.exec(line)?.[1] ?? "" };
  }
}

/** Reads chat frames until every expected (sender, text) pair has arrived; counts them all. */
async function collect(
  client: TestClient,
  expected: readonly string[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const missing = new Set(expected);
  while (missing.size > 0) {
    const frame = await client.waitForFrame(
      (f) => f.username !== "",
      5000,
      `${[...missing].join(", ")} at ${client.name}`,
    );
    const key = `${frame.username}: ${frame.message}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    missing.delete(key);
  }
  return counts;
}

Deno.test({
  name: "workers prototype: chat and names are shared by both workers; SIGTERM exits 0",
  ignore: skipWhen("workers prototype test", unavailable),
  async fn() {
    const proto = await Prototype.start();
    const clients: TestClient[] = [];
    try {
      // Four users, on both workers: a newcomer that lands on the same worker as the first
      // three is let go and another tries (the kernel picks the worker by a hash).
      const placed: { client: TestClient; instance: string }[] = [];
      for (let attempt = 0; placed.length < 4; attempt++) {
        assert.ok(attempt < 40, "40 connections all landed on one worker");
        const user = await proto.login(`user${attempt}`);
        const instances = new Set([...placed, user].map((p) => p.instance));
        if (placed.length === 3 && instances.size === 1) {
          await user.client.close();
          continue;
        }
        placed.push(user);
        clients.push(user.client);
      }
      const workers = new Set(placed.map((p) => p.instance));
      assert.deepEqual([...workers].sort(), ["w1", "w2"]);

      // Two rounds: everyone hears everyone else's message of each round exactly once, never
      // its own. A sender's messages stay in order, so a duplicate of round 1 would come before
      // its round 2.
      const said = (round: number) =>
        clients.map((c) => `${c.name}: round ${round} from ${c.name}`);
      for (const round of [1, 2]) {
        for (const client of clients) await client.say(`round ${round} from ${client.name}`);
      }
      await Promise.all(clients.map(async (client) => {
        const others = [...said(1), ...said(2)].filter((l) => !l.startsWith(`${client.name}:`));
        const counts = await collect(client, others);
        for (const [line, count] of counts) {
          assert.ok(others.includes(line), `${client.name} got ${line}`);
          assert.equal(count, 1, `${client.name} got ${line} ${count} times`);
        }
      }));

      // Every worker knows every user, and a name held on either worker is refused, whichever
      // worker the newcomer lands on.
      for (const client of clients) {
        await client.say("/users");
        const list = await client.waitForNotice("Online (4)");
        for (const other of clients) assert.ok(list.message.includes(other.name), list.message);
      }
      const owners = [
        placed.find((p) => p.instance === "w1"),
        placed.find((p) => p.instance === "w2"),
      ];
      for (const owner of owners) {
        assert.ok(owner !== undefined);
        for (let i = 0; i < 6; i++) {
          const probe = await TestClient.connect({ hostname: "127.0.0.1", port: proto.port });
          try {
            await probe.send({ username: owner.client.name.toUpperCase(), message: "" });
            const refusal = await probe.waitForNotice("already taken");
            assert.match(refusal.message, /already taken/);
            await probe.expectClosed();
          } finally {
            await probe.close();
          }
        }
      }

      // Two newcomers racing for one free name (half the pairs land on different workers, where
      // only the hub's claim can tell them apart): exactly one is welcomed, the other refused.
      for (let pair = 0; pair < 10; pair++) {
        const name = `race${pair}`;
        const probes = await Promise.all(
          [0, 1].map(() => TestClient.connect({ hostname: "127.0.0.1", port: proto.port })),
        );
        try {
          await Promise.all(probes.map((p) => p.send({ username: name, message: "" })));
          const answers = await Promise.all(probes.map((p) =>
            p.waitForFrame(
              (f) => f.username === "" && /^Welcome, |already taken/.test(f.message),
              5000,
              `the answer to ${name}`,
            )
          ));
          const welcomed = answers.filter((f) => f.message.startsWith("Welcome, "));
          assert.equal(welcomed.length, 1, answers.map((f) => f.message).join(" | "));
        } finally {
          await Promise.all(probes.map((p) => p.close()));
        }
      }

      proto.process.signal("SIGTERM");
      for (const client of clients) await client.expectClosed();
      assert.equal(await proto.process.exited(), 0, proto.process.stderr.text);
    } finally {
      for (const client of clients) await client.close();
      await proto.process.kill();
    }
  },
});
