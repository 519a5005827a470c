/**
 * Operator passwords: scrypt hashes in one self-describing text form,
 * `scrypt$N$r$p$SALT$HASH` (salt and hash in base64), made with a random salt and checked in
 * constant time. The cost parameters travel with the hash, so stronger ones can come later
 * without breaking files that hold older hashes.
 * @module
 */

import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

/** The cost of new hashes: N = 2^14, r = 8, p = 1 (about 16 MiB and 50 ms a check). */
export const SCRYPT_COST = { N: 16384, r: 8, p: 1 } as const;

/** Bytes of salt and of derived key in new hashes. */
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** The most memory a hash from a file may ask for (128 * N * r * p bytes). */
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;

/** A parsed hash. */
export interface PasswordHash {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Uint8Array;
  readonly hash: Uint8Array;
}

/** A hash text that is not in the `scrypt$N$r$p$salt$hash` form, or asks for too much. */
export class PasswordHashError extends Error {
  constructor(reason: string) {
    super(`bad password hash: ${reason}`);
    this.name = "PasswordHashError";
  }
}

function base64(text: string, what: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new PasswordHashError(`the ${what} is not base64`);
  }
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** Parses `scrypt$N$r$p$salt$hash`; throws PasswordHashError. */
export function parsePasswordHash(text: string): PasswordHash {
  const parts = text.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") {
    throw new PasswordHashError("expected scrypt$N$r$p$SALT$HASH (see: chat hash-password)");
  }
  const [N, r, p] = parts.slice(1, 4).map((part) => /^\d{1,10}$/.test(part) ? Number(part) : 0);
  if (N < 2 || (N & (N - 1)) !== 0) throw new PasswordHashError("N must be a power of 2");
  if (r < 1 || p < 1) throw new PasswordHashError("r and p must be positive whole numbers");
  if (128 * N * r * p > MAX_SCRYPT_MEMORY) {
    throw new PasswordHashError("its cost needs more than 256 MiB of memory");
  }
  const salt = base64(parts[4], "salt");
  const hash = base64(parts[5], "hash");
  if (hash.length < 16) throw new PasswordHashError("the hash is shorter than 16 bytes");
  return { N, r, p, salt, hash };
}

function derive(
  password: string,
  salt: Uint8Array,
  length: number,
  cost: { N: number; r: number; p: number },
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const maxmem = 128 * cost.N * cost.r * cost.p + 1024 * 1024;
    scrypt(password, salt, length, { ...cost, maxmem }, (error, key) => {
      if (error !== null) reject(error);
      else resolve(new Uint8Array(key));
    });
  });
}

/** A new hash of `password` with a random salt, in the `scrypt$...` form. */
export async function hashPassword(password: string): Promise<string> {
  const salt = new Uint8Array(randomBytes(SALT_BYTES));
  const key = await derive(password, salt, KEY_BYTES, SCRYPT_COST);
  const { N, r, p } = SCRYPT_COST;
  return `scrypt$${N}$${r}$${p}$${toBase64(salt)}$${toBase64(key)}`;
}

/** True when `password` matches `hash`; the comparison takes the same time either way. */
export async function verifyPassword(password: string, hash: PasswordHash): Promise<boolean> {
  const key = await derive(password, hash.salt, hash.hash.length, hash);
  return timingSafeEqual(key, hash.hash);
}
