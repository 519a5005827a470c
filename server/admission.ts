/**
 * The one place every new connection is checked, whatever transport it came through, before its
 * login is read: the server's total limit and the per-address limit. A check that refuses says
 * why, once, on the wire (a notice) and as the transport's close reason.
 * @module
 */

import { IpLimiter, tooManyFromAddressNotice } from "./ip_limits.ts";
import { SERVER_FULL_NOTICE } from "./notices.ts";

/** Why a connection is refused: the notice it is sent before it is closed. */
export interface Refusal {
  /** The notice text (`error: ...`), also the close reason where the transport has one. */
  readonly notice: string;
}

/** What admission needs to know about a connection. */
export interface Applicant {
  /** The address it counts against (a proxy's client as the proxy reported it). */
  readonly address: string;
}

/**
 * Admits connections against the limits. Every admitted connection holds its address's slot
 * until {@link Admission.release} is called for it.
 */
export class Admission {
  readonly #maxClients: number;
  readonly #ipLimits: IpLimiter;

  constructor(options: { maxClients: number; maxClientsPerIp: number }) {
    this.#maxClients = options.maxClients;
    this.#ipLimits = new IpLimiter(options.maxClientsPerIp);
  }

  /**
   * Checks a new connection while `open` connections are served; null admits it (and counts
   * it), a Refusal says why not. Checks that come later (bans) belong here, before the login.
   */
  check(applicant: Applicant, open: number): Refusal | null {
    if (open >= this.#maxClients) return { notice: SERVER_FULL_NOTICE };
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
