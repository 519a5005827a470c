/**
 * IP addresses and CIDR ranges, IPv4 and IPv6, as ban targets: strict parsing (a typo is an
 * error, never a ban on something else), one canonical text per range, and matching. An
 * IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, what a dual-stack listener reports) is the IPv4
 * address it maps.
 * @module
 */

/** A range of addresses: the network's bytes (4 or 16) and how many leading bits count. */
export interface AddressRange {
  /** The network, its host bits zero. */
  readonly bytes: Uint8Array;
  /** Leading bits that must match (32 or 128 for one address). */
  readonly prefix: number;
  /** One text per range: `10.0.0.0/8`, `2001:db8:0:0:0:0:0:0/32`, `1.2.3.4/32`. */
  readonly canonical: string;
}

/** A ban target that looks like an address or range but is not a valid one. */
export class AddressError extends Error {
  constructor(text: string) {
    super(`bad IP address or CIDR range '${text}'`);
    this.name = "AddressError";
  }
}

/** The bytes of an IPv4 dotted quad, or null. */
function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i]) || (parts[i].length > 1 && parts[i].startsWith("0"))) {
      return null;
    }
    const n = Number(parts[i]);
    if (n > 255) return null;
    bytes[i] = n;
  }
  return bytes;
}

/** The 16 bytes of an IPv6 address (`::` compression, a trailing dotted quad), or null. */
function parseIpv6(text: string): Uint8Array | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (part: string): string[] | null => part === "" ? [] : part.split(":");
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (head === null || tail === null) return null;
  const words: number[] = [];
  const all = [...head, ...(halves.length === 2 ? ["::"] : []), ...tail];
  for (let i = 0; i < all.length; i++) {
    const group = all[i];
    if (group === "::") {
      words.push(-1);
      continue;
    }
    if (i === all.length - 1 && group.includes(".")) {
      const v4 = parseIpv4(group);
      if (v4 === null) return null;
      words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
    words.push(parseInt(group, 16));
  }
  const gap = words.indexOf(-1);
  const count = words.length - (gap >= 0 ? 1 : 0);
  if (gap >= 0 ? count > 7 : count !== 8) return null;
  const full = gap >= 0
    ? [...words.slice(0, gap), ...new Array(8 - count).fill(0), ...words.slice(gap + 1)]
    : words;
  const bytes = new Uint8Array(16);
  full.forEach((word, i) => {
    bytes[i * 2] = word >> 8;
    bytes[i * 2 + 1] = word & 0xff;
  });
  return bytes;
}

/** IPv4-mapped IPv6 (`::ffff:a.b.c.d`) as its 4 IPv4 bytes; anything else unchanged. */
function unmapped(bytes: Uint8Array): Uint8Array {
  if (bytes.length !== 16) return bytes;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return bytes;
  if (bytes[10] !== 0xff || bytes[11] !== 0xff) return bytes;
  return bytes.slice(12);
}

/** The bytes of an address (IPv4 or IPv6, brackets allowed), or null when it is not one. */
export function parseIp(text: string): Uint8Array | null {
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const bytes = bare.includes(":") ? parseIpv6(bare) : parseIpv4(bare);
  return bytes === null ? null : unmapped(bytes);
}

function formatBytes(bytes: Uint8Array): string {
  if (bytes.length === 4) return [...bytes].join(".");
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return words.join(":");
}

/** True when a ban target is meant as an address or range (digits and dots, a colon, a slash). */
export function looksLikeAddress(text: string): boolean {
  return text.includes("/") || text.includes(":") || /^[\d.]+$/.test(text);
}

/**
 * `1.2.3.4`, `10.0.0.0/8`, `2001:db8::/32`, `::1` as a range; throws AddressError otherwise
 * (host bits set under the prefix are cleared: `10.1.2.3/8` is `10.0.0.0/8`).
 */
export function parseRange(text: string): AddressRange {
  const slash = text.indexOf("/");
  const address = slash < 0 ? text : text.slice(0, slash);
  const parsed = parseIp(address);
  if (parsed === null) throw new AddressError(text);
  const bits = parsed.length * 8;
  let prefix = bits;
  if (slash >= 0) {
    const given = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(given)) throw new AddressError(text);
    // A mapped IPv4 range (`::ffff:10.0.0.0/104`) counts its prefix in IPv6 bits.
    const wasMapped = address.includes(":") && parsed.length === 4;
    prefix = Number(given) - (wasMapped ? 96 : 0);
    if (prefix < 0 || prefix > bits) throw new AddressError(text);
  }
  const bytes = parsed.slice();
  for (let bit = prefix; bit < bits; bit++) bytes[bit >> 3] &= ~(0x80 >> (bit & 7));
  return { bytes, prefix, canonical: `${formatBytes(bytes)}/${prefix}` };
}

/** True when `ip` (as a connection reports it) is inside `range`. */
export function rangeContains(range: AddressRange, ip: string): boolean {
  const bytes = parseIp(ip);
  if (bytes === null || bytes.length !== range.bytes.length) return false;
  const full = range.prefix >> 3;
  for (let i = 0; i < full; i++) if (bytes[i] !== range.bytes[i]) return false;
  const rest = range.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (bytes[full] & mask) === range.bytes[full];
}

/** The loopback addresses: 127.0.0.0/8 and ::1. */
export const LOOPBACK_RANGES: readonly AddressRange[] = [
  parseRange("127.0.0.0/8"),
  parseRange("::1"),
];

/** True for a loopback peer (the password of `/oper` never leaves the machine). */
export function isLoopback(ip: string): boolean {
  return LOOPBACK_RANGES.some((range) => rangeContains(range, ip));
}

/** True when two ranges share an address (one holds the other's network). */
export function rangesOverlap(a: AddressRange, b: AddressRange): boolean {
  if (a.bytes.length !== b.bytes.length) return false;
  const wider = a.prefix <= b.prefix ? a : b;
  const narrower = wider === a ? b : a;
  return rangeContains(wider, formatBytes(narrower.bytes));
}
