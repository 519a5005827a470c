/**
 * Which address a web client counts against: the peer's, or, when the peer is a trusted proxy,
 * the client it names in `X-Forwarded-For`.
 * @module
 */

import { type Cidr, cidrContains, parseIp } from "./cidr.ts";

/**
 * The client's address: the peer unless it is in `trusted`; then the rightmost address of
 * `X-Forwarded-For` that is not itself a trusted proxy (the leftmost entries are whatever the
 * client claimed). A header that names no valid address leaves the peer's.
 */
export function clientAddress(
  peer: string,
  forwardedFor: string | null,
  trusted: readonly Cidr[],
): string {
  const isTrusted = (address: string) => trusted.some((range) => cidrContains(range, address));
  if (forwardedFor === null || !isTrusted(peer)) return peer;
  const hops = forwardedFor.split(",").map((hop) => hop.trim()).filter((hop) => hop !== "");
  for (let i = hops.length - 1; i >= 0; i--) {
    if (parseIp(hops[i]) === null) return peer;
    if (!isTrusted(hops[i])) return hops[i];
  }
  return peer;
}
