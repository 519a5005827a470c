/**
 * Connections per remote IP address: one host cannot take every slot of the server, whatever
 * the total limit.
 * @module
 */

import { errorNotice } from "./notices.ts";

/** Sent to a connection refused because its address already holds the maximum. */
export function tooManyFromAddressNotice(limit: number): string {
  return errorNotice(`too many connections from your address (limit ${limit})`);
}

/**
 * The key a connection is counted under: its IP address, with an IPv4 address mapped into
 * IPv6 (`::ffff:192.0.2.1`) counted as the IPv4 address it is.
 */
export function addressKey(hostname: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(hostname);
  return mapped === null ? hostname.toLowerCase() : mapped[1];
}

/**
 * Counts open connections per IP address against a limit (0: no limit). Every `tryAcquire`
 * that returned true must be paired with one `release`, when that connection is closed.
 */
export class IpLimiter {
  readonly #limit: number;
  readonly #counts = new Map<string, number>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** The limit per address (0: none). */
  get limit(): number {
    return this.#limit;
  }

  /** How many addresses hold at least one connection (bounded by the open connections). */
  get addresses(): number {
    return this.#counts.size;
  }

  /** Connections counted for this address. */
  count(hostname: string): number {
    return this.#counts.get(addressKey(hostname)) ?? 0;
  }

  /** Counts one more connection from `hostname`, unless that would pass the limit. */
  tryAcquire(hostname: string): boolean {
    const key = addressKey(hostname);
    const count = this.#counts.get(key) ?? 0;
    if (this.#limit > 0 && count >= this.#limit) return false;
    this.#counts.set(key, count + 1);
    return true;
  }

  /** A counted connection from `hostname` closed. */
  release(hostname: string): void {
    const key = addressKey(hostname);
    const count = this.#counts.get(key) ?? 0;
    if (count <= 1) this.#counts.delete(key);
    else this.#counts.set(key, count - 1);
  }
}
