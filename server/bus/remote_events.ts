/**
 * What arrives from the other instances, applied to the local room: joins, leaves and rosters
 * through the remote roster (so local users get the notices), chat and `/me` actions as
 * broadcasts from remote members, private messages to the local users they are addressed to (a
 * refused one answered to the sender's instance), the error for a local sender whose private
 * message another instance refused, and moderation changes (bans, kicks, mutes, the topic) to
 * the local moderation state.
 * @module
 */

import { encodeFrame, notice } from "../../protocol/mod.ts";
import type { ModerationChange } from "../moderation/moderation.ts";
import { notOnlineNotice, privateBusyNotice } from "../notices.ts";
import type { Room } from "../room.ts";
import type { BusEvent } from "./codec.ts";
import type { RemoteRoster } from "./remote_roster.ts";

/** Where remote events lead beyond the room: the moderation state, and answers to publish. */
export interface RemoteEventPeers {
  /** Applies a moderation change from another instance. */
  readonly moderation?: (change: ModerationChange) => void;
  /** Publishes the answer to a private message refused here. */
  readonly refusePrivate?: (event: BusEvent & { kind: "private-refused" }) => void;
}

/**
 * Applies one event from another instance (`self` is this instance's id: private messages and
 * refusals addressed elsewhere are ignored). Events are applied in the order the channel
 * delivers them.
 */
export function applyRemoteEvent(
  event: BusEvent,
  self: string,
  room: Room,
  remote: RemoteRoster,
  peers: RemoteEventPeers = {},
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
      // The target left (or its name moved to another instance) since the sender looked it up.
      const target = room.find(event.to);
      const outcome = target === undefined || target.instance !== undefined
        ? "offline"
        : room.sendPrivate(
          remote.sender(event.instance, event.key, event.name),
          event.to,
          event.text,
        );
      if (outcome === "sent") return;
      peers.refusePrivate?.({
        kind: "private-refused",
        instance: self,
        to: event.key,
        toInstance: event.instance,
        name: event.toName,
        reason: outcome,
      });
      return;
    }
    case "private-refused": {
      if (event.toInstance !== self) return;
      const sender = room.find(event.to);
      if (sender === undefined || sender.instance !== undefined) return;
      const text = event.reason === "busy"
        ? privateBusyNotice(event.name)
        : notOnlineNotice(event.name);
      sender.deliver(encodeFrame(notice(text)));
      return;
    }
    case "roster":
      remote.reconcile(event.instance, event.users);
      return;
    case "moderation":
      peers.moderation?.(event.change);
      return;
  }
}
