/**
 * What arrives from the other instances, applied to the local room: joins, leaves and rosters
 * through the remote roster (so local users get the notices), chat and `/me` actions as
 * broadcasts from remote members, private messages to the local users they are addressed to, and
 * moderation changes (bans, kicks, mutes, the topic) to the local moderation state.
 * @module
 */

import type { ModerationChange } from "../moderation/moderation.ts";
import type { Room } from "../room.ts";
import type { BusEvent } from "./codec.ts";
import type { RemoteRoster } from "./remote_roster.ts";

/**
 * Applies one event from another instance (`self` is this instance's id: private messages
 * addressed elsewhere are ignored). Events are applied in the order the channel delivers them.
 */
export function applyRemoteEvent(
  event: BusEvent,
  self: string,
  room: Room,
  remote: RemoteRoster,
  moderation: ((change: ModerationChange) => void) | null = null,
): void {
  switch (event.kind) {
    case "joined":
      remote.add(event.instance, event);
      return;
    case "left": {
      remote.remove(event.instance, event.key, event.reason);
      return;
    }
    case "message":
      room.broadcast(remote.sender(event.instance, event.key, event.name), event.text);
      return;
    case "action":
      room.action(remote.sender(event.instance, event.key, event.name), event.text);
      return;
    case "private": {
      if (event.toInstance !== self) return;
      const target = room.find(event.to);
      if (target === undefined || target.instance !== undefined) return;
      room.sendPrivate(remote.sender(event.instance, event.key, event.name), event.to, event.text);
      return;
    }
    case "roster":
      remote.reconcile(event.instance, event.users);
      return;
    case "moderation":
      moderation?.(event.change);
      return;
  }
}
