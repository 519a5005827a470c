/**
 * Waiting for a crowd's leave notices, told one by one or gathered (`a, b, c and 17 others left`).
 * @module
 */

import { leftCount } from "../../server/notices.ts";
import type { TestClient } from "./wire.ts";

/**
 * Reads `client`'s frames until its leave notices have counted `count` users; resolves with
 * those notices, in order.
 */
export async function leaveNotices(
  client: TestClient,
  count: number,
  timeoutMs = 10_000,
): Promise<string[]> {
  const notices: string[] = [];
  let told = 0;
  await client.waitForFrame((frame) => {
    const left = frame.username === "" ? leftCount(frame.message) : 0;
    if (left > 0) notices.push(frame.message);
    told += left;
    return told >= count;
  }, timeoutMs);
  return notices;
}

/**
 * The names a leave notice lists (`a, b, c and 17 others left` lists a, b and c; `a and b left
 * (closed)` lists a and b); empty for any other text.
 */
export function namesListed(text: string): string[] {
  if (leftCount(text) === 0) return [];
  return text.replace(/ left( \(.*\))?$/s, "").replace(/ and \d+ others$/, "").split(/, | and /);
}
