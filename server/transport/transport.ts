/**
 * The seam between the ways in (TCP, TLS, WebSocket, ...) and the room: a transport turns what
 * it accepts into byte connections and hands each one to the server's single admission path,
 * which applies the limits and starts a session. Sessions never know which transport a
 * connection came through.
 * @module
 */

import type { Connection } from "../connection.ts";

/** Where a transport hands its connections: the server's one accept path. */
export interface ConnectionSink {
  /**
   * A new connection; the server checks it (limits) and serves or refuses it. Must not throw
   * and must not block.
   */
  admit(conn: Connection): void;
  /** A problem accepting (logged; the transport goes on). */
  problem(text: string): void;
  /** Waits before accepting again after an error (so a persistent failure cannot spin). */
  pause(ms: number): Promise<void>;
}

/** A bound listener feeding connections to a {@link ConnectionSink}. */
export interface Transport {
  /** What the start line calls it: `tcp`, `tls`, `web`, ... */
  readonly kind: string;
  /** The bound address, with the real port when port 0 was asked for. */
  readonly addr: Deno.NetAddr;
  /** Stops taking connections; resolves once none will be admitted any more. */
  stop(): Promise<void>;
  /** Releases what is left; called once every admitted connection is closed. */
  release(): Promise<void>;
}
