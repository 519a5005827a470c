/**
 * Waiting with a deadline, so a test or an instrument that would hang fails with a message
 * saying what it waited for.
 * @module
 */

/** Thrown when something a test waited for did not happen in time. */
export class TimeoutError extends Error {
  constructor(label: string, ms: number) {
    super(`timed out after ${ms} ms waiting for ${label}`);
    this.name = "TimeoutError";
  }
}

/**
 * Resolves like `promise`, or rejects with a TimeoutError naming `label` after `ms`. The timer
 * is always cleared, so the sanitizers stay quiet. The promise itself is not cancelled.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(label, ms)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `condition` every few milliseconds until it holds; for state that has no event to wait
 * on (such as a server's count of connections). Rejects with a TimeoutError naming `label`.
 */
export async function waitUntil(
  condition: () => boolean,
  ms: number,
  label: string,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new TimeoutError(label, ms);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
