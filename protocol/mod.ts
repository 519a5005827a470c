/**
 * The chat wire protocol, version 1: frames, their encoding, a streaming decoder, the username
 * rules and the commands. Import this module to write a client or a server that interoperates
 * with `chat`. The full specification is PROTOCOL.md at the root of the chat repository.
 *
 * @example
 * ```ts
 * import { encodeFrame, FrameDecoder } from "./mod.ts";
 * const bytes = encodeFrame({ username: "al", message: "hi!" });
 * const [result] = new FrameDecoder().push(bytes);
 * if (result.ok) console.log(result.frame.message); // "hi!"
 * ```
 * @module
 */

export {
  DEFAULT_MAX_MESSAGE_BYTES,
  type Frame,
  HEADER_BYTES,
  HEADER_MAX_MESSAGE_BYTES,
  HEADER_MAX_USERNAME_BYTES,
  isNotice,
  MAX_USERNAME_BYTES,
  notice,
  ProtocolError,
} from "./frame.ts";
export { encodeFrame, FrameEncodeError } from "./encoder.ts";
export {
  type DecodeError,
  decodeFrame,
  type DecodeResult,
  type DecoderLimits,
  FrameBoundaryError,
  type FrameBoundaryProblem,
  FrameDecoder,
  type FrameField,
  FrameTooLargeError,
  InvalidUtf8Error,
  MIN_BODY_BUFFER_BYTES,
} from "./decoder.ts";
export {
  checkUsername,
  InvalidUsernameError,
  type UsernameCheck,
  usernameKey,
  type UsernameProblem,
} from "./username.ts";
export {
  type CommandInfo,
  commandList,
  commandWords,
  MODERATION_COMMANDS,
  SERVER_COMMANDS,
  type SplitMessage,
  splitMessage,
} from "./commands.ts";
export {
  formatHistoryLine,
  HISTORY_END_NOTICE,
  type HistoryLine,
  historyStartNotice,
  parseHistoryLine,
} from "./history_line.ts";
export { utf8ByteLength } from "./utf8.ts";
