/**
 * The operators: names and password hashes from `--oper NAME:HASH` (repeatable) and
 * `--opers FILE` (one `NAME:HASH` a line, `#` comments and blank lines ignored). A check costs
 * the same whether or not the name is an operator, and `reload()` re-reads the file, keeping the
 * old set when the new one does not load.
 * @module
 */

import { checkUsername } from "../../protocol/mod.ts";
import {
  parsePasswordHash,
  type PasswordHash,
  PasswordHashError,
  SCRYPT_COST,
  verifyPassword,
} from "./password_hash.ts";

/** An operator entry that does not parse (which line of which source, and why). */
export class OperatorEntryError extends Error {
  constructor(where: string, reason: string) {
    super(`${where}: ${reason}`);
    this.name = "OperatorEntryError";
  }
}

/** Where the operators come from. */
export interface OperatorSources {
  /** `NAME:HASH` entries given on the command line. */
  readonly entries?: readonly string[];
  /** A file of `NAME:HASH` lines. */
  readonly file?: string;
}

/** One operator: its name's key and its hash. */
interface OperatorEntry {
  readonly key: string;
  readonly hash: PasswordHash;
}

/** Parses one `NAME:HASH` (split at the last colon: a hash holds none); throws OperatorEntryError. */
export function parseOperatorEntry(
  text: string,
  where: string,
): { key: string; hash: PasswordHash } {
  const colon = text.lastIndexOf(":");
  if (colon <= 0) throw new OperatorEntryError(where, "expected NAME:HASH");
  const check = checkUsername(text.slice(0, colon));
  if (!check.ok) throw new OperatorEntryError(where, `bad name: ${check.error.message}`);
  try {
    return { key: check.key, hash: parsePasswordHash(text.slice(colon + 1)) };
  } catch (error) {
    if (error instanceof PasswordHashError) throw new OperatorEntryError(where, error.message);
    throw error;
  }
}

function parseFile(file: string, text: string): OperatorEntry[] {
  const entries: OperatorEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    entries.push(parseOperatorEntry(line, `${file} line ${index + 1}`));
  });
  return entries;
}

async function readOperatorsFile(file: string): Promise<OperatorEntry[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new OperatorEntryError(
      `operators file ${file}`,
      `cannot read: ${reason.replace(/\s*\(os error \d+\).*$/, "")}`,
    );
  }
  return parseFile(file, text);
}

/** What a reload did. */
export type ReloadOutcome =
  | { ok: true; count: number }
  | { ok: false; reason: string };

/** A hash that matches nothing, checked for unknown names so they cost what known ones do. */
const DECOY: PasswordHash = {
  ...SCRYPT_COST,
  salt: crypto.getRandomValues(new Uint8Array(16)),
  hash: crypto.getRandomValues(new Uint8Array(32)),
};

/** Who may become an operator, and with which password. */
export class OperatorRegistry {
  readonly #sources: OperatorSources;
  #byKey: Map<string, PasswordHash>;

  private constructor(sources: OperatorSources, entries: readonly OperatorEntry[]) {
    this.#sources = sources;
    this.#byKey = toMap(entries);
  }

  /** Loads the command line's entries and the file; throws OperatorEntryError. */
  static async load(sources: OperatorSources): Promise<OperatorRegistry> {
    const fromArgs = (sources.entries ?? []).map((entry, i) =>
      parseOperatorEntry(entry, `--oper #${i + 1}`)
    );
    const fromFile = sources.file === undefined ? [] : await readOperatorsFile(sources.file);
    return new OperatorRegistry(sources, [...fromArgs, ...fromFile]);
  }

  /** How many operators there are. */
  get size(): number {
    return this.#byKey.size;
  }

  /** True when the name (by key) is an operator's. */
  has(key: string): boolean {
    return this.#byKey.has(key);
  }

  /** True when `password` is the operator password of `key`; false for unknown names too. */
  async verify(key: string, password: string): Promise<boolean> {
    const hash = this.#byKey.get(key);
    const matched = await verifyPassword(password, hash ?? DECOY);
    return hash !== undefined && matched;
  }

  /**
   * Re-reads `--opers FILE` (the command line's entries stay). On failure the old set is kept
   * and the reason returned. Operators already logged in keep their rights for their connection.
   */
  async reload(): Promise<ReloadOutcome> {
    try {
      const fresh = await OperatorRegistry.load(this.#sources);
      this.#byKey = fresh.#byKey;
      return { ok: true, count: this.#byKey.size };
    } catch (error) {
      return { ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
  }
}

function toMap(entries: readonly OperatorEntry[]): Map<string, PasswordHash> {
  return new Map(entries.map((entry) => [entry.key, entry.hash]));
}
