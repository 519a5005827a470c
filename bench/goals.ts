/**
 * The performance goals (docs/performance.md), checked against the medians of an invocation:
 * our server against the better of the IRC servers measured in the same run. A goal whose
 * profile or targets were not run is reported as not measured, never as met.
 * @module
 */

import { type Profile, PROFILES } from "./profiles.ts";
import { type IdleResult, isMeasured, type ReportRow, type TrafficResult } from "./results.ts";
import { medianOf } from "./table.ts";

/** One goal's verdict. */
export interface GoalVerdict {
  goal: string;
  /** "met", "missed", or "not measured". */
  status: "met" | "missed" | "not measured";
  detail: string;
}

/**
 * Checks every goal of the issue against the rows. `profiles` are the profiles as run: a profile
 * whose numbers were overridden on the command line is not the issue's, so its goals are not
 * measured.
 */
export function checkGoals(rows: ReportRow[], profiles: readonly Profile[]): GoalVerdict[] {
  const asIssued = (name: string) =>
    profiles.some((p) => p.name === name && sameWorkload(p, PROFILES[p.name]));
  const traffic = (profile: string, target: string) => {
    if (!asIssued(profile)) return null;
    const m = medianFor(rows, profile, target);
    return m?.kind === "traffic" ? m : null;
  };
  const idle = (target: string) => {
    if (!asIssued("idle-10k")) return null;
    const m = medianFor(rows, "idle-10k", target);
    return m?.kind === "idle" ? m : null;
  };
  const verdicts: GoalVerdict[] = [];

  const sat = traffic("saturate", "chat");
  const satIrc = [traffic("saturate", "ngircd"), traffic("saturate", "inspircd")]
    .filter((r): r is TrafficResult => r !== null);
  if (sat === null || satIrc.length === 0) {
    verdicts.push(notMeasured("saturate: deliveries/s at least 2x the better IRC server"));
  } else {
    const best = Math.max(...satIrc.map((r) => r.deliveriesPerSecond));
    const ratio = sat.deliveriesPerSecond / best;
    verdicts.push({
      goal: "saturate: deliveries/s at least 2x the better IRC server",
      status: ratio >= 2 ? "met" : "missed",
      detail: `${round(sat.deliveriesPerSecond)} vs ${round(best)} = ${ratio.toFixed(2)}x`,
    });
  }

  verdicts.push(...ircDoorGoals(traffic));

  const big = traffic("fanout-big", "chat");
  verdicts.push(
    big === null ? notMeasured("fanout-big: 0 lost, p99 under 50 ms") : {
      goal: "fanout-big: 0 lost, p99 under 50 ms",
      status: big.lost === 0 && big.p99Micros < 50_000 ? "met" : "missed",
      detail: `lost ${big.lost}, p99 ${(big.p99Micros / 1000).toFixed(2)} ms`,
    },
  );
  verdicts.push(
    big === null ? notMeasured("fanout-big: server CPU at most 1.2 µs per delivery") : {
      goal: "fanout-big: server CPU at most 1.2 µs per delivery",
      status: big.serverCpuMicrosPerDelivery <= 1.2 ? "met" : "missed",
      detail: `${big.serverCpuMicrosPerDelivery.toFixed(2)} µs`,
    },
  );

  verdicts.push(webGoal(big, traffic("fanout-web", "chat")));

  const small = traffic("fanout-small", "chat");
  verdicts.push(
    small === null ? notMeasured("fanout-small: p50 latency at most 2 ms") : {
      goal: "fanout-small: p50 latency at most 2 ms",
      status: small.p50Micros <= 2000 ? "met" : "missed",
      detail: `p50 ${(small.p50Micros / 1000).toFixed(2)} ms`,
    },
  );

  const idleChat: IdleResult | null = idle("chat");
  verdicts.push(
    idleChat === null
      ? notMeasured("idle-10k: all 10,000 logged in within 30 s, join notices on")
      : {
        goal: "idle-10k: all 10,000 logged in within 30 s, join notices on",
        status: idleChat.loggedIn === idleChat.clients && idleChat.loginSeconds <= 30 &&
            idleChat.joinNotices === idleChat.expectedJoinNotices
          ? "met"
          : "missed",
        detail: `${idleChat.loggedIn}/${idleChat.clients} in ${
          idleChat.loginSeconds.toFixed(1)
        } s, join notices ${idleChat.joinNotices}/${idleChat.expectedJoinNotices}`,
      },
  );
  verdicts.push(
    idleChat === null ? notMeasured("idle-10k: at most 8 KiB per idle connection") : {
      goal: "idle-10k: at most 8 KiB per idle connection",
      status: idleChat.bytesPerIdleConnection <= 8192 ? "met" : "missed",
      detail: `${(idleChat.bytesPerIdleConnection / 1024).toFixed(2)} KiB`,
    },
  );
  verdicts.push(...historyGoals(traffic, idle));
  return verdicts;
}

