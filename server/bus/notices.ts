/**
 * What a clustered server tells its users and its console about the cluster itself.
 * @module
 */

import { errorNotice } from "../notices.ts";

/** Told to every local user when the link to Redis is lost. */
export const LINK_DOWN_NOTICE =
  "cluster link down: messages reach only users on this server until it is restored";

/** Told to every local user once the link is back and the room is in sync again. */
export const LINK_UP_NOTICE = "cluster link restored";

/** The leave reason for the users of an instance that stopped renewing its presence. */
export const INSTANCE_LOST_REASON = "server instance lost";

/** The leave reason when a resync finds a user gone (its leave was missed during an outage). */
export const RESYNC_REASON = "gone after a cluster resync";

/** How much of an undelivered message the error notice quotes. */
const QUOTE_CHARS = 40;

/** A chat message that reached local users only, because the link is down or publishing failed. */
export function notPublishedNotice(text: string): string {
  return errorNotice(
    `cluster link down: your message reached only users on this server: ${
      JSON.stringify(quote(text))
    }`,
  );
}

/** The start of a message, for a notice about it. */
function quote(text: string): string {
  return text.length > QUOTE_CHARS ? `${text.slice(0, QUOTE_CHARS)}...` : text;
}

/** A private message to a user on another instance that could not be passed on. */
export function privateNotSentNotice(name: string): string {
  return errorNotice(`cluster link down: private message to ${name} not delivered`);
}

/** A login refused because names cannot be claimed cluster-wide right now. */
export const CLAIM_UNAVAILABLE_NOTICE = errorNotice(
  "cluster link down: logins are paused, try again shortly",
);

/** A local user whose name another instance took while this one was cut off. */
export function nameLostNotice(name: string): string {
  return errorNotice(`name '${name}' was taken on another server while the cluster link was down`);
}

/** Told to a sender whose message was shed because the cluster link is behind. */
export function busyNotPublishedNotice(text: string): string {
  return errorNotice(
    `cluster busy: your message reached only users on this server: ${JSON.stringify(quote(text))}`,
  );
}

/** Told to a sender whose private message to a remote user was shed (the link is behind). */
export function busyPrivateNotSentNotice(name: string): string {
  return errorNotice(`cluster busy: private message to ${name} not delivered`);
}
