/**
 * The one place every new connection is checked, whatever transport it came through, before its
 * login is read: the server's total limit, bans, and the per-address limit. A check that
 * refuses says why, once, on the wire (a notice) and as the transport's close reason.
 * @module
 */

import { encodeFrame, notice } from "../protocol/mod.ts";
import { type Clock, within } from "./clock.ts";
import { IpLimiter, tooManyFromAddressNotice } from "./ip_limits.ts";
import { SERVER_FULL_NOTICE } from "./notices.ts";
import type { Connection } from "./connection.ts";

/** Why a connection is refused: the notice it is sent before it is closed. */
export interface Refusal {
  /** The notice text (`error: ...`), also the close reason where the transport has one. */
  readonly notice: string;
}

/** What admission needs to know about a connection. */
export interface Applicant {
  /** The address it counts against (a trusted proxy's client as the proxy reported it). */
  readonly address: string;
}

/** The limits, and the ban check (its notice, or null when the address is not banned). */
export interface AdmissionRules {
  readonly maxClients: number;
  readonly maxClientsPerIp: number;
  readonly banFor?: (address: string) => string | null;
}

/**
 * Admits connections against the rules. Every admitted connection holds its address's slot
 * until {@link Admission.release} is called for it.
 */
export class Admission {
  readonly #rules: AdmissionRules;
  readonly #ipLimits: IpLimiter;

  constructor(rules: AdmissionRules) {
    this.#rules = rules;
    this.#ipLimits = new IpLimiter(rules.maxClientsPerIp);
  }

  /**
   * Checks a new connection while `open` connections are served; null admits it (and counts
   * it), a Refusal says why not.
   */
  check(applicant: Applicant, open: number): Refusal | null {
    if (open >= this.#rules.maxClients) return { notice: SERVER_FULL_NOTICE };
    const banned = this.#rules.banFor?.(applicant.address) ?? null;
    if (banned !== null) return { notice: banned };
    if (!this.#ipLimits.tryAcquire(applicant.address)) {
      return { notice: tooManyFromAddressNotice(this.#ipLimits.limit) };
    }
    return null;
  }

  /** An admitted connection from `address` is closed. */
  release(address: string): void {
    this.#ipLimits.release(address);
  }
}

/** How long a refused connection may take to receive its notice (a TLS handshake included). */
export const REFUSE_TIMEOUT_MS = 2000;

/** What a refused connection is told in: chat frames, or an IRC `ERROR` line. */
export type RefusalWire = "frames" | "irc";

/**
 * Tells a connection why it is refused (server full, banned, too many from its address), in the
 * protocol it speaks, then closes it with that reason. Bounded in time: a peer that never
 * completes a TLS handshake or never reads is closed anyway.
 */
export async function refuse(
  conn: Connection,
  text: string,
  clock: Clock,
  wire: RefusalWire = "frames",
): Promise<void> {
  const frame = wire === "irc"
    ? new TextEncoder().encode(`ERROR :${text.replace(/[\r\n\0]/g, " ")}\r\n`)
    : encodeFrame(notice(text));
  const write = async () => {
    let offset = 0;
    while (offset < frame.length) offset += await conn.write(frame.subarray(offset));
  };
  try {
    await within(clock, REFUSE_TIMEOUT_MS, write());
  } catch {
    // The peer is gone; nothing to tell it.
  } finally {
    try {
      conn.close(text);
    } catch {
      // Already closed.
    }
  }
}
