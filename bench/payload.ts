/**
 * The benchmark's message text: who sent it, its sequence number and when it was sent, as fixed
 * width ASCII digits so the receiver can read them straight from the socket bytes without
 * decoding strings. The same text travels in a chat frame and in an IRC PRIVMSG.
 *
 * Layout: `~b` SENDER(5) ` ` SEQ(9) ` ` MICROS(12) ` ` then `x` up to the message size.
 * @module
 */

/** First two bytes of every benchmark payload, so stray lines are never mistaken for one. */
export const PAYLOAD_MARKER_0 = 0x7e; // "~"
/** Second marker byte. */
export const PAYLOAD_MARKER_1 = 0x62; // "b"

const SENDER_AT = 2;
const SENDER_WIDTH = 5;
const SEQ_AT = SENDER_AT + SENDER_WIDTH + 1;
const SEQ_WIDTH = 9;
const TIME_AT = SEQ_AT + SEQ_WIDTH + 1;
const TIME_WIDTH = 12;

/** The smallest payload that holds every field (the rest is padding). */
export const MIN_PAYLOAD_BYTES = TIME_AT + TIME_WIDTH + 1;
/** Largest sender index the payload can name. */
export const MAX_SENDER_INDEX = 10 ** SENDER_WIDTH - 1;
/** Sequence numbers wrap past this; no run sends that many per sender. */
export const MAX_SEQUENCE = 10 ** SEQ_WIDTH - 1;

/** One decoded payload: the fields a receiver needs to score a delivery. */
export interface PayloadFields {
  sender: number;
  seq: number;
  sentMicros: number;
}

/** Microseconds on the process's monotonic clock; sender and receiver share the process. */
export function nowMicros(): number {
  return Math.round(performance.now() * 1000);
}

/**
 * A payload of `size` bytes for `sender` with every variable field zeroed, to be copied and
 * stamped per message (so a send never builds strings).
 */
export function payloadTemplate(sender: number, size: number): Uint8Array {
  if (size < MIN_PAYLOAD_BYTES) {
    throw new RangeError(`payload must be at least ${MIN_PAYLOAD_BYTES} bytes, got ${size}`);
  }
  if (!Number.isInteger(sender) || sender < 0 || sender > MAX_SENDER_INDEX) {
    throw new RangeError(`sender index ${sender} out of range`);
  }
  const out = new Uint8Array(size).fill(0x78); // "x"
  out[0] = PAYLOAD_MARKER_0;
  out[1] = PAYLOAD_MARKER_1;
  writeDigits(out, SENDER_AT, SENDER_WIDTH, sender);
  out[SEQ_AT - 1] = 0x20;
  writeDigits(out, SEQ_AT, SEQ_WIDTH, 0);
  out[TIME_AT - 1] = 0x20;
  writeDigits(out, TIME_AT, TIME_WIDTH, 0);
  out[TIME_AT + TIME_WIDTH] = 0x20;
  return out;
}

/** Writes the sequence number and send time into a payload copied from the template at `at`. */
export function stampPayload(buf: Uint8Array, at: number, seq: number, micros: number): void {
  writeDigits(buf, at + SEQ_AT, SEQ_WIDTH, seq % (MAX_SEQUENCE + 1));
  writeDigits(buf, at + TIME_AT, TIME_WIDTH, micros);
}

/** True when the bytes at `at` start a benchmark payload. */
export function isPayloadAt(buf: Uint8Array, at: number, length: number): boolean {
  return length >= MIN_PAYLOAD_BYTES && buf[at] === PAYLOAD_MARKER_0 &&
    buf[at + 1] === PAYLOAD_MARKER_1;
}

/**
 * Reads the fields of a payload starting at `at` into `out`; false when a digit field is
 * damaged (the delivery is then counted as corrupt, never guessed at).
 */
export function readPayload(buf: Uint8Array, at: number, out: PayloadFields): boolean {
  const sender = readDigits(buf, at + SENDER_AT, SENDER_WIDTH);
  const seq = readDigits(buf, at + SEQ_AT, SEQ_WIDTH);
  const sentMicros = readDigits(buf, at + TIME_AT, TIME_WIDTH);
  if (sender < 0 || seq < 0 || sentMicros < 0) return false;
  out.sender = sender;
  out.seq = seq;
  out.sentMicros = sentMicros;
  return true;
}

function writeDigits(buf: Uint8Array, at: number, width: number, value: number): void {
  let v = value;
  for (let i = at + width - 1; i >= at; i--) {
    buf[i] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  }
}

/**
 * The number in the ASCII digits `buf[at..at+width)`, or -1 if any byte is not a digit. Digits are
 * read in int32 runs of at most 9 (a 12-digit field as 6 + 6) and checked without a branch per
 * digit (`d | (9 - d)` is negative for any byte outside '0'..'9'): the generator reads three fields
 * per delivery, and this is three times faster than double arithmetic with a test per digit.
 */
function readDigits(buf: Uint8Array, at: number, width: number): number {
  if (width > 9) {
    const high = readDigits(buf, at, width - 6);
    const low = readDigits(buf, at + width - 6, 6);
    return high < 0 || low < 0 ? -1 : high * 1e6 + low;
  }
  let v = 0;
  let check = 0;
  for (let i = at; i < at + width; i++) {
    const d = buf[i] - 0x30;
    check |= d | (9 - d);
    v = (v * 10 + d) | 0;
  }
  return check < 0 ? -1 : v;
}
