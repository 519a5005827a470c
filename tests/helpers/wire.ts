/**
 * A raw protocol client for tests: the kit's wire client (kit/wire_client.ts), under the name
 * the tests know it by. Reading is lazy: it reads only while a test waits for something.
 * @module
 */

export {
  type Address,
  connectClient,
  DEFAULT_WAIT_MS,
  showFrame,
  WireClient as TestClient,
} from "../../kit/wire_client.ts";
export { TimeoutError, waitUntil, withTimeout } from "../../kit/timeout.ts";
