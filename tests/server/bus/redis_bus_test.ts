/**
 * The pieces of the cluster bus below the room: the channel format, the `--redis` address, the
 * presence timing, and the Redis link's claims, renewals, sweep and snapshot against a real
 * redis-server (skipped, with the reason printed, where redis-server is not installed).
 */

import assert from "node:assert/strict";
import { systemClock } from "../../../server/clock.ts";
import { lastResortCollector } from "../../../server/heap_trim.ts";
import {
  BUS_FORMAT_VERSION,
  type BusEvent,
  BusMessageError,
  decodeBusEvent,
  encodeBusEvent,
} from "../../../server/bus/codec.ts";
import { ClusterUnavailableError, type LinkHandlers } from "../../../server/bus/link.ts";
import { presenceTiming } from "../../../server/bus/presence.ts";
import { LinkDownError, RedisLink } from "../../../server/bus/redis_link.ts";
import { parseRedisUrl, RedisUrlError } from "../../../server/bus/redis_url.ts";
import { checkClusterName, ClusterNameError } from "../../../server/bus/cluster_names.ts";
import {
  freePort,
  type RedisServer,
  redisUnavailableReason,
  withRedis,
} from "../../helpers/redis.ts";
import { skipWhen } from "../../helpers/platform.ts";
import { waitUntil } from "../../helpers/wire.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };
const redisOpts = {
  ...opts,
  ignore: skipWhen("Redis link tests", await redisUnavailableReason()),
};

Deno.test("every bus event survives encoding and decoding", opts, () => {
  const events: BusEvent[] = [
    { kind: "joined", instance: "a", key: "ünï", name: "Ünï" },
    { kind: "left", instance: "a", key: "bob", name: "Bob", reason: "quit" },
    { kind: "message", instance: "b", key: "bob", name: "Bob", text: 'hi "there"\n\u0000 ✓' },
    { kind: "action", instance: "b", key: "bob", name: "Bob", text: "waves" },
    {
      kind: "private",
      instance: "b",
      key: "bob",
      name: "Bob",
      to: "al",
      toInstance: "a",
      text: "psst",
    },
    { kind: "roster", instance: "c", users: [{ key: "x", name: "X" }] },
    { kind: "roster", instance: "c", users: [] },
  ];
  for (const event of events) assert.deepEqual(decodeBusEvent(encodeBusEvent(event)), event);
  assert.equal(JSON.parse(encodeBusEvent(events[0])).v, BUS_FORMAT_VERSION);
  // The link drops its own echo by this prefix, without parsing: the instance comes third.
  for (const event of events) {
    const text = encodeBusEvent(event);
    const prefix =
      `{"v":${BUS_FORMAT_VERSION},"kind":"${event.kind}","instance":"${event.instance}",`;
    assert.ok(text.startsWith(prefix), text);
  }
});

Deno.test("malformed or foreign channel messages are rejected with the reason", opts, () => {
  const bad: [string, RegExp][] = [
    ["not json", /not JSON/],
    ["[1]", /not an object/],
    ['{"v":2,"kind":"joined","instance":"a","key":"k","name":"n"}', /format version 2/],
    ['{"v":1,"kind":"joined","instance":"a","key":"k"}', /'name' is not a string/],
    ['{"v":1,"kind":"joined","instance":"","key":"k","name":"n"}', /empty instance/],
    ['{"v":1,"kind":"shout","instance":"a"}', /unknown kind "shout"/],
    ['{"v":1,"kind":"roster","instance":"a","users":{}}', /'users' is not an array/],
    ['{"v":1,"kind":"roster","instance":"a","users":[{"key":1}]}', /roster entry/],
  ];
  for (const [text, reason] of bad) {
    assert.throws(() => decodeBusEvent(text), (e: unknown) => {
      return e instanceof BusMessageError && reason.test(e.message);
    }, text);
  }
});

