import assert from "node:assert/strict";
import { encodeFrame } from "../../protocol/mod.ts";
import { fuzzSeed, prng } from "../helpers/random.ts";
import { withServer } from "../helpers/server.ts";
import { waitUntil } from "../helpers/timeout.ts";
import type { TestClient } from "../helpers/wire.ts";

const opts = { sanitizeOps: true, sanitizeResources: true };

/** Replay a failure with FUZZ_SEED=<seed>. */
const SEED = fuzzSeed(Date.now() % 2 ** 31);
const GOOD = 4;
const MESSAGES = 100;
const GARBAGE_CLIENTS = 8;
const GARBAGE_ROUNDS = 40;

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One misbehaving connection's bytes, picked by the generator. */
function garbage(random: () => number, round: number): Uint8Array[] {
  const int = (n: number) => Math.floor(random() * n);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  const name = `g${round}x${int(1000)}`;
  const login = encodeFrame({ username: name, message: "" });
  const raw = (username: Uint8Array, message: Uint8Array) => {
    const out = new Uint8Array(6 + username.length + message.length);
    const view = new DataView(out.buffer);
    view.setUint16(0, username.length);
    view.setUint32(2, message.length);
    out.set(username, 6);
    out.set(message, 6 + username.length);
    return out;
  };
  switch (int(7)) {
    case 0: // pure noise
      return [bytes(1 + int(2000))];
    case 1: // a login, then noise
      return [login, bytes(1 + int(500))];
    case 2: // invalid UTF-8 and a forged sender name after login
      return [
        login,
        raw(new TextEncoder().encode(name), Uint8Array.of(0xff, 0xfe, 0xc3)),
        encodeFrame({ username: "good0", message: "forged" }),
        raw(bytes(3), bytes(10)),
      ];
    case 3: { // a header declaring far more than allowed
      const header = new Uint8Array(6);
      new DataView(header.buffer).setUint16(0, int(2) === 0 ? 0xffff : 3);
      new DataView(header.buffer).setUint32(2, 0xffffffff - int(1000));
      return int(2) === 0 ? [header] : [login, header];
    }
    case 4: // commands of every kind, then death mid-frame
      return [
        login,
        ...["/users", "/msg good1 psst", "/msg nobody x", "/nope", "//slash", "", "/msg"]
          .map((message) => encodeFrame({ username: name, message })),
        encodeFrame({ username: name, message: "cut short" }).subarray(0, 9),
      ];
    case 5: // names the server must refuse
      return [
        encodeFrame({
          username: ["", "has space", "/slash", "ctl\u0007", "x".repeat(40), "good1"][int(6)],
          message: "",
        }),
      ];
    default: // a valid frame split at random, then random bytes
      return [login.subarray(0, 1 + int(login.length - 1)), bytes(int(50))];
  }
}

/** Sends the chunks in random slices; a server that already closed is fine. */
async function misbehave(
  port: number,
  chunks: Uint8Array[],
  random: () => number,
): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    for (const chunk of chunks) {
      let at = 0;
      while (at < chunk.length) {
        const size = 1 + Math.floor(random() * Math.min(600, chunk.length - at));
        await conn.write(chunk.subarray(at, at + size));
        at += size;
      }
    }
  } catch {
    // The server closed on us: that is one of the outcomes being fuzzed.
  } finally {
    conn.close();
  }
}

/** Reads until `client` holds `count` chat frames from the good senders. */
async function readGoodMessages(client: TestClient, count: number): Promise<void> {
  const good = (name: string) => /^good\d$/.test(name);
  while (client.received.filter((f) => good(f.username)).length < count) {
    await client.nextFrame(10_000, `message ${count} from the good clients`);
  }
}

Deno.test("server fuzz: garbage clients beside chatting ones lose them nothing", opts, async () => {
  console.log(`server fuzz seed: ${SEED} (replay with FUZZ_SEED=${SEED})`);
  const random = prng(SEED);
  await withServer({ options: { floodRate: 0 } }, async ({ server, login }) => {
    const good: TestClient[] = [];
    for (let i = 0; i < GOOD; i++) good.push(await login(`good${i}`));
    await Promise.all(good.map((c) => c.sync()));
    const port = server.addr.port;
    const chat = good.map(async (client) => {
      for (let seq = 1; seq <= MESSAGES; seq++) {
        await client.say(`${client.name} ${seq}`);
        await pause(2);
      }
    });
    const noise = Array.from({ length: GARBAGE_CLIENTS }, async (_, worker) => {
      for (let round = 0; round < GARBAGE_ROUNDS; round++) {
        await misbehave(port, garbage(random, worker * 100 + round), random);
      }
    });
    await Promise.all([...chat, ...noise]);
    await Promise.all(good.map((c) => readGoodMessages(c, (GOOD - 1) * MESSAGES)));
    for (const receiver of good) {
      await receiver.sync();
      for (const sender of good) {
        if (sender === receiver) continue;
        const texts = receiver.received
          .filter((f) => f.username === sender.name)
          .map((f) => f.message);
        const expected = Array.from({ length: MESSAGES }, (_, i) => `${sender.name} ${i + 1}`);
        assert.deepEqual(texts, expected, `${receiver.name} from ${sender.name} (seed ${SEED})`);
      }
    }
    // The server survived and holds exactly the good clients.
    await waitUntil(() => server.connectionCount() === GOOD, 10_000, "the garbage sessions to end");
    assert.deepEqual(server.onlineNames(), good.map((c) => c.name));
    const late = await login("late");
    await late.say("after the storm");
    await good[0].waitForMessage("late", "after the storm");
  });
});
