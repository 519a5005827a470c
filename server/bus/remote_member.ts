/**
 * A user connected to another instance, as the local room sees it: it has a name and takes part
 * in the user list, but bytes for it are not sent anywhere (its own instance delivers to it).
 * @module
 */

import type { Member } from "../room.ts";

/** A member of the room whose connection is on another instance. */
export class RemoteMember implements Member {
  readonly name: string;
  readonly key: string;
  readonly instance: string;

  constructor(name: string, key: string, instance: string) {
    this.name = name;
    this.key = key;
    this.instance = instance;
  }

  /** Nothing to do: the member's own instance delivers the same event to it. */
  deliver(_bytes: Uint8Array): void {}
}
