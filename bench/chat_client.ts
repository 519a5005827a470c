/**
 * A simulated user speaking our chat protocol: a login frame, then chat frames; frames are
 * parsed in place from the read buffer (no string decoding for chat traffic).
 * @module
 */

import { encodeFrame, HEADER_BYTES, HISTORY_END_NOTICE } from "../protocol/mod.ts";
import { asciiAt, BenchClient, type MessageTemplate } from "./client.ts";
import { isPayloadAt } from "./payload.ts";
import { joinedCount } from "../server/notices.ts";

const decoder = new TextDecoder();
/** The notice that ends a replay (ASCII, so it is matched byte by byte). */
const HISTORY_END = HISTORY_END_NOTICE;

/** Our server's client, for the benchmark. */
export class ChatBenchClient extends BenchClient {
  protected loginBytes(): Uint8Array {
    return encodeFrame({ username: this.name, message: "" });
  }

  messageTemplate(payload: Uint8Array): MessageTemplate {
    const frame = encodeFrame({ username: this.name, message: decoder.decode(payload) });
    return { bytes: frame, payloadAt: frame.length - payload.length };
  }

  protected parse(buf: Uint8Array, end: number): number {
    let pos = 0;
    while (end - pos >= HEADER_BYTES) {
      const nameLength = (buf[pos] << 8) | buf[pos + 1];
      const messageLength = buf[pos + 2] * 0x1000000 +
        ((buf[pos + 3] << 16) | (buf[pos + 4] << 8) | buf[pos + 5]);
      const total = HEADER_BYTES + nameLength + messageLength;
      if (end - pos < total) {
        this.needCapacity(total);
        break;
      }
      const at = pos + HEADER_BYTES + nameLength;
      if (nameLength === 0) this.#notice(buf, at, messageLength);
      else if (isPayloadAt(buf, at, messageLength)) {
        this.sink.delivery(this.index, buf, at, messageLength);
      }
      pos += total;
    }
    return pos;
  }

  #notice(buf: Uint8Array, at: number, length: number): void {
    if (this.state === "login") {
      if (asciiAt(buf, at, "Welcome")) this.markJoined();
      else if (asciiAt(buf, at, "error:")) {
        this.fail(`refused: ${decoder.decode(buf.subarray(at, at + length))}`);
      }
      return;
    }
    if (length === HISTORY_END.length && asciiAt(buf, at, HISTORY_END)) {
      this.sink.replay();
      return;
    }
    if (length > 7 && asciiAt(buf, at + length - 7, " joined")) {
      this.sink.joinNotices(joinedCount(decoder.decode(buf.subarray(at, at + length))));
    }
  }
}
