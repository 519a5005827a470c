/**
 * The soak run: a chat server in its own process, a steady crowd of clients chatting at a fixed
 * rate for a given time, short-lived clients joining and leaving throughout, and at the end the
 * ledger's verdict and the server's memory.
 * @module
 */

import { startChatServer } from "../kit/chat_process.ts";
import { memory } from "../kit/proc.ts";
import { WireClient } from "../kit/wire_client.ts";
import { Ledger, type LedgerTotals } from "./ledger.ts";

/** How to soak. */
export interface SoakOptions {
  /** Clients connected for the whole run (default 50). */
  clients: number;
  /** Seconds of chatting (default 110, so the whole run takes about 2 minutes). */
  durationSeconds: number;
  /** Messages per second each client sends (default 1). */
  rate: number;
  /** Milliseconds between short-lived clients joining (default 1000; 0: none). */
  churnIntervalMs: number;
  /** Largest growth of the server's RSS allowed from after warm-up to the end, in MiB (default 64). */
  maxRssGrowthMiB: number;
}

/** Defaults that finish in about two minutes. */
export const DEFAULT_SOAK_OPTIONS: Readonly<SoakOptions> = {
  clients: 50,
  durationSeconds: 110,
  rate: 1,
  churnIntervalMs: 1000,
  maxRssGrowthMiB: 64,
};

/** What a soak found. */
export interface SoakReport extends LedgerTotals {
  /** Clients connected throughout. */
  stayed: number;
  /** Short-lived clients that joined and left. */
  churned: number;
  /** Server RSS right after it started, after the crowd logged in, and at the end (bytes). */
  rssStart: number;
  rssWarm: number;
  rssEnd: number;
  /** Every reason the run failed; empty when it passed. */
  failures: string[];
}

/** The chat program, run from source with the network only. */
const CHAT = [
  Deno.execPath(),
  "run",
  "--allow-net",
  new URL("../main.ts", import.meta.url).href,
];

/** How long the end waits for the last messages to arrive. */
const SETTLE_MS = 10_000;

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `12.3 MiB`. */
export function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** The server's resident memory (VmRSS), read from outside through /proc. */
async function residentBytes(pid: number): Promise<number> {
  return (await memory(pid)).rssBytes;
}

/** One soak client: reads all the time (never a slow reader), every frame to the ledger. */
interface SoakClient {
  readonly name: string;
  readonly wire: WireClient;
  /** Resolves when the server closed the connection (or it failed). */
  readonly ended: Promise<void>;
}

/** Sends /quit and waits for the server to close the connection. */
async function quit(client: SoakClient): Promise<void> {
  await client.wire.say("/quit").catch(() => {});
  await client.ended;
  await client.wire.close();
}

