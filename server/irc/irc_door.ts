/**
 * What every IRC session of one server shares: the channel that stands for the room, the
 * server's name, the optional password, the translation of room frames, the event relay, and
 * the shared log of IRC broadcast bytes (kept apart from the binary clients' log, so that
 * fanning out to a mix of both never makes either log copy a frame twice).
 * @module
 */

import type { TopicRecord } from "../store/moderation_store.ts";
import type { Clock } from "../clock.ts";
import type { Room } from "../room.ts";
import { SharedLog } from "../shared_log.ts";
import { IrcRelay } from "./irc_relay.ts";
import { IrcTranslator } from "./irc_translate.ts";

/** The server name IRC clients see as the source of numerics and notices. */
export const IRC_SERVER_NAME = "chat.server";

/** The default channel name of the room (`--irc-channel`). */
export const DEFAULT_IRC_CHANNEL = "#chat";

/** How the IRC door is set up. */
export interface IrcDoorOptions {
  /** The room's channel name, e.g. `#chat`. */
  readonly channel: string;
  /** When set, clients must send `PASS` with it before registering. */
  readonly password?: string;
  /** Seconds of silence before the server PINGs a client (default 90). */
  readonly pingAfterSeconds?: number;
}

/** The IRC door's shared parts. */
export class IrcDoor {
  readonly serverName: string = IRC_SERVER_NAME;
  readonly channel: string;
  /** The channel's key, for comparing what clients send. */
  readonly channelKey: string;
  readonly password: string | undefined;
  readonly translator: IrcTranslator;
  readonly relay: IrcRelay;
  readonly log: SharedLog = new SharedLog();
  readonly created: Date;

  constructor(room: Room, clock: Clock, options: IrcDoorOptions) {
    this.channel = options.channel;
    this.channelKey = options.channel.toLowerCase();
    this.password = options.password;
    this.translator = new IrcTranslator(this.serverName, this.channel);
    this.relay = new IrcRelay(room, clock, this.serverName, this.channel, options.pingAfterSeconds);
    this.created = new Date(clock.now());
  }

  /** True when `name` is this door's channel (compared case-insensitively). */
  isChannel(name: string): boolean {
    return name.toLowerCase() === this.channelKey;
  }

  /**
   * Tells the room a topic change (`announce` fans out its notice): IRC members get a TOPIC line
   * in its place.
   */
  announceTopic(
    topic: TopicRecord,
    announce: () => void,
  ): void {
    this.translator.announceTopic(topic, announce);
  }

  /** Stops what runs on its own (the relay's subscription and PING timer). */
  stop(): void {
    this.relay.stop();
  }
}
