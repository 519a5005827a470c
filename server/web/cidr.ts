/**
 * IP address ranges in CIDR notation (`10.0.0.0/8`, `::1/128`), for the proxies whose
 * `X-Forwarded-For` the web listener trusts.
 * @module
 */

/** A `--trusted-proxy` value is not a CIDR range. */
export class CidrError extends Error {
  constructor(value: string) {
    super(`'${value}' is not an address range like 10.0.0.0/8 or ::1/128`);
    this.name = "CidrError";
  }
}

/** An address as a number and its family's width in bits. */
interface IpNumber {
  readonly bits: 32 | 128;
  readonly value: bigint;
}

/** One parsed range. */
export interface Cidr {
  readonly bits: 32 | 128;
  readonly network: bigint;
  readonly prefix: number;
}

/** Parses an IPv4 or IPv6 address (an IPv4-mapped IPv6 address is read as IPv4); null if not one. */
export function parseIp(text: string): IpNumber | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  if (mapped !== null) return parseIpv4(mapped[1]);
  return text.includes(":") ? parseIpv6(text) : parseIpv4(text);
}

function parseIpv4(text: string): IpNumber | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    value = (value << 8n) | BigInt(Number(part));
  }
  return { bits: 32, value };
}

function parseIpv6(text: string): IpNumber | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (half: string) => half === "" ? [] : half.split(":");
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  let value = 0n;
  for (const group of [...head, ...Array(missing).fill("0"), ...tail]) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return null;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  return { bits: 128, value };
}

/** Parses `ADDRESS/PREFIX` (a bare address is the range of that one address). */
export function parseCidr(text: string): Cidr {
  const [address, prefixText, extra] = text.split("/");
  const ip = parseIp(address);
  if (ip === null || extra !== undefined) throw new CidrError(text);
  const prefix = prefixText === undefined ? ip.bits : Number(prefixText);
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText) || prefix > ip.bits) {
    throw new CidrError(text);
  }
  return { bits: ip.bits, network: ip.value & mask(ip.bits, prefix), prefix };
}

/** True when `address` lies in `range`. */
export function cidrContains(range: Cidr, address: string): boolean {
  const ip = parseIp(address);
  if (ip === null || ip.bits !== range.bits) return false;
  return (ip.value & mask(range.bits, range.prefix)) === range.network;
}

function mask(bits: number, prefix: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return all ^ ((1n << BigInt(bits - prefix)) - 1n);
}
