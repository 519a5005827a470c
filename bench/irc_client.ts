/**
 * A simulated user speaking IRC (RFC 2812, the subset every server has): NICK/USER, JOIN one
 * channel after 001, PRIVMSG to it, PONG to PING. Line ends are found four bytes at a time
 * ({@link nextLineFeed}) and benchmark PRIVMSGs recognized by the payload at the line's end,
 * without decoding strings.
 * @module
 */

import { concatBytes } from "../kit/bytes.ts";
import {
  asciiAt,
  BenchClient,
  type ByteConn,
  type ClientSink,
  type MessageTemplate,
} from "./client.ts";
import { isPayloadAt } from "./payload.ts";

/** The channel every benchmark client joins. */
export const IRC_CHANNEL = "#bench";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const COLON = 0x3a;
const SPACE = 0x20;
const CR = 0x0d;
const LF = 0x0a;

/** An IRC server's client, for the benchmark. */
export class IrcBenchClient extends BenchClient {
  readonly #payloadBytes: number;
  readonly #setup: Uint8Array;
  /** `buf`'s bytes as 32-bit words, for {@link nextLineFeed}; rebuilt when the buffer grows. */
  #words: Int32Array = new Int32Array(0);

  /**
   * `setupLines` are sent after 001 and before the JOIN (e.g. OPER and a user mode that relaxes
   * flood protection for senders); `{nick}` in them is replaced by the client's nick.
   */
  constructor(
    conn: ByteConn,
    index: number,
    name: string,
    sink: ClientSink,
    bufferBytes: number,
    payloadBytes: number,
    setupLines: readonly string[] = [],
  ) {
    super(conn, index, name, sink, bufferBytes);
    this.#payloadBytes = payloadBytes;
    const setup = setupLines.map((line) => `${line.replaceAll("{nick}", name)}\r\n`).join("");
    this.#setup = encoder.encode(`${setup}JOIN ${IRC_CHANNEL}\r\n`);
  }

  protected loginBytes(): Uint8Array {
    return encoder.encode(`NICK ${this.name}\r\nUSER ${this.name} 0 * :bench\r\n`);
  }

  messageTemplate(payload: Uint8Array): MessageTemplate {
    const prefix = encoder.encode(`PRIVMSG ${IRC_CHANNEL} :`);
    const bytes = new Uint8Array(prefix.length + payload.length + 2);
    bytes.set(prefix);
    bytes.set(payload, prefix.length);
    bytes[bytes.length - 2] = CR;
    bytes[bytes.length - 1] = LF;
    return { bytes, payloadAt: prefix.length };
  }

  protected parse(buf: Uint8Array, end: number): number {
    if (this.#words.buffer !== buf.buffer) this.#words = wordsOf(buf);
    const words = this.#words;
    const size = this.#payloadBytes;
    let pos = 0;
    while (pos < end) {
      const newline = nextLineFeed(buf, words, pos, end);
      if (newline < 0) {
        if (end - pos > 8192) this.needCapacity(2 * (end - pos));
        break;
      }
      const lineEnd = newline > pos && buf[newline - 1] === CR ? newline - 1 : newline;
      const at = lineEnd - size;
      if (size > 0 && at > pos && buf[at - 1] === COLON && isPayloadAt(buf, at, size)) {
        this.sink.delivery(this.index, buf, at, size);
      } else {
        this.#line(buf, pos, lineEnd);
      }
      pos = newline + 1;
      if (this.state === "closed") return pos;
    }
    return pos;
  }

  /** Every line that is not a benchmark PRIVMSG: registration, JOINs, PING, errors. */
  #line(buf: Uint8Array, start: number, end: number): void {
    if (buf[start] !== COLON) {
      if (asciiAt(buf, start, "PING")) {
        this.send(concatBytes([encoder.encode("PONG"), buf.slice(start + 4, end), CRLF]));
      } else if (asciiAt(buf, start, "ERROR")) {
        this.fail(`server said ${decoder.decode(buf.subarray(start, end))}`);
      }
      return;
    }
    const space = buf.subarray(start, end).indexOf(SPACE);
    if (space < 0) return;
    const command = start + space + 1;
    if (asciiAt(buf, command, "JOIN ")) {
      if (this.state === "joined") this.sink.joinNotices(1);
      return;
    }
    if (this.state !== "login") return;
    if (asciiAt(buf, command, "001 ")) {
      this.send(this.#setup);
    } else if (asciiAt(buf, command, "366 ")) {
      this.markJoined();
    } else if (isErrorNumeric(buf, command)) {
      this.fail(`refused: ${decoder.decode(buf.subarray(start, end))}`);
    }
  }
}

const CRLF = new Uint8Array([CR, LF]);

/** A word view of `buf` (which starts its buffer, as a client's read buffer does). */
function wordsOf(buf: Uint8Array): Int32Array {
  if (buf.byteOffset !== 0) throw new RangeError("the read buffer must start its ArrayBuffer");
  return new Int32Array(buf.buffer, 0, buf.byteLength >> 2);
}

const LF_WORD = 0x0a0a0a0a;
const ONES = 0x01010101;
const HIGHS = 0x80808080 | 0;

/**
 * The index of the first LF in `buf[from..end)`, or -1. A word holds an LF when its XOR with
 * four LFs has a zero byte, which `(v - 0x01..) & ~v & 0x80..` detects without a branch per
 * byte: about three times faster than `Uint8Array.prototype.indexOf` on 100-byte lines, whose
 * call costs more than the scan (the generator sets saturate's pace on IRC).
 */
export function nextLineFeed(
  buf: Uint8Array,
  words: Int32Array,
  from: number,
  end: number,
): number {
  let i = from;
  while ((i & 3) !== 0 && i < end) {
    if (buf[i] === LF) return i;
    i++;
  }
  if (i >= end) return -1;
  let k = i >> 2;
  const lastWord = end >> 2;
  while (k < lastWord) {
    const v = words[k] ^ LF_WORD;
    if (((v - ONES) & ~v & HIGHS) !== 0) break;
    k++;
  }
  for (i = k << 2; i < end; i++) {
    if (buf[i] === LF) return i;
  }
  return -1;
}

/** Numerics that refuse a registration or a JOIN (not 422 "no MOTD" and other chatter). */
const FATAL_NUMERICS = [
  "403",
  "405",
  "432",
  "433",
  "436",
  "437",
  "464",
  "465",
  "471",
  "473",
  "474",
  "475",
];

function isErrorNumeric(buf: Uint8Array, at: number): boolean {
  if (buf[at + 3] !== SPACE) return false;
  return FATAL_NUMERICS.some((code) => asciiAt(buf, at, code));
}