Deno.test("--redis addresses: defaults filled in, anything else refused clearly", opts, () => {
  assert.deepEqual(parseRedisUrl("redis://127.0.0.1:6390/2"), {
    host: "127.0.0.1",
    port: 6390,
    db: 2,
    url: "redis://127.0.0.1:6390/2",
  });
  assert.equal(parseRedisUrl("redis://cache.local").url, "redis://cache.local:6379/0");
  assert.equal(parseRedisUrl("redis://[::1]:7000").url, "redis://[::1]:7000/0");
  assert.equal(parseRedisUrl("redis://[::1]:7000").host, "::1");
  for (
    const text of [
      "",
      "127.0.0.1:6379",
      "rediss://h",
      "redis://u:p@h",
      "redis://h/x",
      "redis://h?a=1",
      "redis://h:0",
    ]
  ) {
    assert.throws(() => parseRedisUrl(text), RedisUrlError, text);
  }
});

Deno.test("instance ids and room names are limited to a safe alphabet", opts, () => {
  assert.equal(checkClusterName("instance id", "eu-1.a_b"), "eu-1.a_b");
  for (const bad of ["", "a b", "a:b", "x".repeat(65), "é"]) {
    assert.throws(() => checkClusterName("cluster room", bad), ClusterNameError);
  }
});

Deno.test("presence timing: a dead instance is noticed within the timeout", opts, () => {
  for (const timeoutMs of [2000, 15_000]) {
    const t = presenceTiming(timeoutMs);
    // Removed after deadAfter by a sweep (one heartbeat late at most), seen by every survivor
    // at its next heartbeat.
    assert.ok(t.deadAfterMs + 2 * t.heartbeatMs <= timeoutMs);
    assert.ok(t.deadAfterMs >= 2 * t.heartbeatMs, "two missed heartbeats are tolerated");
  }
});

/** Handlers that record what a link reports. */
function recorder() {
  const events: BusEvent[] = [];
  const states: string[] = [];
  const handlers: LinkHandlers = {
    event: (e) => events.push(e),
    badMessage: (reason) => states.push(`bad: ${reason}`),
    down: () => states.push("down"),
    up: () => states.push("up"),
  };
  return { events, states, handlers };
}

function link(redis: RedisServer, instanceId: string, timeoutMs = 2000): RedisLink {
  return new RedisLink({
    address: parseRedisUrl(redis.url),
    instanceId,
    room: "test",
    timing: presenceTiming(timeoutMs),
    clock: systemClock,
  });
}

/** What a link reported: the events it received and its state changes. */
type Recorder = ReturnType<typeof recorder>;

/**
 * Runs `body` with one link per id (presence timeout `timeoutMs`) on a fresh redis-server, each
 * started with its own recorder; every link is closed afterwards, in order.
 */
async function withLinks(
  ids: string[],
  timeoutMs: number,
  body: (linked: { redis: RedisServer; links: RedisLink[]; seen: Recorder[] }) => Promise<void>,
): Promise<void> {
  await withRedis(async (redis) => {
    const links = ids.map((id) => link(redis, id, timeoutMs));
    const seen = ids.map(() => recorder());
    const started: RedisLink[] = [];
    try {
      for (const [i, each] of links.entries()) {
        await each.start(seen[i].handlers);
        started.push(each);
      }
      await body({ redis, links, seen });
    } finally {
      for (const each of started) await each.close();
    }
  });
}

Deno.test(
  "claims are atomic and case keys are per instance; release only frees its own",
  redisOpts,
  async () => {
    await withLinks(["a", "b"], 2000, async ({ links: [a, b] }) => {
      const [first, second] = await Promise.all([a.claim("alice"), b.claim("alice")]);
      assert.equal(Number(first) + Number(second), 1, "exactly one claim wins");
      const [owner, other] = first ? [a, b] : [b, a];
      await other.release("alice");
      assert.equal(await other.claim("alice"), false, "another's release frees nothing");
      await owner.release("alice");
      assert.equal(await other.claim("alice"), true);
    });
  },
);