/**
 * The history variant's goals (`chat-history`: history on a SQLite file, replay 50) against our
 * server with history off (`chat`) in the same run.
 */
function historyGoals(
  traffic: (profile: string, target: string) => TrafficResult | null,
  idle: (target: string) => IdleResult | null,
): GoalVerdict[] {
  const verdicts: GoalVerdict[] = [];
  const off = traffic("saturate", "chat");
  const on = traffic("saturate", "chat-history");
  const saturateGoal = "history: saturate deliveries/s at least 90% of history off";
  if (off === null || on === null) verdicts.push(notMeasured(saturateGoal));
  else {
    const ratio = on.deliveriesPerSecond / off.deliveriesPerSecond;
    verdicts.push({
      goal: saturateGoal,
      status: ratio >= 0.9 ? "met" : "missed",
      detail: `${round(on.deliveriesPerSecond)} vs ${round(off.deliveriesPerSecond)} = ${
        (ratio * 100).toFixed(1)
      }%`,
    });
  }
  const big = traffic("fanout-big", "chat-history");
  const bigGoal = "history: fanout-big 0 lost, p99 under 50 ms, at most 1.2 µs CPU per delivery";
  verdicts.push(
    big === null ? notMeasured(bigGoal) : {
      goal: bigGoal,
      status: big.lost === 0 && big.p99Micros < 50_000 && big.serverCpuMicrosPerDelivery <= 1.2
        ? "met"
        : "missed",
      detail: `lost ${big.lost}, p99 ${(big.p99Micros / 1000).toFixed(2)} ms, ${
        big.serverCpuMicrosPerDelivery.toFixed(2)
      } µs`,
    },
  );
  const storm = idle("chat-history");
  const stormGoal = "history: idle-10k all logged in within 30 s, each with its replay";
  verdicts.push(
    storm === null ? notMeasured(stormGoal) : {
      goal: stormGoal,
      status: storm.loggedIn === storm.clients && storm.loginSeconds <= 30 &&
          storm.replays === storm.clients
        ? "met"
        : "missed",
      detail: `${storm.loggedIn}/${storm.clients} in ${
        storm.loginSeconds.toFixed(1)
      } s, replays ${storm.replays}`,
    },
  );
  const memoryGoal = "history: idle-10k at most 10 KiB per idle connection";
  verdicts.push(
    storm === null ? notMeasured(memoryGoal) : {
      goal: memoryGoal,
      status: storm.bytesPerIdleConnection <= 10_240 ? "met" : "missed",
      detail: `${(storm.bytesPerIdleConnection / 1024).toFixed(2)} KiB`,
    },
  );
  return verdicts;
}

/**
 * Our IRC door (`chat-irc`) on the IRC servers' own workload, driven by the same IRC clients:
 * saturate at least 2x the better IRC server's deliveries/s; fanout-big with nothing lost and at
 * most 0.8x the server CPU per delivery of the better (cheaper) IRC server.
 */
