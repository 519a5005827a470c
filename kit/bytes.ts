/**
 * Joining byte chunks, shared by the load generator's writers, the codec benchmark and the tests.
 * @module
 */

/** The parts one after another in one new buffer (one allocation, one copy of each part). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