Deno.test(
  "joins and leaves are published to the others, never back to the sender",
  redisOpts,
  async () => {
    await withLinks(["a", "b"], 2000, async ({ links: [a, b], seen: [seenByA, seenByB] }) => {
      await a.register([]);
      await waitUntil(() => seenByB.events.length === 1, 3000, "b to see a's roster");
      seenByB.events.length = 0;
      assert.equal(await a.claim("al"), true);
      assert.equal(
        await a.joined({ kind: "joined", instance: "a", key: "al", name: "Al" }),
        true,
      );
      await a.publish({ kind: "message", instance: "a", key: "al", name: "Al", text: "hi" });
      await a.left({ kind: "left", instance: "a", key: "al", name: "Al", reason: "quit" });
      await waitUntil(() => seenByB.events.length === 3, 3000, "b to get 3 events");
      assert.deepEqual(seenByB.events.map((e) => e.kind), ["joined", "message", "left"]);
      assert.equal(seenByA.events.length, 0);
      // The leave freed the name and emptied the roster.
      assert.equal(await b.claim("al"), true);
      assert.deepEqual((await b.snapshot()).get("a"), []);
      // A join whose claim is gone is not announced.
      assert.equal(
        await a.joined({ kind: "joined", instance: "a", key: "al", name: "Al" }),
        false,
      );
    });
  },
);

Deno.test(
  "the heartbeat renews claims and reports names another instance owns",
  redisOpts,
  async () => {
    await withLinks(["a", "b"], 2000, async ({ links: [a, b] }) => {
      await a.claim("x");
      await b.claim("y");
      await a.register([{ key: "x", name: "X" }, { key: "z", name: "Z" }]);
      // z had no claim (as after a Redis restart): the heartbeat takes it; y is b's.
      const lost = await a.renew([{ key: "x", name: "X" }, { key: "y", name: "Y" }, {
        key: "z",
        name: "Z",
      }]);
      assert.deepEqual(lost, ["y"]);
      assert.equal(await b.claim("z"), false);
      const snapshot = await b.snapshot();
      assert.deepEqual(snapshot.get("a"), [{ key: "x", name: "X" }, { key: "z", name: "Z" }]);
    });
  },
);

Deno.test(
  "the sweep removes an instance that stopped its heartbeat, with its names",
  redisOpts,
  async () => {
    await withLinks(["dead", "alive"], 500, async ({ links: [dead, alive] }) => {
      await dead.claim("ghost");
      await dead.register([{ key: "ghost", name: "Ghost" }]);
      await alive.renew([]);
      assert.deepEqual((await alive.sweep()).sort(), ["alive", "dead"]);
      // `dead` stops renewing; `alive` keeps its heartbeat.
      const timing = presenceTiming(500);
      let live: string[] = [];
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline) {
        await alive.renew([]);
        live = await alive.sweep();
        if (!live.includes("dead")) break;
        await new Promise((resolve) => setTimeout(resolve, timing.heartbeatMs));
      }
      assert.deepEqual(live, ["alive"]);
      assert.equal(await alive.claim("ghost"), true, "the dead instance's name is free");
      assert.equal((await alive.snapshot()).has("dead"), false);
    });
  },
);

