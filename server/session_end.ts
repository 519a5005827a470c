/**
 * How a connection is let go: the bounded flush before the close, and the leave reason a failed
 * read or write gives. Shared by the chat and IRC sessions so both end the same way.
 * @module
 */

import { type Clock, within } from "./clock.ts";
import type { Connection } from "./connection.ts";
import { LeaveReason } from "./notices.ts";
import type { Outbox } from "./outbox.ts";

/** How long closing waits for a final notice to reach a client that is not reading. */
export const CLOSE_FLUSH_MS = 2000;

/** How a session ends: one shape for every cause, so the one end path decides the details. */
export interface EndOptions {
  /** A notice to send before closing. */
  notice?: string;
  /** Wait (bounded) for queued bytes to be written before closing (default: if a notice). */
  flush?: boolean;
  /** Tell the room why (default true). */
  announce?: boolean;
}

/**
 * Closes a connection, first waiting (at most {@link CLOSE_FLUSH_MS} of `clock`) for its queued
 * bytes to be written when `flush` is set; `why` goes to the transport's close. Never rejects.
 */
export async function closeBounded(
  conn: Connection,
  outbox: Outbox,
  flush: boolean,
  why: string,
  clock: Clock,
): Promise<void> {
  if (flush && !outbox.stopped && outbox.pendingBytes > 0) {
    await within(clock, CLOSE_FLUSH_MS, outbox.drained());
  }
  outbox.stop();
  try {
    conn.close(why);
  } catch {
    // Already closed by the peer's reset: nothing left to release.
  }
}

/** A leave reason for a failed read or write. */
export function connectionFailureReason(error: unknown): string {
  if (
    error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.NotConnected
  ) {
    return LeaveReason.reset;
  }
  const text = error instanceof Error ? error.message : String(error);
  return `connection error: ${text.replace(/\s*\(os error \d+\)$/, "")}`;
}
