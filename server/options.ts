/**
 * The server's settings, with the protocol's defaults.
 * @module
 */

/** Everything `chat server` can be told; the CLI fills it, tests build it directly. */
export interface ServerOptions {
  /** Address to bind (default 0.0.0.0). */
  host: string;
  /** Port to bind; 0 picks a free port (default 5000). */
  port: number;
  /** Seconds between the console's "Online (N): ..." lines; 0 disables (default 30). */
  listIntervalSeconds: number;
  /** Most clients connected at once (default 10,000). */
  maxClients: number;
  /** Largest message accepted, in bytes (default 65,536). */
  maxMessageBytes: number;
  /** Unsent bytes a client may have queued before it is dropped as too slow (default 1 MiB). */
  sendqBytes: number;
  /** Seconds a new connection has to complete its login frame (default 10). */
  loginTimeoutSeconds: number;
  /** Messages per second a client may send on average; 0 turns flood control off (default 10). */
  floodRate: number;
  /** Messages a client may send in a burst above the rate (default 30). */
  floodBurst: number;
  /** Most connections at once from one IP address; 0 means no limit (default 20). */
  maxClientsPerIp: number;
  /** PEM certificate chain file: with `tlsKey`, the server speaks TLS (default: plain TCP). */
  tlsCert?: string;
  /** PEM private key file for `tlsCert`. */
  tlsKey?: string;
  /** `redis://HOST:PORT[/DB]`: run as one instance of a cluster sharing one room (default: alone). */
  redis?: string;
  /** This instance's id in the cluster, unique among running instances (default: random). */
  instanceId?: string;
  /** Instances with the same Redis and cluster room share their users (default "chat"). */
  clusterRoom?: string;
  /** Seconds within which a dead instance's users are announced as left (default 15). */
  presenceTimeoutSeconds?: number;
}

/** The defaults of protocol-v1. */
export const DEFAULT_SERVER_OPTIONS: Readonly<ServerOptions> = {
  host: "0.0.0.0",
  port: 5000,
  listIntervalSeconds: 30,
  maxClients: 10_000,
  maxMessageBytes: 65_536,
  sendqBytes: 1_048_576,
  loginTimeoutSeconds: 10,
  floodRate: 10,
  floodBurst: 30,
  maxClientsPerIp: 20,
};
