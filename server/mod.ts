/**
 * The chat server's public API: start one in-process (tests, embedding) or run `chat server`.
 * @module
 */

export { type ChatServer, type ServerDeps, startServer } from "./server.ts";
export { runServer } from "./run.ts";
export {
  checkServerOptions,
  DEFAULT_SERVER_OPTIONS,
  InvalidServerOptionError,
  type ServerOptions,
} from "./options.ts";
export { type Clock, systemClock, type Timer } from "./clock.ts";
export { type ConsoleSink, stdConsole } from "./console.ts";
export { ListenError } from "./listener.ts";
export { type LeaveOptions, type Member, Room, type RoomEvent, type RoomListener } from "./room.ts";
export * as notices from "./notices.ts";
