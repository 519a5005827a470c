/**
 * Presence in Redis: where each fact lives (keys), how long it lives (timing), and the scripts
 * that change several facts at once so no other instance ever sees half a change.
 *
 * - `PREFIX:name:KEY` holds the instance id that owns a user name (SET NX PX: claimed
 *   atomically, expires unless renewed by the owner's heartbeat).
 * - `PREFIX:roster:ID` is a hash KEY -> display name of instance ID's users (also expiring).
 * - `PREFIX:instances` is a sorted set of live instance ids, scored by their last heartbeat in
 *   Redis's own time (so the instances' clocks never have to agree).
 * - `PREFIX:events` is the pub/sub channel of room events.
 * @module
 */

/** Key names of one cluster room. */
export class PresenceKeys {
  /** `chat:ROOM`. */
  readonly prefix: string;
  /** The pub/sub channel. */
  readonly channel: string;
  /** The sorted set of live instances. */
  readonly instances: string;

  constructor(room: string) {
    this.prefix = `chat:${room}`;
    this.channel = `${this.prefix}:events`;
    this.instances = `${this.prefix}:instances`;
  }

  /** The key that owns a user name (by its case-insensitive key). */
  name(userKey: string): string {
    return `${this.prefix}:name:${userKey}`;
  }

  /** The hash of one instance's users. */
  roster(instanceId: string): string {
    return `${this.prefix}:roster:${instanceId}`;
  }
}

/** How often presence is renewed and when a silent instance counts as dead. */
export interface PresenceTiming {
  /** Claims expire this long after the last renewal; also the bound on noticing a death. */
  readonly timeoutMs: number;
  /** How often each instance renews its claims and looks for dead instances. */
  readonly heartbeatMs: number;
  /** An instance whose last heartbeat is older than this is removed by the survivors. */
  readonly deadAfterMs: number;
}

/**
 * Timing from the one setting. Heartbeat every fifth of the timeout; dead after three missed
 * heartbeats. The sweep that removes a dead instance runs every heartbeat, and every survivor
 * notices the removal at its next heartbeat, so the users of an instance killed right after a
 * heartbeat are announced as left at most `3h + h + h = timeout` later.
 */
export function presenceTiming(timeoutMs: number): PresenceTiming {
  const heartbeatMs = Math.max(20, Math.floor(timeoutMs / 5));
  return { timeoutMs, heartbeatMs, deadAfterMs: heartbeatMs * 3 };
}

/** Redis's clock in milliseconds, inside a script. */
const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * After a successful claim and local join: record the user in the roster and announce it.
 * KEYS: roster, name key. ARGV: id, user key, name, ttl ms, channel, payload.
 * Returns 0 (and announces nothing) if the claim was lost meanwhile.
 */
export const JOIN_SCRIPT = `if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1`;

/**
 * A user left: free the name if this instance still owns it, drop it from the roster, announce.
 * KEYS: roster, name key. ARGV: id, user key, channel, payload.
 */
export const LEAVE_SCRIPT =
  `if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
redis.call('HDEL', KEYS[1], ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1`;

/** Compare-and-delete: frees a name only if this instance owns it. KEYS: name key. ARGV: id. */
export const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/**
 * Renews (or re-takes, after Redis lost them) the claims of the name keys from KEYS[first] on,
 * for ARGV[1] with ttl ARGV[2]; returns the 1-based positions (among those keys) of names
 * another instance now owns.
 */
function claimLoop(first: number): string {
  return `local lost = {}
for i = ${first}, #KEYS do
  local owner = redis.call('GET', KEYS[i])
  if owner == ARGV[1] then
    redis.call('PEXPIRE', KEYS[i], ARGV[2])
  elseif not owner then
    redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2])
  else
    lost[#lost + 1] = i - ${first - 1}
  end
end
return lost`;
}

/**
 * The heartbeat: mark this instance alive, extend its roster, and renew (or re-take, after Redis
 * lost them) its users' claims. KEYS: instances, roster, name keys... ARGV: id, ttl ms.
 * Returns the 1-based positions (among the name keys) of names another instance now owns.
 */
export const RENEW_SCRIPT = `${NOW_MS}
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
${claimLoop(3)}`;

/**
 * Before re-registering after an outage: renew or re-take the users' claims without marking the
 * instance alive (see REGISTER_SCRIPT), so the roster it then publishes holds only names it owns.
 * KEYS: name keys... ARGV: id, ttl ms. Returns the positions of names another instance owns.
 */
export const RECLAIM_SCRIPT = claimLoop(1);

/**
 * After (re)connecting: replace this instance's roster with its users and announce it.
 * KEYS: instances, roster. ARGV: id, ttl ms, channel, payload, then user key and name pairs.
 */
export const REGISTER_SCRIPT = `${NOW_MS}
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('DEL', KEYS[2])
for i = 5, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1`;

/**
 * Removes instances whose heartbeat is older than the limit, with their rosters and the names
 * they still own; returns the ids still alive. Atomic, so when several survivors sweep at once
 * each dead instance is cleaned up once. KEYS: instances. ARGV: dead-after ms, key prefix.
 */
export const SWEEP_SCRIPT = `${NOW_MS}
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
for _, id in ipairs(dead) do
  redis.call('ZREM', KEYS[1], id)
  local roster = ARGV[2] .. ':roster:' .. id
  for _, field in ipairs(redis.call('HKEYS', roster)) do
    local nameKey = ARGV[2] .. ':name:' .. field
    if redis.call('GET', nameKey) == id then redis.call('DEL', nameKey) end
  end
  redis.call('DEL', roster)
end
return redis.call('ZRANGE', KEYS[1], 0, -1)`;

/**
 * Every live instance with its roster, read atomically: id1, {key, name, ...}, id2, ...
 * KEYS: instances. ARGV: key prefix.
 */
export const SNAPSHOT_SCRIPT = `local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGETALL', ARGV[1] .. ':roster:' .. id)
end
return out`;

/**
 * The heartbeat score of one instance and Redis's time, to refuse an instance id already in use.
 * KEYS: instances. ARGV: id. Returns {score or false, now}.
 */
export const INSTANCE_AGE_SCRIPT = `${NOW_MS}
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then return {-1, now} end
return {tonumber(score), now}`;

/** A clean exit: forget this instance, its roster and the names it owns. KEYS: instances. ARGV: id, prefix. */
export const UNREGISTER_SCRIPT = `redis.call('ZREM', KEYS[1], ARGV[1])
local roster = ARGV[2] .. ':roster:' .. ARGV[1]
for _, field in ipairs(redis.call('HKEYS', roster)) do
  local nameKey = ARGV[2] .. ':name:' .. field
  if redis.call('GET', nameKey) == ARGV[1] then redis.call('DEL', nameKey) end
end
redis.call('DEL', roster)
return 1`;
