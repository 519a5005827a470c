/**
 * A real HAProxy health-checking two servers' `/readyz` (the setup docs/operations.md shows): an
 * instance that starts draining is taken out at once, and every new client lands on the other one
 * while the draining instance still serves the clients it has.
 */

import assert from "node:assert/strict";
import type { ChatServer } from "../../server/mod.ts";
import { commandUnavailable, skipWhen } from "../helpers/platform.ts";
import { freePort, httpGet, pollUntil } from "../helpers/prometheus.ts";
import { CapturedConsole, testServerOptions } from "../helpers/server.ts";
import { startServer } from "../../server/mod.ts";
import { TestClient } from "../helpers/wire.ts";

const noHaproxy = await commandUnavailable("haproxy", ["-v"]);

/** HAProxy in TCP mode in front of `servers`, checking `/readyz` every 100 ms. */
function haproxyConfig(front: number, stats: number, servers: readonly ChatServer[]): string {
  const lines = servers.map((server, i) =>
    `    server chat${i} 127.0.0.1:${server.addr.port} check port ${server.metricsAddr?.port}`
  );
  return `defaults
    mode tcp
    timeout connect 2s
    timeout client 30s
    timeout server 30s

frontend chat
    bind 127.0.0.1:${front}
    default_backend chat

backend chat
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 100ms fall 1 rise 1
${lines.join("\n")}

frontend stats
    mode http
    bind 127.0.0.1:${stats}
    stats enable
    stats uri /stats
`;
}

/** Each server's state (`UP`, `DOWN`, ...) from HAProxy's CSV stats. */
async function serverStates(stats: number): Promise<Map<string, string>> {
  const { body } = await httpGet(`http://127.0.0.1:${stats}/stats;csv`);
  const states = new Map<string, string>();
  for (const line of body.split("\n")) {
    const cells = line.split(",");
    if (cells[0] === "chat" && cells[1].startsWith("chat")) states.set(cells[1], cells[17]);
  }
  return states;
}

Deno.test({
  name: "HAProxy checking /readyz sends no new client to a draining instance",
  sanitizeOps: true,
  sanitizeResources: true,
  ignore: skipWhen("the load balancer test", noHaproxy),
  fn: async () => {
    const servers: ChatServer[] = [];
    const consoles = [new CapturedConsole(), new CapturedConsole()];
    const clients: TestClient[] = [];
    const dir = await Deno.makeTempDir({ prefix: "chat-lb-" });
    let haproxy: Deno.ChildProcess | null = null;
    let draining: Promise<void> | null = null;
    try {
      for (const console of consoles) {
        const options = testServerOptions({ metrics: { hostname: "127.0.0.1", port: 0 } });
        servers.push(await startServer(options, { console }));
      }
      const front = freePort();
      const stats = freePort();
      await Deno.writeTextFile(`${dir}/haproxy.cfg`, haproxyConfig(front, stats, servers));
      haproxy = new Deno.Command("haproxy", {
        args: ["-db", "-f", `${dir}/haproxy.cfg`],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      const bothUp = async () => {
        try {
          const states = await serverStates(stats);
          return states.get("chat0") === "UP" && states.get("chat1") === "UP";
        } catch {
          return false;
        }
      };
      await pollUntil(bothUp, 10_000, "haproxy to see both instances up");
      const login = async (name: string) => {
        const client = await TestClient.connect({ hostname: "127.0.0.1", port: front });
        clients.push(client);
        await client.login(name);
        return client;
      };
      // Round robin: one on each.
      const first = await login("first");
      const second = await login("second");
      assert.deepEqual(servers.map((s) => s.onlineNames().length), [1, 1]);
      const stay = servers[0].onlineNames()[0] === "first" ? first : second;
      draining = servers[0].shutdown({ drainSeconds: 30 });
      assert.equal(
        (await httpGet(`http://127.0.0.1:${servers[0].metricsAddr?.port}/readyz`)).status,
        503,
      );
      await pollUntil(
        async () => (await serverStates(stats)).get("chat0") === "DOWN",
        5000,
        "haproxy to take the draining instance out",
      );
      for (let i = 0; i < 4; i++) await login(`late${i}`);
      assert.deepEqual(
        servers[1].onlineNames().filter((n) => n.startsWith("late")),
        ["late0", "late1", "late2", "late3"],
        "every new client went to the instance that is ready",
      );
      // The draining instance still serves the client it had.
      await stay.say("/users");
      assert.match((await stay.waitForNotice("Online (")).message, /^Online \(1\)/);
    } finally {
      for (const client of clients) await client.close();
      if (haproxy !== null) {
        try {
          haproxy.kill("SIGKILL");
        } catch {
          // Already exited.
        }
        await haproxy.status;
      }
      await Promise.all(servers.map((s) => s.shutdown()));
      await draining;
      await Deno.remove(dir, { recursive: true });
    }
  },
});
