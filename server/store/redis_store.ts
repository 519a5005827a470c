/**
 * The Redis backend, for a cluster: the history is one stream that every instance appends to, so
 * Redis gives every message of the cluster its place in one sequence (the stream id), and it
 * survives any instance's restart. Each batch is one MULTI: the appends (`XADD ... MAXLEN ~`) and
 * the age trim (`XTRIM MINID ~`). Searching scans the stream from the newest entry.
 *
 * The connection does not reconnect by itself (a shutdown during an outage must not leave the
 * client's retry timer behind): a failed command drops it, and the next batch or read connects
 * anew; batches that fail meanwhile wait in the BatchWriter and are retried on its timer.
 * @module
 */

import type { HistoryLine } from "../../protocol/mod.ts";
import { loadRedisClient, type RedisClient } from "../bus/redis_connection.ts";
import { RedisModerationStore } from "./redis_moderation.ts";
import type { ModerationStore } from "./moderation_store.ts";
import type { Clock } from "../clock.ts";
import { BatchWriter } from "./batch_writer.ts";
import {
  type HistoryGap,
  type HistoryItem,
  type Retention,
  retentionCutoff,
  searchTokens,
  type Store,
  StoreOpenError,
  type StoreReport,
} from "./store.ts";

/** Entries read per round trip while searching. */
export const SEARCH_PAGE = 500;
/** How long connecting to Redis may take. */
const CONNECT_TIMEOUT_MS = 2000;

/** How a Redis store is opened. */
export interface RedisStoreOptions {
  /** `redis://host:port/db`. */
  readonly url: string;
  /** The cluster room: the stream is `chat:ROOM:history`. */
  readonly room: string;
  /** How much history to keep. */
  readonly retention: Retention;
  /** Time for the retention and the retry pause. */
  readonly clock: Clock;
  /** Where write failures and recoveries go. */
  readonly report: StoreReport;
}

/** Stream entry fields: t time (ms), k kind (m message, a action, g gap), n name, x text. */
type Fields = Record<string, string>;

/** A store on a Redis stream shared by the instances of a cluster. */
export class RedisStore implements Store {
  readonly description: string;
  /** Bans, mutes and the topic: hashes and a key beside the stream, on the same connection. */
  readonly moderation: ModerationStore;
  readonly #options: RedisStoreOptions;
  readonly #key: string;
  readonly #writer: BatchWriter;
  #client: RedisClient | null = null;
  #connecting: Promise<RedisClient> | null = null;
  /** The stream's length as of this instance's last batch (`XLEN` in its MULTI). */
  #size: number | undefined = undefined;
  #closed: Promise<void> | null = null;

