/**
 * The seams between the server and a session: the socket side a session needs, what every session
 * shares, and what the server runs for each admitted connection whatever protocol it speaks.
 * Kept apart from the session so transports and the IRC door depend on the contract alone.
 * @module
 */

import type { Clock } from "./clock.ts";
import type { ServerConsole } from "./console.ts";
import type { CommandTable } from "./commands/table.ts";
import type { ModerationUser } from "./commands/mod_commands.ts";
import type { ModeratedConnection } from "./moderation/enforcement.ts";
import type { Moderation } from "./moderation/moderation.ts";
import type { NameClaims } from "./name_claims.ts";
import type { ServerOptions } from "./options.ts";
import type { Room } from "./room.ts";
import type { TokenBucket } from "./token_bucket.ts";

/** The socket side a session needs; Deno.Conn has it, tests may fake it. */
export interface Connection {
  /** Reads into `buffer`; resolves with the byte count, or null at end of stream. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Writes a prefix of `bytes`; resolves with how many were taken. */
  write(bytes: Uint8Array): Promise<number>;
  /**
   * Closes the connection; pending reads and writes fail. `reason` (why, in a few words) goes
   * to the peer where the transport has a place for it (a WebSocket's close frame).
   */
  close(reason?: string): void;
  /** The peer's address. */
  readonly remoteAddr: Deno.Addr;
  /** True when the transport encrypts (WSS); a Deno.TlsConn is known by its `handshake`. */
  readonly secure?: boolean;
}

/** What every session shares: the room, the settings, time and the console. */
export interface SessionContext {
  /** The room sessions join. */
  readonly room: Room;
  /** The server's settings. */
  readonly options: Readonly<ServerOptions>;
  /** Time for the login timeout and flood control. */
  readonly clock: Clock;
  /** Join and leave lines. */
  readonly console: ServerConsole;
  /** Cluster-wide name claims, when the room is shared with other instances. */
  readonly claims?: NameClaims;
  /** Told once when a session's run is over (its connection closed and released). */
  readonly ended?: (session: ServedConnection) => void;
  /** Non-null while the cluster bus is behind: a promise to wait on before the next request. */
  readonly busPressure?: () => Promise<void> | null;
  /** The room's byte budget for chat from all its local clients together (absent: none). */
  readonly roomBytes?: TokenBucket | null;
  /** The commands users may type, checked in one place. */
  readonly commands: CommandTable<ModerationUser>;
  /** Bans and mutes; without it nobody is banned or muted. */
  readonly moderation?: Moderation;
}

/**
 * What the server runs for each admitted connection, whatever protocol it speaks: served,
 * swept when idle, moderated (bans, kicks), shut down.
 */
export interface ServedConnection extends ModeratedConnection {
  /** Serves until the connection is closed and released; never rejects. */
  run(): Promise<void>;
  /** Ends it for a server shutdown, telling the client `text`. */
  shutdown(text: string): Promise<void>;
  /** When bytes last arrived (the clock's ms). */
  readonly lastReadAt: number;
}
