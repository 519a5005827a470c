/**
 * The seam between a session's login and a cluster: a name can be claimed across instances
 * before the session joins its room. The single-process server has no claims (the room alone
 * decides); the cluster bus (server/bus/) implements them.
 * @module
 */

/** Whether a cluster-wide name claim succeeded, and if not, what to tell the client. */
export type ClaimOutcome = { ok: true } | ClaimRefused;

/** A refused claim: the error notice for the client and the reason for the console. */
export interface ClaimRefused {
  ok: false;
  /** Sent to the client before its connection is closed. */
  notice: string;
  /** Why the session ended, for the console. */
  reason: string;
}

/**
 * Names claimed across instances (a cluster bus provides it). Without it, the room alone decides
 * whether a name is free, synchronously, as in a single-process server.
 */
export interface NameClaims {
  /** Claims `key` (for `name`) cluster-wide before the session joins the room. */
  claim(key: string, name: string): Promise<ClaimOutcome>;
  /** Gives back a claim the session did not use (it ended, or the local join failed). */
  release(key: string): void;
}
