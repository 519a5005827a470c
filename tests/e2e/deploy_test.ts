/**
 * deploy/: the systemd unit passes `systemd-analyze verify` and its offline security review, its
 * command line is one `chat server` accepts; the HAProxy example passes `haproxy -c` and, started
 * on 127.0.0.1 in front of two real `chat server --redis` instances and a real redis-server,
 * carries a message from a user on one instance to a user on the other.
 */

import assert from "node:assert/strict";
import { parseServerArgs, SERVER_USAGE } from "../../cli/server_args.ts";
import { sourceCommand } from "../../scripts/chat_process.ts";
import { type ChatServerProcess, startChatServer } from "../../kit/chat_process.ts";
import { commandUnavailable, firstReason, skipWhen } from "../helpers/platform.ts";
import { freePort, redisUnavailableReason, withRedis } from "../helpers/redis.ts";
import { TimeoutError } from "../helpers/timeout.ts";
import { TestClient } from "../helpers/wire.ts";

const ROOT = new URL("../../", import.meta.url);
const UNIT = await Deno.readTextFile(new URL("deploy/chat.service", ROOT));
const HAPROXY_CFG = new URL("deploy/haproxy.cfg", ROOT).pathname;
const decoder = new TextDecoder();

/** Where the unit expects the binary; tests point a copy of the unit elsewhere. */
const UNIT_BINARY = "/usr/local/bin/chat";
/** The highest `systemd-analyze security` exposure accepted (0 best, 10 worst; "OK" is < 2). */
const MAX_EXPOSURE = 2.0;

const noSystemdAnalyze = await commandUnavailable("systemd-analyze", ["--version"]);
const noHaproxy = await commandUnavailable("haproxy", ["-v"]);

/** The values of `key=` in the unit, in order (a key may repeat). */
function unitValues(key: string): string[] {
  return UNIT.split("\n")
    .filter((line) => line.startsWith(`${key}=`))
    .map((line) => line.slice(key.length + 1));
}

function execStart(): string[] {
  const [line, ...more] = unitValues("ExecStart");
  assert.ok(line !== undefined && more.length === 0, "one ExecStart line");
  return line.split(/\s+/);
}

/** Writes a copy of the unit whose ExecStart runs `binary`; returns the copy's path. */
async function unitCopy(dir: string, binary: string): Promise<string> {
  assert.ok(UNIT.includes(`ExecStart=${UNIT_BINARY} `), `ExecStart runs ${UNIT_BINARY}`);
  const path = `${dir}/chat.service`;
  await Deno.writeTextFile(path, UNIT.replace(`ExecStart=${UNIT_BINARY} `, `ExecStart=${binary} `));
  return path;
}

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "chat-deploy-test-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function run(command: string, args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(command, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

