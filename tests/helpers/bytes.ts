/**
 * Byte helpers the codec tests share.
 * @module
 */

/** The parts one after another in one buffer, as a stream would deliver them whole. */
export { concatBytes as concat } from "../../kit/bytes.ts";

/**
 * A frame header alone (username length u16, message length u32, big-endian) with no body, so
 * a test can declare any length, also one the encoder would refuse.
 */
export function frameHeader(nameLength: number, messageLength: number): Uint8Array {
  const out = new Uint8Array(6);
  const view = new DataView(out.buffer);
  view.setUint16(0, nameLength);
  view.setUint32(2, messageLength);
  return out;
}
