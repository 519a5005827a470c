/**
 * Seeded randomness for tests: the same seed gives the same sequence everywhere, so a failing
 * random case can be replayed.
 * @module
 */

/**
 * mulberry32: a small, fast generator of numbers in [0, 1). Tests use it instead of Math.random
 * so that a failure names a seed that reproduces it.
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The seed a fuzz test runs with: `FUZZ_SEED` when set (to replay a failure), else `fallback`.
 * Without --allow-env the fallback is used; a FUZZ_SEED that is not an integer is an error.
 */
export function fuzzSeed(fallback: number): number {
  let raw: string | undefined;
  try {
    raw = Deno.env.get("FUZZ_SEED");
  } catch {
    raw = undefined; // no --allow-env: use the fallback
  }
  if (raw === undefined || raw === "") return fallback >>> 0;
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got "${raw}"`);
  return seed >>> 0;
}
