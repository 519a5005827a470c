/**
 * Waiting with a deadline in a test: the kit's (kit/timeout.ts).
 * @module
 */

export { TimeoutError, waitUntil, withTimeout } from "../../kit/timeout.ts";
