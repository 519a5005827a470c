import assert from "node:assert/strict";
import { sourceCommand } from "../../scripts/chat_process.ts";
import { startChatServer } from "../../kit/chat_process.ts";
import { SHUTDOWN_NOTICE } from "../../server/notices.ts";
import { childSignalUnavailable, skipWhen } from "../helpers/platform.ts";
import { withTimeout } from "../helpers/timeout.ts";
import { TestClient } from "../helpers/wire.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

const CLIENTS = 1000;
const SENDERS = 10;
const SEND_INTERVAL_MS = 50;

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

Deno.test(
  "SIGTERM under load: every client is told, nothing accepted is lost, exit within 5 s",
  { ...opts, ignore: skipWhen("SIGTERM under load", childSignalUnavailable("SIGTERM")) },
  async () => {
    const { process, port } = await startChatServer(sourceCommand(), [
      "--max-clients-per-ip",
      "0",
      "--flood-rate",
      "0",
    ]);
    const clients: TestClient[] = [];
    let stop = false;
    try {
      for (let i = 0; i < CLIENTS; i += 100) {
        const batch = await Promise.all(
          Array.from({ length: 100 }, () => TestClient.connect({ hostname: "127.0.0.1", port })),
        );
        clients.push(...batch);
        await Promise.all(batch.map((c, j) => c.login(`u${i + j}`, "", 20_000)));
      }
      const senders = clients.slice(0, SENDERS);
      const sent = new Map<string, number>();
      const loops = senders.map(async (sender) => {
        let seq = 0;
        while (!stop) {
          try {
            await sender.say(`m ${seq + 1}`);
          } catch {
            return; // the server is gone
          }
          seq++;
          sent.set(sender.name, seq);
          await pause(SEND_INTERVAL_MS);
        }
      });
      // Chat for a while, then signal in the middle of it.
      await pause(1500);
      const signalled = performance.now();
      process.signal("SIGTERM");
      const status = await withTimeout(process.child.status, 15_000, "the server to exit");
      const exitMs = performance.now() - signalled;
      stop = true;
      await Promise.all(loops);
      assert.equal(status.code, 0);
      assert.ok(exitMs < 5000, `the server took ${Math.round(exitMs)} ms to exit`);

      // Every client hears the notice last, then the close.
      await Promise.all(clients.map((c) => c.expectClosed(15_000)));
      const missing = clients.filter((c) => {
        const last = c.received.at(-1);
        return last === undefined || last.username !== "" || last.message !== SHUTDOWN_NOTICE;
      });
      assert.deepEqual(missing.map((c) => c.name), [], "clients without the shutdown notice last");

      // What the server accepted from each sender reached everyone, in order, without gaps.
      const summary: string[] = [];
      for (const sender of senders) {
        const counts = new Set<number>();
        for (const client of clients) {
          if (client === sender) continue;
          const seqs = client.received
            .filter((f) => f.username === sender.name)
            .map((f) => Number(f.message.slice(2)));
          seqs.forEach((seq, i) => assert.equal(seq, i + 1, `${client.name} from ${sender.name}`));
          counts.add(seqs.length);
        }
        assert.equal(counts.size, 1, `${sender.name}'s messages reached some but not all`);
        const delivered = [...counts][0];
        assert.ok(delivered > 0, `${sender.name} got nothing through before the signal`);
        assert.ok(delivered <= (sent.get(sender.name) ?? 0));
        summary.push(`${sender.name} ${delivered}/${sent.get(sender.name)}`);
      }
      console.log(
        `exit ${Math.round(exitMs)} ms after SIGTERM; delivered/sent: ${summary.join(", ")}`,
      );
    } finally {
      stop = true;
      await Promise.all(clients.map((c) => c.close()));
      await process.kill();
    }
  },
);
