/**
 * What a ban applies to: a name (by its uniqueness key) or an address range. The one place a
 * name becomes the keys a ban matches, where a look-alike skeleton joins the key.
 * @module
 */

import { checkUsername } from "../../protocol/mod.ts";
import { nameSkeleton } from "../name_skeleton.ts";
import { type AddressRange, looksLikeAddress, parseRange } from "./address.ts";

/** A parsed ban target. */
export type BanTarget =
  | { kind: "name"; key: string; name: string }
  | { kind: "range"; key: string; range: AddressRange };

/** A ban target that is neither a valid name nor a valid address or range. */
export class BanTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BanTargetError";
  }
}

/** The ban key of a name key. */
export function nameBanKey(key: string): string {
  return `name:${key}`;
}

/** The ban key of a range. */
export function rangeBanKey(range: AddressRange): string {
  return `net:${range.canonical}`;
}

/**
 * Whether a name ban holds for a user: `banKey` is the ban's key, `nameKey` the user's name key.
 * It holds for the same name (any case, NFC) and for a look-alike: a name with the same TR39
 * skeleton, so a ban on `paypal` also holds for `pаypal` with a Cyrillic `а`.
 */
export function nameBanHolds(banKey: string, nameKey: string): boolean {
  if (banKey === nameBanKey(nameKey)) return true;
  const prefix = nameBanKey("");
  if (!banKey.startsWith(prefix)) return false;
  return nameSkeleton(banKey.slice(prefix.length)) === nameSkeleton(nameKey);
}

/** Parses `/ban`'s TARGET; throws BanTargetError (AddressError's text for a bad address). */
export function parseBanTarget(text: string): BanTarget {
  if (looksLikeAddress(text)) {
    try {
      const range = parseRange(text);
      return { kind: "range", key: rangeBanKey(range), range };
    } catch (error) {
      throw new BanTargetError(error instanceof Error ? error.message : String(error));
    }
  }
  const check = checkUsername(text);
  if (!check.ok) throw new BanTargetError(`bad name '${text}': ${check.error.message}`);
  return { kind: "name", key: nameBanKey(check.key), name: check.name };
}