  private constructor(options: RedisStoreOptions) {
    this.#options = options;
    this.#key = `chat:${options.room}:history`;
    this.description = `${options.url} (${this.#key})`;
    this.moderation = new RedisModerationStore(
      () => this.#connection(),
      `chat:${options.room}`,
      (text) => options.report.problem(text),
    );
    this.#writer = new BatchWriter({
      write: (lines, gap) => this.#write(lines, gap),
      report: options.report,
      clock: options.clock,
    });
  }

  /** Connects; throws StoreOpenError when Redis cannot be reached. */
  static async open(options: RedisStoreOptions): Promise<RedisStore> {
    const store = new RedisStore(options);
    try {
      await store.#connection();
    } catch (error) {
      throw new StoreOpenError(`history in Redis at ${options.url}`, describe(error));
    }
    return store;
  }

  append(line: HistoryLine): void {
    if (this.#options.retention.lines > 0) this.#writer.add(line);
  }

  async recent(limit: number, since: number): Promise<HistoryItem[]> {
    // MAXLEN ~ trims whole stream nodes, so the stream may hold a little more than the limit.
    const most = Math.min(limit, this.#options.retention.lines);
    if (most === 0) return [];
    const entries = await this.#range("+", most);
    const items: HistoryItem[] = [];
    for (const entry of entries) {
      const item = toItem(entry.message);
      if (item === null) continue;
      const time = item.kind === "line" ? item.line.time : item.gap.from;
      if (time < since) break;
      items.push(item);
    }
    return items.reverse();
  }

  async search(tokens: readonly string[], limit: number, since: number): Promise<HistoryLine[]> {
    const found: HistoryLine[] = [];
    let end = "+";
    let scanned = 0;
    const most = Math.max(this.#options.retention.lines, SEARCH_PAGE);
    while (found.length < limit && scanned < most) {
      const page = await this.#range(end, SEARCH_PAGE);
      for (const entry of page) {
        const item = toItem(entry.message);
        if (item === null || item.kind !== "line") continue;
        if (item.line.time < since) return found.reverse();
        const words = new Set(searchTokens(item.line.text));
        if (tokens.every((token) => words.has(token))) {
          found.push(item.line);
          if (found.length === limit) break;
        }
      }
      scanned += page.length;
      if (page.length < SEARCH_PAGE) break;
      end = `(${page[page.length - 1].id}`;
    }
    return found.reverse();
  }

  flush(): Promise<void> {
    return this.#writer.flush();
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#writer.close();
      if (this.#connecting !== null) await this.#connecting.catch(() => {});
      const client = this.#client;
      this.#client = null;
      if (client !== null) {
        try {
          await client.close();
        } catch {
          client.destroy();
        }
      }
    })();
    return this.#closed;
  }

  /** The newest `count` entries at or before `end` (an id, `(id` for before it, or `+`). */
  async #range(end: string, count: number): Promise<{ id: string; message: Fields }[]> {
    const client = await this.#connection();
    try {
      const reply = await client.sendCommand([
        "XREVRANGE",
        this.#key,
        end,
        "-",
        "COUNT",
        String(count),
      ]);
      return parseEntries(reply);
    } catch (error) {
      this.#drop(client);
      throw error;
    }
  }

  /**
   * The stream's length after this instance's last batch: O(1) to learn (`XLEN` rides in the
   * batch's MULTI), so a scrape never waits on Redis; other instances' later writes show at the
   * next batch.
   */
  get size(): number | undefined {
    return this.#size;
  }

  /** One batch, one MULTI: the gap, the lines, the trims, the length. */
  async #write(lines: readonly HistoryLine[], gap: HistoryGap | null): Promise<void> {
    const client = await this.#connection();
    const { lines: keep } = this.#options.retention;
    const add = (fields: string[]) => [
      "XADD",
      this.#key,
      "MAXLEN",
      "~",
      String(keep),
      "*",
      ...fields,
    ];
    const multi = client.multi();
    if (gap !== null) {
      const body = JSON.stringify({ lost: gap.lost, to: gap.to });
      multi.addCommand(add(["t", String(gap.from), "k", "g", "n", "", "x", body]));
    }
    for (const line of lines) {
      multi.addCommand(
        add(["t", String(line.time), "k", line.action ? "a" : "m", "n", line.from, "x", line.text]),
      );
    }
    const cutoff = retentionCutoff(this.#options.retention, this.#options.clock.now());
    if (cutoff > 0) multi.addCommand(["XTRIM", this.#key, "MINID", "~", String(cutoff)]);
    multi.addCommand(["XLEN", this.#key]);
    try {
      const replies: unknown[] = await multi.exec();
      const length = replies.at(-1);
      if (typeof length === "number") this.#size = length;
    } catch (error) {
      this.#drop(client);
      throw error;
    }
  }

  async #connection(): Promise<RedisClient> {
    if (this.#closed !== null && this.#writer.pending === 0) {
      // Closing: reads still work on the open client; nothing new is opened.
      if (this.#client !== null) return this.#client;
      throw new Error("the history store is closed");
    }
    if (this.#client !== null && this.#client.isReady) return this.#client;
    this.#connecting ??= this.#connect().finally(() => this.#connecting = null);
    return await this.#connecting;
  }

  async #connect(): Promise<RedisClient> {
    const { createClient } = await loadRedisClient();
    const client: RedisClient = createClient({
      url: this.#options.url,
      RESP: 2,
      maintNotifications: "disabled",
      disableOfflineQueue: true,
      socket: { reconnectStrategy: false, connectTimeout: CONNECT_TIMEOUT_MS },
    });
    client.on("error", () => this.#drop(client));
    try {
      await client.connect();
    } catch (error) {
      safeDestroy(client);
      throw error;
    }
    this.#client = client;
    return client;
  }

  #drop(client: RedisClient): void {
    if (this.#client === client) this.#client = null;
    safeDestroy(client);
  }
}

function safeDestroy(client: RedisClient): void {
  try {
    if (client.isOpen) client.destroy();
  } catch {
    // Already gone.
  }
}

/** XRANGE's reply (RESP 2): [[id, [field, value, ...]], ...]. */
function parseEntries(reply: unknown): { id: string; message: Fields }[] {
  if (!Array.isArray(reply)) return [];
  const out: { id: string; message: Fields }[] = [];
  for (const entry of reply) {
    if (!Array.isArray(entry) || entry.length !== 2 || !Array.isArray(entry[1])) continue;
    const fields: Fields = {};
    const list = entry[1] as unknown[];
    for (let i = 0; i + 1 < list.length; i += 2) fields[String(list[i])] = String(list[i + 1]);
    out.push({ id: String(entry[0]), message: fields });
  }
  return out;
}

function toItem(fields: Fields): HistoryItem | null {
  const time = Number(fields.t);
  if (!Number.isFinite(time)) return null;
  const text = fields.x ?? "";
  switch (fields.k) {
    case "m":
    case "a":
      return {
        kind: "line",
        line: { time, from: fields.n ?? "", text, action: fields.k === "a" },
      };
    case "g": {
      try {
        const gap = JSON.parse(text) as { lost?: unknown; to?: unknown };
        const lost = typeof gap.lost === "number" ? gap.lost : 0;
        const to = typeof gap.to === "number" ? gap.to : time;
        return { kind: "gap", gap: { lost, from: time, to } };
      } catch {
        return null;
      }
    }
    default:
      return null;
  }
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0];
}
