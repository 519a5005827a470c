/**
 * A single-consumer async queue: producers push events at any time, one consumer reads them with
 * `for await`. Events pushed before the consumer starts are kept, so none is lost between
 * connecting and the first read.
 * @module
 */

/** An unbounded buffer of events read as an async iterator; `end()` finishes the iteration. */
export class EventQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #head = 0;
  #ended = false;
  #wake: (() => void) | null = null;

  /** Adds an event; ignored after `end()`. */
  push(item: T): void {
    if (this.#ended) return;
    this.#items.push(item);
    this.#notify();
  }

  /** No more events: the consumer's loop ends once it has read the buffered ones. */
  end(): void {
    this.#ended = true;
    this.#notify();
  }

  /** True once `end()` was called. */
  get ended(): boolean {
    return this.#ended;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Reads the next event, or undefined when the queue ended and is empty. */
  async next(): Promise<T | undefined> {
    while (this.#head >= this.#items.length) {
      if (this.#ended) return undefined;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    const item = this.#items[this.#head];
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (true) {
      const item = await this.next();
      if (item === undefined) return;
      yield item;
    }
  }
}
