/**
 * A clock the test moves by hand: timers fire only when {@link ManualClock.advance} passes them.
 * @module
 */

import type { Clock, Timer } from "../../server/clock.ts";

interface Scheduled {
  at: number;
  every: number;
  fn: () => void;
  cancelled: boolean;
}

/** A fake clock for the server's deps: frozen until the test advances it. */
export class ManualClock implements Clock {
  #now: number;
  #timers: Scheduled[] = [];

  /** Starts at `start` ms since the epoch (default: a fixed noon, for stable console stamps). */
  constructor(start = new Date(2026, 0, 1, 12, 0, 0).getTime()) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  after(ms: number, fn: () => void): Timer {
    return this.#add(ms, 0, fn);
  }

  every(ms: number, fn: () => void): Timer {
    return this.#add(ms, Math.max(1, ms), fn);
  }

  /** Timers scheduled and not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in time order. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const due = this.#timers
        .filter((t) => !t.cancelled && t.at <= target)
        .sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.#now = Math.max(this.#now, due.at);
      if (due.every > 0) due.at += due.every;
      else due.cancelled = true;
      due.fn();
    }
    this.#now = target;
    this.#timers = this.#timers.filter((t) => !t.cancelled);
  }

  #add(ms: number, every: number, fn: () => void): Timer {
    const timer: Scheduled = { at: this.#now + ms, every, fn, cancelled: false };
    this.#timers.push(timer);
    return { cancel: () => timer.cancelled = true };
  }
}
