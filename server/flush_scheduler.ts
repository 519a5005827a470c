/**
 * One scheduler for every outbox of the process: it decides when each client's queued frames are
 * written, moderating writes under load and spreading a large round of writes over several
 * event-loop turns so reads keep flowing.
 * @module
 */

import { type Clock, systemClock, type Timer } from "./clock.ts";
import { DEFAULT_FLUSH_POLICY, FlushPolicy, type FlushPolicyOptions } from "./flush_policy.ts";

/** Real time that never jumps: milliseconds from `performance.now()`, the runtime's timers. */
export const monotonicClock: Clock = {
  now: () => performance.now(),
  after: systemClock.after,
  every: systemClock.every,
};

/** At most this many writes are started in one event-loop turn; the rest wait for the next. */
export const FLUSHES_PER_TURN = 256;

/** The scheduler's bookkeeping kept on each item (one small object, no map lookups). */
export class FlushSlot {
  /** When the item last started a write, in clock ms. */
  lastFlushAt = -Infinity;
  /** True while the item waits in one of the scheduler's queues. */
  queued = false;
  /** The load window in which the item was last counted as active. */
  window = -1;
}

/** What the scheduler writes out: an outbox. */
export interface Flushable {
  /** Starts one write of what is queued; the item asks again when more is queued. */
  flush(): void;
  /** Bookkeeping owned by the scheduler. */
  readonly flushSlot: FlushSlot;
}

/**
 * Runs `flush()` for the items that asked, never twice for one request. While the server is
 * quiet an item is flushed once the current turn's work is done (a microtask), so frames
 * produced by every read of a turn share one write per client. Under load (see
 * {@link FlushPolicy}) an item is flushed no sooner than the policy's gap after its previous
 * write, on a timer; items are flushed in request order, at most {@link FLUSHES_PER_TURN} per
 * turn.
 */
export class FlushScheduler {
  readonly #clock: Clock;
  readonly #policy: FlushPolicy;
  #ready: Flushable[] = [];
  #readyHead = 0;
  #readyScheduled = false;
  #delayed: Flushable[] = [];
  #dueAt: number[] = [];
  #delayedHead = 0;
  #timer: Timer | null = null;
  /** Items with `queued` set, in either queue. */
  #waiting = 0;

  constructor(
    clock: Clock = monotonicClock,
    options: Readonly<FlushPolicyOptions> = DEFAULT_FLUSH_POLICY,
  ) {
    this.#clock = clock;
    this.#policy = new FlushPolicy(clock.now(), options);
  }

  /** The moderation gap in force, in ms (0 while quiet). */
  get gapMs(): number {
    return this.#policy.gapMs;
  }

  /** Items waiting for a flush. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Counts a frame handed to `slot`'s item, for the load measure. Called once per delivery. */
  noteDelivery(slot: FlushSlot): void {
    const window = this.#policy.window;
    if (slot.window === window) this.#policy.count(false);
    else {
      slot.window = window;
      this.#policy.count(true);
    }
  }

  /** Asks for `item` to be flushed: soon, or once its gap since its last write has passed. */
  request(item: Flushable): void {
    const slot = item.flushSlot;
    if (slot.queued) return;
    slot.queued = true;
    this.#waiting++;
    const now = this.#clock.now();
    this.#policy.tick(now);
    const gap = this.#policy.gapMs;
    // Never more than one gap away, even if the clock went backwards.
    const due = Math.min(slot.lastFlushAt + gap, now + gap);
    if (due <= now) {
      this.#ready.push(item);
      if (!this.#readyScheduled) {
        this.#readyScheduled = true;
        queueMicrotask(this.#runReady);
      }
      return;
    }
    this.#delayed.push(item);
    this.#dueAt.push(due);
    if (this.#timer === null) this.#arm(due - now);
  }

  /** Forgets a request (the item stopped); its place in a queue is skipped. */
  withdraw(item: Flushable): void {
    const slot = item.flushSlot;
    if (!slot.queued) return;
    slot.queued = false;
    if (--this.#waiting === 0) this.#clearDelayed();
  }

  readonly #runReady = (): void => {
    this.#readyScheduled = false;
    this.#flushReady(this.#clock.now());
  };

  readonly #onTimer = (): void => {
    this.#timer = null;
    const now = this.#clock.now();
    const delayed = this.#delayed;
    const dueAt = this.#dueAt;
    let head = this.#delayedHead;
    while (head < delayed.length && dueAt[head] <= now) this.#ready.push(delayed[head++]);
    if (head === delayed.length) {
      this.#delayed = [];
      this.#dueAt = [];
      this.#delayedHead = 0;
    } else {
      this.#delayedHead = head;
      if (head > 1024 && head * 2 > delayed.length) {
        this.#delayed = delayed.slice(head);
        this.#dueAt = dueAt.slice(head);
        this.#delayedHead = 0;
      }
      this.#arm(dueAt[head] - now);
    }
    this.#flushReady(now);
  };

  /** Flushes up to one turn's worth of ready items; the rest continue in the next turn. */
  #flushReady(now: number): void {
    this.#policy.tick(now);
    const ready = this.#ready;
    let head = this.#readyHead;
    let budget = FLUSHES_PER_TURN;
    while (head < ready.length && budget > 0) {
      const item = ready[head++];
      const slot = item.flushSlot;
      if (!slot.queued) continue;
      slot.queued = false;
      this.#waiting--;
      slot.lastFlushAt = now;
      budget--;
      item.flush();
    }
    if (this.#waiting === 0) this.#clearDelayed();
    if (head >= ready.length) {
      this.#ready = [];
      this.#readyHead = 0;
      return;
    }
    this.#readyHead = head;
    if (!this.#readyScheduled) {
      this.#readyScheduled = true;
      // A macrotask, not a microtask: the reads that completed meanwhile run first.
      this.#clock.after(0, this.#runReady);
    }
  }

  #arm(ms: number): void {
    this.#timer = this.#clock.after(Math.max(0, Math.ceil(ms)), this.#onTimer);
  }

  /**
   * Nothing is waiting: drop the delayed queue's withdrawn leftovers and its timer. (The ready
   * queue always has a turn scheduled, which skips its leftovers.)
   */
  #clearDelayed(): void {
    this.#timer?.cancel();
    this.#timer = null;
    this.#delayed = [];
    this.#dueAt = [];
    this.#delayedHead = 0;
  }
}

/** The scheduler every outbox of this process shares unless given another (tests use their own). */
export const processFlushScheduler: FlushScheduler = new FlushScheduler();