Deno.test({
  name: "chat.service passes systemd-analyze verify without a warning",
  ignore: skipWhen("systemd-analyze verify of chat.service", noSystemdAnalyze),
  fn: () =>
    withTempDir(async (dir) => {
      const standIn = `${dir}/chat`;
      await Deno.writeTextFile(standIn, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
      const good = await run("systemd-analyze", ["verify", await unitCopy(dir, standIn)]);
      assert.equal(good.code, 0, good.stderr);
      assert.equal(good.stderr.trim(), "", "no warnings");

      // The check means something: a unit whose binary is missing fails it.
      const bad = await run("systemd-analyze", ["verify", await unitCopy(dir, `${dir}/missing`)]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /is not executable/);
    }),
});

Deno.test({
  name: "chat.service is sandboxed: systemd-analyze security rates its exposure OK",
  ignore: skipWhen("systemd-analyze security of chat.service", noSystemdAnalyze),
  fn: () =>
    withTempDir(async (dir) => {
      const standIn = `${dir}/chat`;
      await Deno.writeTextFile(standIn, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
      const review = await run("systemd-analyze", [
        "security",
        "--offline=true",
        await unitCopy(dir, standIn),
      ]);
      assert.equal(review.code, 0, review.stderr);
      const level = /Overall exposure level for chat\.service: (\d+(?:\.\d+)?)/.exec(review.stdout);
      assert.ok(level, `an overall exposure level in: ${review.stdout.slice(-300)}`);
      assert.ok(Number(level[1]) <= MAX_EXPOSURE, `exposure ${level[1]} <= ${MAX_EXPOSURE}`);
    }),
});

Deno.test("chat.service: the sandbox settings, the restart and reload policy and the --db folder", () => {
  for (
    const [key, value] of [
      ["DynamicUser", "yes"],
      ["ProtectSystem", "strict"],
      ["NoNewPrivileges", "yes"],
      ["ProtectHome", "yes"],
      ["PrivateTmp", "yes"],
      ["CapabilityBoundingSet", ""],
      ["Restart", "on-failure"],
      ["StateDirectory", "chat"],
      ["KillSignal", "SIGTERM"],
      ["ExecReload", "/bin/kill -HUP $MAINPID"],
    ]
  ) {
    assert.deepEqual(unitValues(key), [value], `${key}=${value}`);
  }
  const args = execStart();
  assert.deepEqual(args.slice(0, 2), [UNIT_BINARY, "server"]);
  const db = args[args.indexOf("--db") + 1];
  assert.ok(args.includes("--db"), "ExecStart names --db");
  assert.equal(db, "/var/lib/chat/chat.db", "--db lives in the StateDirectory, the only writable");
  assert.deepEqual(unitValues("WorkingDirectory"), ["/var/lib/chat"]);
});

Deno.test({
  name: "chat.service's command line is one chat server accepts",
  ignore: skipWhen(
    "parsing chat.service's ExecStart",
    SERVER_USAGE.includes("--db") ? null : "--db is not among this build's server options yet",
  ),
  fn: () => {
    const parsed = parseServerArgs(execStart().slice(2));
    assert.equal(parsed.kind, "run");
    assert.equal(parsed.options.port, 5000);
  },
});

Deno.test({
  name: "the HAProxy example passes haproxy -c",
  ignore: skipWhen("haproxy -c of deploy/haproxy.cfg", noHaproxy),
  fn: async () => {
    const result = await run("haproxy", ["-c", "-f", HAPROXY_CFG]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout + result.stderr, /Configuration file is valid/);
  },
});

/**
 * The example config pointed at this machine: the frontend on 127.0.0.1:front, the two backend
 * servers on 127.0.0.1 and the given ports; everything else as shipped. Added: a frontend on
 * 127.0.0.1:probe that closes every connection, to learn that HAProxy listens without opening a
 * connection to an instance (which would skew leastconn).
 */
function localHaproxyConfig(
  text: string,
  front: number,
  probe: number,
  backends: readonly number[],
): string {
  let index = 0;
  const local = text
    .replace(/^(\s*)bind :5000$/m, `$1bind 127.0.0.1:${front}`)
    .replace(/^(\s*server \S+) \S+$/gm, (_line, start: string) => {
      const port = backends[index++];
      return `${start} 127.0.0.1:${port}`;
    });
  assert.ok(local.includes(`bind 127.0.0.1:${front}`), "the example binds :5000");
  assert.equal(index, backends.length, `the example has ${backends.length} servers`);
  return `${local}
frontend readiness_probe
    bind 127.0.0.1:${probe}
    tcp-request connection reject
`;
}

/** Connects until something listens on 127.0.0.1:port (HAProxy prints nothing when ready). */
async function waitForListener(port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  throw new TimeoutError(`haproxy to listen on port ${port}`, ms);
}

Deno.test({
  name: "the HAProxy example in front of two chat --redis instances carries a message across",
  ignore: skipWhen(
    "two chat instances behind haproxy",
    firstReason(noHaproxy, await redisUnavailableReason()),
  ),
  fn: () =>
    withRedis((redis) =>
      withTempDir(async (dir) => {
        const instances: ChatServerProcess[] = [];
        let haproxy: Deno.ChildProcess | null = null;
        const clients: TestClient[] = [];
        try {
          for (const id of ["chat-a", "chat-b"]) {
            const extra = ["--redis", redis.url, "--instance-id", id, "--idle-timeout", "90"];
            instances.push(await startChatServer(sourceCommand(), extra));
          }
          const front = freePort();
          const probe = freePort();
          const config = `${dir}/haproxy.cfg`;
          const shipped = await Deno.readTextFile(HAPROXY_CFG);
          const ports = instances.map((instance) => instance.port);
          await Deno.writeTextFile(config, localHaproxyConfig(shipped, front, probe, ports));
          haproxy = new Deno.Command("haproxy", {
            args: ["-db", "-f", config],
            stdin: "null",
            stdout: "null",
            stderr: "piped",
          }).spawn();
          const haproxyErrors = new Response(haproxy.stderr).text();
          try {
            await waitForListener(probe, 10_000);
          } catch (error) {
            haproxy.kill("SIGKILL");
            throw new Error(`${error}; haproxy said: ${await haproxyErrors}`);
          }

          const alice = await TestClient.connect({ hostname: "127.0.0.1", port: front });
          clients.push(alice);
          await alice.login("alice");
          const bob = await TestClient.connect({ hostname: "127.0.0.1", port: front });
          clients.push(bob);
          await bob.login("bob");
          await alice.waitForNotice("bob joined");
          await bob.say("hello through haproxy");
          await alice.waitForMessage("bob", "hello through haproxy");

          // leastconn put them on different instances: each printed one local join.
          const joins = await Promise.all(instances.map(async (instance) => {
            const line = await instance.process.stdout.waitFor(
              (l) => / (alice|bob) joined from 127\.0\.0\.1:/.test(l),
              "a join line",
            );
            return / (alice|bob) joined from 127\.0\.0\.1:/.exec(line)?.[1];
          }));
          assert.deepEqual(joins.sort(), ["alice", "bob"], "one user on each instance");
        } finally {
          for (const client of clients) await client.close();
          if (haproxy !== null) {
            try {
              haproxy.kill("SIGKILL");
            } catch {
              // Already exited.
            }
            await haproxy.status;
            await haproxy.stderr.cancel().catch(() => {});
          }
          for (const instance of instances) await instance.process.interrupt();
        }
      })
    ),
});
