/**
 * A benchmark target: a server the load generator can start fresh, talk to, measure and stop.
 * @module
 */

/**
/**
 * The servers the benchmark knows. `chat` runs with history off (as measured before the server
 * kept history); `chat-history` keeps it on a SQLite file and replays 50 messages to each
 * newcomer. `chat-irc` is our server driven through its IRC door by the same IRC clients as the
 * IRC servers. `chat-clusterN` is N instances of our server sharing one room through a private
 * Redis, with the clients spread over them round-robin.
 */
export const TARGET_NAMES = [
  "chat",
  "chat-history",
  "chat-irc",
  "ngircd",
  "inspircd",
  "chat-cluster2",
  "chat-cluster3",
  "chat-cluster2-one",
] as const;

/** One of {@link TARGET_NAMES}. */
export type TargetName = typeof TARGET_NAMES[number];

/**
 * The targets run when `--targets` is not given: the cluster targets are left out, since they
 * would make the default run (already about 40 minutes) much longer and answer a different
 * question (what a cluster costs, not how our server compares with IRC servers).
 */
export const DEFAULT_TARGET_NAMES: readonly TargetName[] = [
  "chat",
  "chat-irc",
  "ngircd",
  "inspircd",
];

/** Which wire protocol a target speaks, and so the clients of the crowd. */
export type Protocol = "chat" | "irc";

/** Where one server process listens. */
export interface ServerAddress {
  readonly host: string;
  readonly port: number;
}

/** A target started for one run: the handle the run measures and stops. */
export interface StartedTarget {
  /** The process to measure (/proc/PID). */
  readonly pid: number;
  readonly host: string;
  readonly port: number;
  /**
   * A cluster: every instance's address (client i connects to instance i mod n); absent for a
   * single server, whose clients all connect to host:port.
   */
  readonly addresses?: readonly ServerAddress[];
  /** A cluster: every instance's pid, CPU and memory are summed over them; absent = [pid]. */
  readonly pids?: readonly number[];
  /** A cluster: the Redis the instances share, whose CPU is reported separately. */
  readonly redisPid?: number;
  /** Our server started with a web listener: its port (clients then open `/ws` there). */
  readonly webPort?: number;
  /** Stops the process (SIGTERM, then SIGKILL) and frees what was made for it. Idempotent. */
  stop(): Promise<void>;
}

/** How to get a target ready and start it. */
export interface Target {
  readonly name: TargetName;
  readonly protocol: Protocol;
  /**
   * Logins the server can take in progress at once without its listen queue overflowing
   * (SYNs dropped cost a client a 1 s retransmit): about its accept backlog.
   */
  readonly maxPendingLogins: number;
  /**
   * IRC lines each sending client sends after registering and before joining, to lift what
   * flood protection only a command can lift (`{nick}` is the client's nick).
   */
  readonly senderSetup: readonly string[];
  /** Installs what is missing (IRC servers via apt-get); throws TargetUnavailableError. */
  prepare(): Promise<void>;
  /**
   * True when the target can serve WebSocket clients (`start` with `web`): our single server
   * (`chat`, `chat-history`). Elsewhere a profile with WebSocket clients is "not applicable".
   */
  readonly speaksWeb?: boolean;
  /**
   * Starts a fresh server on 127.0.0.1 and returns when it accepts connections; with `web`, a
   * web listener too (only where `speaksWeb`).
   */
  start(maxClients: number, options?: { web?: boolean }): Promise<StartedTarget>;
}

/** The target cannot run here (not installed and cannot be installed, or fails to start). */
export class TargetUnavailableError extends Error {
  readonly target: TargetName;
  constructor(target: TargetName, detail: string) {
    super(`${target}: ${detail}`);
    this.name = "TargetUnavailableError";
    this.target = target;
  }
}
