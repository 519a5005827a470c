/**
 * The moderation part of the store: bans, mutes and the topic, as records every backend keeps
 * the same way (SQLite tables, Redis hashes). The room holds them in memory and writes each change
 * through; expired records are dropped when read back.
 * @module
 */

/** A ban: a name (by key) or an address range (by its canonical text). */
export interface BanRecord {
  /** `name:KEY` or `net:CANONICAL`, unique per target. */
  readonly key: string;
  /** The target as the operator typed it. */
  readonly target: string;
  /** Who set it (an operator's name, or `server` for the console). */
  readonly setBy: string;
  /** Why (may be empty). */
  readonly reason: string;
  /** When it was set (ms, UTC). */
  readonly setAt: number;
  /** When it ends (ms, UTC); null until lifted. */
  readonly until: number | null;
}

/** A mute of one name (by key). */
export interface MuteRecord {
  /** The name's key. */
  readonly key: string;
  /** The name as typed. */
  readonly name: string;
  /** Who set it. */
  readonly setBy: string;
  /** When it was set (ms, UTC). */
  readonly setAt: number;
  /** When it ends (ms, UTC); null until lifted. */
  readonly until: number | null;
}

/** The room's topic. */
export interface TopicRecord {
  readonly text: string;
  readonly setBy: string;
  readonly setAt: number;
}

/** Everything moderation keeps. */
export interface ModerationState {
  readonly bans: BanRecord[];
  readonly mutes: MuteRecord[];
  readonly topic: TopicRecord | null;
}

/** Where moderation is kept. Every write is one small statement, awaited by nobody in the room. */
export interface ModerationStore {
  /** Bans and mutes still in force at `now`, and the topic. */
  loadModeration(now: number): Promise<ModerationState>;
  /** Adds or replaces a ban. */
  putBan(ban: BanRecord): Promise<void>;
  /** Removes a ban by key. */
  deleteBan(key: string): Promise<void>;
  /** Adds or replaces a mute. */
  putMute(mute: MuteRecord): Promise<void>;
  /** Removes a mute by key. */
  deleteMute(key: string): Promise<void>;
  /** Sets the topic. */
  putTopic(topic: TopicRecord): Promise<void>;
}

/** True while a record with this end is in force at `now`. */
export function inForce(until: number | null, now: number): boolean {
  return until === null || until > now;
}
