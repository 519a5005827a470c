/**
 * A name's color: the same name always gets the same one of a few palette slots, on every page
 * load and for every viewer, so people are recognised at a glance.
 * @module
 */

/** How many colors the style sheet defines (`.name-0` to `.name-7`). */
export const NAME_COLORS = 8;

/** The palette slot of `name` (case-insensitive, as names are). */
export function nameColor(name: string): number {
  let hash = 2166136261;
  for (const char of name.normalize("NFC").toLowerCase()) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 16777619);
  }
  return (hash >>> 0) % NAME_COLORS;
}
