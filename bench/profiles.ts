/**
 * The benchmark's workloads: how many clients, how many of them send, how fast, how big, and for
 * how long. Command-line flags override any field for every selected profile.
 * @module
 */

/** The profiles the benchmark knows, in the order they run. */
export const PROFILE_NAMES = [
  "fanout-small",
  "fanout-big",
  "fanout-web",
  "saturate",
  "idle-10k",
  "stalled-bodies",
] as const;

/** One of {@link PROFILE_NAMES}. */
export type ProfileName = typeof PROFILE_NAMES[number];

/** A workload. */
export interface Profile {
  name: ProfileName;
  /** Whether clients send (traffic) or only log in and stay (idle). */
  kind: "traffic" | "idle";
  /** N: clients in the room. */
  clients: number;
  /** S: how many of them send (clients 0..S-1). */
  senders: number;
  /** R: messages per second per sender; 0 = as fast as the socket takes them. */
  rate: number;
  /** B: payload bytes per message. */
  payloadBytes: number;
  /** D: seconds measured (idle: seconds held idle before memory is read). */
  durationSeconds: number;
  /** Seconds of sending before the measured window opens. */
  warmupSeconds: number;
  /**
   * The share of clients (spread evenly over senders and receivers) that connect over our
   * server's WebSocket `/ws` instead of TCP; only a target with a web listener can run it.
   */
  webShare?: number;
  /**
   * Idle only: once logged in, every client starts a message whose header promises
   * `declaredBytes` and sends `sentBytes` of it, then stalls (IRC: a line without its end).
   */
  stall?: { readonly declaredBytes: number; readonly sentBytes: number };
}

/** The profiles as the issue defines them. */
export const PROFILES: Readonly<Record<ProfileName, Readonly<Profile>>> = {
  "fanout-small": {
    name: "fanout-small",
    kind: "traffic",
    clients: 100,
    senders: 100,
    rate: 5,
    payloadBytes: 64,
    durationSeconds: 10,
    warmupSeconds: 3,
  },
  "fanout-big": {
    name: "fanout-big",
    kind: "traffic",
    clients: 1000,
    senders: 50,
    rate: 10,
    payloadBytes: 128,
    durationSeconds: 10,
    warmupSeconds: 3,
  },
  "fanout-web": {
    name: "fanout-web",
    kind: "traffic",
    clients: 1000,
    senders: 50,
    rate: 10,
    payloadBytes: 128,
    durationSeconds: 10,
    warmupSeconds: 3,
    webShare: 0.5,
  },
  saturate: {
    name: "saturate",
    kind: "traffic",
    clients: 200,
    senders: 20,
    rate: 0,
    payloadBytes: 64,
    durationSeconds: 10,
    warmupSeconds: 3,
  },
  "idle-10k": {
    name: "idle-10k",
    kind: "idle",
    clients: 10_000,
    senders: 0,
    rate: 0,
    payloadBytes: 0,
    durationSeconds: 3,
    warmupSeconds: 0,
  },
  "stalled-bodies": {
    name: "stalled-bodies",
    kind: "idle",
    clients: 8000,
    senders: 0,
    rate: 0,
    payloadBytes: 0,
    // Long enough for the server's quiet-room collection (heap grown, room quiet for a second,
    // the last collection 5 s old) to have run: the figure is what stalled connections keep.
    durationSeconds: 10,
    warmupSeconds: 0,
    stall: { declaredBytes: 65_536, sentBytes: 16 },
  },
};

/** Fields the command line may override for every selected profile. */
export type ProfileOverrides = Partial<
  Pick<
    Profile,
    "clients" | "senders" | "rate" | "payloadBytes" | "durationSeconds" | "warmupSeconds"
  >
>;

/** A profile with the overrides applied (senders never above clients; idle never sends). */
export function resolveProfile(name: ProfileName, overrides: ProfileOverrides): Profile {
  const base = PROFILES[name];
  const merged: Profile = { ...base, ...overrides };
  if (base.kind === "idle") {
    merged.senders = 0;
    merged.rate = 0;
    merged.payloadBytes = 0;
    merged.warmupSeconds = 0;
  } else if (overrides.senders === undefined) {
    merged.senders = Math.min(merged.senders, merged.clients);
  }
  return merged;
}