Deno.test("an instance id already in use by a live instance is refused", redisOpts, async () => {
  await withRedis(async (redis) => {
    const first = link(redis, "same", 500);
    await first.start(recorder().handlers);
    let beating = true;
    const heartbeat = (async () => {
      while (beating) {
        await first.renew([]);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    try {
      await first.register([]);
      const second = link(redis, "same", 500);
      await assert.rejects(
        second.start(recorder().handlers),
        (e: unknown) => e instanceof ClusterUnavailableError && /'same' is in use/.test(e.message),
      );
    } finally {
      beating = false;
      await heartbeat;
      await first.close();
    }
  });
});

Deno.test(
  "an instance restarted under its id after a crash takes over once the old heartbeat is stale",
  redisOpts,
  async () => {
    await withLinks(["phoenix", "other"], 500, async ({ redis, links: [crashed, other] }) => {
      const reborn = link(redis, "phoenix", 500);
      try {
        assert.equal(await crashed.claim("old"), true);
        await crashed.register([{ key: "old", name: "Old" }]);
        // `crashed` never beats again; its replacement starts at once and waits it out.
        await reborn.start(recorder().handlers);
        assert.equal(await other.claim("old"), true, "the crashed run's names are freed");
        assert.equal((await other.snapshot()).has("phoenix"), false);
      } finally {
        await reborn.close();
      }
    });
  },
);

Deno.test("an unreachable Redis at start is a ClusterUnavailableError", redisOpts, async () => {
  const port = freePort();
  const lonely = new RedisLink({
    address: parseRedisUrl(`redis://127.0.0.1:${port}`),
    instanceId: "x",
    room: "test",
    timing: presenceTiming(2000),
    clock: systemClock,
  });
  await assert.rejects(lonely.start(recorder().handlers), ClusterUnavailableError);
  await lonely.close();
});

Deno.test(
  "a lost Redis: down once, commands fail at once, up after it returns",
  redisOpts,
  async () => {
    await withLinks(["a", "b"], 2000, async ({ redis, links: [a, b], seen: [seen] }) => {
      await redis.stop();
      await waitUntil(() => seen.states.includes("down"), 3000, "the link to go down");
      assert.equal(a.isUp, false);
      await assert.rejects(
        a.publish({ kind: "message", instance: "a", key: "k", name: "n", text: "lost" }),
        LinkDownError,
      );
      await redis.restart();
      await waitUntil(() => a.isUp && b.isUp, 5000, "both links to come back");
      assert.deepEqual(seen.states, ["down", "up"]);
      // The channel works again after resubscribing.
      await b.publish({ kind: "message", instance: "b", key: "k", name: "n", text: "again" });
      await waitUntil(() => seen.events.length === 1, 3000, "the message after recovery");
    });
  },
);

Deno.test("closing while Redis is down leaves no timer or socket behind", redisOpts, async () => {
  await withRedis(async (redis) => {
    const a = link(redis, "a");
    const seen = recorder();
    await a.start(seen.handlers);
    await redis.stop();
    await waitUntil(() => seen.states.includes("down"), 3000, "the link to go down");
    await a.close();
  });
});

Deno.test(
  "the npm Redis client is loaded only by the Redis connection, on demand: other runs never load it",
  opts,
  async () => {
    const { code, stdout } = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "main.ts"],
      cwd: new URL("../../../", import.meta.url),
      stdout: "piped",
      stderr: "null",
    }).output();
    assert.equal(code, 0);
    const info = JSON.parse(new TextDecoder().decode(stdout)) as {
      modules: {
        specifier: string;
        dependencies?: { specifier: string; isDynamic?: boolean; code?: unknown }[];
      }[];
    };
    const users = info.modules.flatMap((m) =>
      (m.dependencies ?? [])
        .filter((d) => d.specifier === "@redis/client" && d.code !== undefined)
        .map((d) => ({
          from: m.specifier.replace(/^.*\/server\//, "server/"),
          dynamic: d.isDynamic,
        }))
    );
    assert.deepEqual(users, [{ from: "server/bus/redis_connection.ts", dynamic: true }]);
  },
);

Deno.test(
  "answered publications leave nothing behind (no per-command timer outlives its reply)",
  redisOpts,
  async () => {
    const collect = lastResortCollector();
    assert.ok(collect !== null, "Deno offers V8's gc through node:vm");
    await withLinks(["a"], 2000, async ({ links: [a] }) => {
      await a.register([]);
      const event: BusEvent = { kind: "message", instance: "a", key: "al", name: "al", text: "hi" };
      // Warm the path up, then measure what 20,000 answered publications keep.
      for (let i = 0; i < 1000; i++) await a.publish(event);
      collect();
      const before = Deno.memoryUsage().heapUsed;
      const count = 20_000;
      for (let sent = 0; sent < count; sent += 500) {
        await Promise.all(Array.from({ length: 500 }, () => a.publish(event)));
      }
      collect();
      const kept = Deno.memoryUsage().heapUsed - before;
      // The client's own 5 s timeout kept a signal, a timer and a listener per command
      // (about 700 bytes each: 14 MB here) until it fired.
      assert.ok(kept < 3_000_000, `${count} answered publications keep ${kept} bytes of heap`);
    });
  },
);