function ircDoorGoals(
  traffic: (profile: string, target: string) => TrafficResult | null,
): GoalVerdict[] {
  const ircServers = (profile: string) =>
    [traffic(profile, "ngircd"), traffic(profile, "inspircd")]
      .filter((r): r is TrafficResult => r !== null);
  const verdicts: GoalVerdict[] = [];
  const satGoal = "chat-irc saturate: deliveries/s at least 2x the better IRC server";
  const sat = traffic("saturate", "chat-irc");
  const satIrc = ircServers("saturate");
  if (sat === null || satIrc.length === 0) verdicts.push(notMeasured(satGoal));
  else {
    const best = Math.max(...satIrc.map((r) => r.deliveriesPerSecond));
    const ratio = sat.deliveriesPerSecond / best;
    verdicts.push({
      goal: satGoal,
      status: ratio >= 2 ? "met" : "missed",
      detail: `${round(sat.deliveriesPerSecond)} vs ${round(best)} = ${ratio.toFixed(2)}x`,
    });
  }
  const bigGoal = "chat-irc fanout-big: 0 lost, server CPU per delivery at most 0.8x the " +
    "better IRC server's";
  const big = traffic("fanout-big", "chat-irc");
  const bigIrc = ircServers("fanout-big");
  if (big === null || bigIrc.length === 0) verdicts.push(notMeasured(bigGoal));
  else {
    const best = Math.min(...bigIrc.map((r) => r.serverCpuMicrosPerDelivery));
    const ratio = big.serverCpuMicrosPerDelivery / best;
    verdicts.push({
      goal: bigGoal,
      status: big.lost === 0 && ratio <= 0.8 ? "met" : "missed",
      detail: `lost ${big.lost}; ${big.serverCpuMicrosPerDelivery.toFixed(2)} vs ` +
        `${best.toFixed(2)} µs = ${ratio.toFixed(2)}x`,
    });
  }
  return verdicts;
}

/** How far a figure of the half-WebSocket run may fall behind the TCP-only run. */
const WEB_TOLERANCE = 0.2;

/**
 * fanout-web (every other client on /ws) against fanout-big (all on TCP), the same workload:
 * nothing lost or reordered, and no figure more than 20% worse.
 */
function webGoal(tcp: TrafficResult | null, web: TrafficResult | null): GoalVerdict {
  const goal = "fanout-web: 0 lost or reordered; deliveries/s, p50, p99 and CPU/delivery " +
    "within 20% of fanout-big";
  if (tcp === null || web === null) return notMeasured(goal);
  const worse = [
    ["deliveries/s", tcp.deliveriesPerSecond / web.deliveriesPerSecond],
    ["p50", web.p50Micros / tcp.p50Micros],
    ["p99", web.p99Micros / tcp.p99Micros],
    ["CPU/delivery", web.serverCpuMicrosPerDelivery / tcp.serverCpuMicrosPerDelivery],
  ] as const;
  const missed = worse.filter(([, ratio]) => !(ratio <= 1 + WEB_TOLERANCE));
  return {
    goal,
    status: web.lost === 0 && web.outOfOrder === 0 && missed.length === 0 ? "met" : "missed",
    detail: `lost ${web.lost}, out of order ${web.outOfOrder}; ` +
      worse.map(([name, ratio]) => `${name} ${ratio.toFixed(2)}x`).join(", ") +
      " (1.00x = as good as TCP)",
  };
}

function medianFor(rows: ReportRow[], profile: string, target: string) {
  const row = rows.find((r) => r.profile === profile && r.target === target);
  if (row === undefined) return null;
  return medianOf(
    row.runs.filter(isMeasured),
  );
}

function notMeasured(goal: string): GoalVerdict {
  return {
    goal,
    status: "not measured",
    detail: "profile (as the issue defines it) or targets not in this run",
  };
}

function sameWorkload(a: Profile, b: Profile): boolean {
  return a.clients === b.clients && a.senders === b.senders && a.rate === b.rate &&
    a.payloadBytes === b.payloadBytes && a.durationSeconds === b.durationSeconds &&
    a.warmupSeconds === b.warmupSeconds && (a.webShare ?? 0) === (b.webShare ?? 0);
}

function round(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}
