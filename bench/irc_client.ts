/**
 * A simulated user speaking IRC (RFC 2812, the subset every server has): NICK/USER, JOIN one
 * channel after 001, PRIVMSG to it, PONG to PING. Lines are found with a native byte search and
 * benchmark PRIVMSGs recognized by the payload at the line's end, without decoding strings.
 * @module
 */

import { concatBytes } from "../kit/bytes.ts";
import { asciiAt, BenchClient, type ClientSink, type MessageTemplate } from "./client.ts";
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

  /**
   * `setupLines` are sent after 001 and before the JOIN (e.g. OPER and a user mode that relaxes
   * flood protection for senders); `{nick}` in them is replaced by the client's nick.
   */
  constructor(
    conn: Deno.TcpConn,
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
    const view = buf.subarray(0, end);
    const size = this.#payloadBytes;
    let pos = 0;
    while (pos < end) {
      const newline = view.indexOf(LF, pos);
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
