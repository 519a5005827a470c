/**
 * The room's command table on a history in memory, for tests that build a session's context by
 * hand instead of starting a server.
 * @module
 */

import type { Clock } from "../../server/clock.ts";
import { roomCommandTable } from "../../server/commands/room_commands.ts";
import { History } from "../../server/history/history.ts";
import type { Room } from "../../server/room.ts";
import { SqliteStore } from "../../server/store/sqlite_store.ts";

/** A history in memory that keeps nothing (no batch, no timer: nothing to close). */
export function historyOff(clock: Clock): History {
  const report = { problem: () => {}, info: () => {} };
  const store = new SqliteStore({ file: null, retention: { lines: 0, days: 0 }, clock, report });
  return new History(store, { lines: 0, days: 0, replay: 0 }, clock);
}

/** The command table of `room`, with history off. */
export function testCommands(room: Room, clock: Clock) {
  return roomCommandTable({ room, history: historyOff(clock), problem: () => {} });
}
