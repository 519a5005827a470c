/**
 * A small ASN.1 DER writer: just the types an X.509 certificate needs. Every function returns
 * the complete encoding (tag, length, contents), so a structure is written as nested calls.
 * @module
 */

/** Universal tags used below, and the context-specific classes. */
const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  utf8String: 0x0c,
  sequence: 0x30,
  set: 0x31,
  utcTime: 0x17,
  generalizedTime: 0x18,
} as const;

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The DER length octets: short form below 128, else 0x80 | count, then big-endian bytes. */
function lengthOctets(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** One tag-length-value with these contents. */
export function tlv(tag: number, ...contents: readonly Uint8Array[]): Uint8Array {
  const body = concat(contents);
  return concat([Uint8Array.of(tag), lengthOctets(body.length), body]);
}

/** SEQUENCE of the given encodings. */
export function sequence(...items: readonly Uint8Array[]): Uint8Array {
  return tlv(TAG.sequence, ...items);
}

/** SET of the given encodings (callers pass them in DER order; certificates use one item). */
export function set(...items: readonly Uint8Array[]): Uint8Array {
  return tlv(TAG.set, ...items);
}

/** INTEGER from unsigned big-endian bytes: leading zeros dropped, a 0 added if the top bit is
 * set so the value stays positive. */
export function unsignedInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  const body = trimmed.length > 0 && trimmed[0] >= 0x80
    ? concat([Uint8Array.of(0), trimmed])
    : trimmed.length === 0
    ? Uint8Array.of(0)
    : trimmed;
  return tlv(TAG.integer, body);
}

/** INTEGER of a small non-negative number. */
export function smallInteger(value: number): Uint8Array {
  const bytes: number[] = [];
  for (let n = value; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return unsignedInteger(Uint8Array.from(bytes.length === 0 ? [0] : bytes));
}

/** BOOLEAN. */
export function boolean(value: boolean): Uint8Array {
  return tlv(TAG.boolean, Uint8Array.of(value ? 0xff : 0x00));
}

/** OBJECT IDENTIFIER from its dotted form, e.g. `2.5.4.3`. */
export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split(".").map(Number);
  if (arcs.length < 2 || arcs.some((arc) => !Number.isSafeInteger(arc) || arc < 0)) {
    throw new RangeError(`not an object identifier: ${dotted}`);
  }
  const bytes: number[] = [];
  const base128 = (value: number) => {
    const groups = [value % 128];
    for (let n = Math.floor(value / 128); n > 0; n = Math.floor(n / 128)) {
      groups.unshift(0x80 | (n % 128));
    }
    bytes.push(...groups);
  };
  base128(arcs[0] * 40 + arcs[1]);
  for (const arc of arcs.slice(2)) base128(arc);
  return tlv(TAG.oid, Uint8Array.from(bytes));
}

/** UTF8String. */
export function utf8String(text: string): Uint8Array {
  return tlv(TAG.utf8String, new TextEncoder().encode(text));
}

/** OCTET STRING. */
export function octetString(bytes: Uint8Array): Uint8Array {
  return tlv(TAG.octetString, bytes);
}

/** BIT STRING of whole bytes (no unused bits). */
export function bitString(bytes: Uint8Array): Uint8Array {
  return tlv(TAG.bitString, Uint8Array.of(0), bytes);
}

/** BIT STRING of named bits (bit 0 is the most significant bit of the first byte), encoded
 * with trailing zero bits dropped as DER requires. */
export function namedBits(bits: readonly number[]): Uint8Array {
  const highest = Math.max(...bits);
  const bytes = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[Math.floor(bit / 8)] |= 0x80 >> (bit % 8);
  const unused = 7 - (highest % 8);
  return tlv(TAG.bitString, Uint8Array.of(unused), bytes);
}

/**
 * A certificate time: UTCTime (`YYMMDDHHMMSSZ`) through 2049, GeneralizedTime after, as RFC 5280
 * asks. Seconds precision; milliseconds are dropped.
 */
export function time(date: Date): Uint8Array {
  const two = (n: number) => String(n).padStart(2, "0");
  const rest = two(date.getUTCMonth() + 1) + two(date.getUTCDate()) + two(date.getUTCHours()) +
    two(date.getUTCMinutes()) + two(date.getUTCSeconds()) + "Z";
  const year = date.getUTCFullYear();
  const encoder = new TextEncoder();
  if (year >= 1950 && year < 2050) {
    return tlv(TAG.utcTime, encoder.encode(two(year % 100) + rest));
  }
  return tlv(TAG.generalizedTime, encoder.encode(String(year).padStart(4, "0") + rest));
}

/** A context-specific tag `[n]`: constructed (EXPLICIT wrapping) or primitive (IMPLICIT). */
export function context(n: number, constructed: boolean, ...contents: Uint8Array[]): Uint8Array {
  return tlv((constructed ? 0xa0 : 0x80) | n, ...contents);
}
