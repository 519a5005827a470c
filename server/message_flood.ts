/**
 * Flood control for one chat message: the client's message and byte tokens, and the room's
 * shared byte budget for what every member receives. A plain function, so the per-message check
 * costs a call and no allocation.
 * @module
 */

import { type SplitMessage, utf8ByteLength } from "../protocol/mod.ts";
import type { ByteLimit, FloodGate } from "./flood.ts";
import type { ServerOptions } from "./options.ts";
import type { TokenBucket } from "./token_bucket.ts";

/** The per-client byte limit the options set (for sending, and for private messages received). */
export function byteLimitOf(options: Readonly<ServerOptions>): ByteLimit {
  return {
    rate: options.floodBytes,
    burst: options.floodBytesBurst,
    largest: options.maxMessageBytes,
  };
}

/**
 * Admits one message through `flood`: a message token, and for what speaks (chat, `/msg`, `/me`)
 * its bytes, and for what every member receives (chat, `/me`) `roomBytes` too. False: dropped.
 */
export function admitMessage(
  flood: FloodGate,
  roomBytes: TokenBucket | null | undefined,
  split: Exclude<SplitMessage, { kind: "keepalive" }>,
  speaks: boolean,
): boolean {
  const text = split.kind === "chat" ? split.text : split.rest;
  const bytes = speaks ? utf8ByteLength(text) : 0;
  if (!flood.allow(bytes)) return false;
  const toEveryone = split.kind === "chat" || split.name === "/me";
  if (toEveryone && roomBytes != null && !roomBytes.take(bytes)) {
    flood.refused();
    return false;
  }
  return true;
}