/** Runs a soak; `log` gets progress lines. Never throws for a finding: it goes in `failures`. */
export async function runSoak(
  options: SoakOptions,
  log: (line: string) => void = () => {},
): Promise<SoakReport> {
  const ledger = new Ledger();
  const failures: string[] = [];
  const args = ["--max-clients-per-ip", "0"];
  if (options.rate > 8) args.push("--flood-rate", "0");
  const { process, port } = await startChatServer(CHAT, args);
  const pid = process.pid;
  const stable: SoakClient[] = [];
  const churners = new Set<Promise<void>>();
  const timers: ReturnType<typeof setInterval>[] = [];
  let running = true;
  let churned = 0;
  try {
    const rssStart = await residentBytes(pid);
    const connectClient = async (name: string): Promise<SoakClient> => {
      let welcomed: () => void = () => {};
      const welcome = new Promise<void>((resolve) => welcomed = resolve);
      const wire = await WireClient.connect({ hostname: "127.0.0.1", port });
      wire.name = name;
      const ended = wire.readEach((frame) => {
        if (frame.username === "") {
          if (frame.message.startsWith("Welcome,")) welcomed();
          return;
        }
        ledger.received(name, frame.username, Number(frame.message));
      });
      const client: SoakClient = { name, wire, ended };
      await wire.say("").catch(() => {});
      try {
        await Promise.race([
          welcome,
          client.ended.then(() => {
            throw new Error(`${name} was refused`);
          }),
        ]);
      } catch (error) {
        await wire.close();
        throw error;
      }
      return client;
    };
    const startSending = (client: SoakClient): ReturnType<typeof setInterval> => {
      let seq = 0;
      const tick = () => {
        seq++;
        ledger.sent(client.name, seq);
        client.wire.say(String(seq)).catch(() => {});
      };
      return setInterval(tick, 1000 / options.rate);
    };

    for (let i = 0; i < options.clients; i += 50) {
      const batch = Array.from(
        { length: Math.min(50, options.clients - i) },
        (_, j) => connectClient(`s${i + j}`),
      );
      stable.push(...await Promise.all(batch));
    }
    const rssWarm = await residentBytes(pid);
    log(`${options.clients} clients in; server RSS ${formatMiB(rssWarm)}`);
    let lostEarly = false;
    for (const client of stable) {
      client.ended.then(() => {
        if (running && !lostEarly) {
          lostEarly = true;
          failures.push(`${client.name} was disconnected during the run`);
        }
      });
      // Spread the senders over the first interval so the load is steady.
      await pause(1000 / options.rate / options.clients);
      timers.push(startSending(client));
    }
    if (options.churnIntervalMs > 0) {
      timers.push(setInterval(() => {
        const name = `c${churned++}`;
        const lifeMs = 1000 + Math.random() * 4000;
        const life = (async () => {
          const client = await connectClient(name);
          const timer = startSending(client);
          await pause(lifeMs);
          clearInterval(timer);
          await quit(client);
        })().catch((error) => {
          failures.push(`short-lived ${name}: ${error instanceof Error ? error.message : error}`);
        });
        churners.add(life);
        life.finally(() => churners.delete(life));
      }, options.churnIntervalMs));
    }

    const started = Date.now();
    const endAt = started + options.durationSeconds * 1000;
    let nextReport = started + 10_000;
    while (Date.now() < endAt) {
      await pause(Math.min(1000, endAt - Date.now()));
      if (Date.now() >= nextReport) {
        nextReport += 10_000;
        const t = ledger.totals([], []);
        const rss = await residentBytes(pid);
        log(
          `t=${
            Math.round((Date.now() - started) / 1000)
          }s sent ${t.sent} delivered ${t.delivered} ` +
            `server RSS ${formatMiB(rss)}`,
        );
      }
    }
    for (const timer of timers.splice(0)) clearInterval(timer);
    await Promise.all([...churners]);

    const names = [
      ...stable.map((c) => c.name),
      ...Array.from({ length: churned }, (_, i) => `c${i}`),
    ];
    const stayed = stable.map((c) => c.name);
    const settleBy = Date.now() + SETTLE_MS;
    while (ledger.totals(stayed, names).lost > 0 && Date.now() < settleBy) await pause(50);
    const rssEnd = await residentBytes(pid);
    running = false;
    const totals = ledger.totals(stayed, names);

    if (totals.lost > 0) failures.push(`${totals.lost} message(s) lost`);
    if (totals.duplicated > 0) failures.push(`${totals.duplicated} message(s) duplicated`);
    if (totals.outOfOrder > 0) failures.push(`${totals.outOfOrder} message(s) out of order`);
    const growth = rssEnd - rssWarm;
    if (growth > options.maxRssGrowthMiB * 1024 * 1024) {
      failures.push(
        `server RSS grew by ${formatMiB(growth)}, over the bound of ${options.maxRssGrowthMiB} MiB`,
      );
    }
    await Promise.all(stable.map(quit));
    const code = await process.interrupt();
    if (code !== 0) failures.push(`the server exited with code ${code}`);
    return {
      ...totals,
      stayed: stable.length,
      churned,
      rssStart,
      rssWarm,
      rssEnd,
      failures,
    };
  } finally {
    running = false;
    for (const timer of timers) clearInterval(timer);
    await Promise.all([...churners]);
    await Promise.all(stable.map((c) => c.wire.close()));
    await process.kill();
  }
}

/** The report, a few lines for a terminal or a CI log. */
export function formatReport(options: SoakOptions, report: SoakReport): string {
  const lines = [
    `soak: ${report.stayed} clients for ${options.durationSeconds} s at ${options.rate} msg/s each, ` +
    `${report.churned} more joined and left`,
    `sent ${report.sent}, delivered ${report.delivered}, lost ${report.lost}, ` +
    `duplicated ${report.duplicated}, out of order ${report.outOfOrder}`,
    `server RSS: start ${formatMiB(report.rssStart)}, after login ${formatMiB(report.rssWarm)}, ` +
    `end ${formatMiB(report.rssEnd)} (growth bound ${options.maxRssGrowthMiB} MiB)`,
    report.failures.length === 0 ? "PASS" : `FAIL: ${report.failures.join("; ")}`,
  ];
  return lines.join("\n");
}
