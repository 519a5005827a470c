/**
 * The address a connection counts against, whatever transport brought it.
 * @module
 */

import type { Connection } from "../connection.ts";

/** The peer's IP address (its transport name for a non-IP connection, e.g. a Unix socket). */
export function connectionAddress(conn: Connection): string {
  const addr = conn.remoteAddr;
  return addr.transport === "tcp" || addr.transport === "udp" ? addr.hostname : addr.transport;
}
