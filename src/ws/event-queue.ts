/**
 * The async-iterable face of a connection: events are queued for one consumer and handed out in
 * order; the queue tells its owner when it is long (to pause reading) and when it has room again.
 */
import type { WsConnectionEvent } from './types.js';

/** Above this many queued events the connection stops reading from its socket. */
export const EVENT_QUEUE_HIGH = 1024;

export class EventQueue implements AsyncIterator<WsConnectionEvent> {
  readonly #items: WsConnectionEvent[] = [];
  #head = 0;
  #waiter: ((r: IteratorResult<WsConnectionEvent>) => void) | undefined;
  #ended = false;
  #full = false;
  readonly #onRoom: () => void;

  /** @param onRoom - called when a long queue has been read down to half its high mark. */
  constructor(onRoom: () => void) {
    this.#onRoom = onRoom;
  }

  /** Queued events not yet taken. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Adds an event; returns true while the queue is below {@link EVENT_QUEUE_HIGH}. */
  push(ev: WsConnectionEvent): boolean {
    if (this.#ended) return true;
    const w = this.#waiter;
    if (w !== undefined) {
      this.#waiter = undefined;
      w({ value: ev, done: false });
      return true;
    }
    this.#items.push(ev);
    if (this.length < EVENT_QUEUE_HIGH) return true;
    this.#full = true;
    return false;
  }

  /** No more events: a waiting `next()` and later ones finish once the queue is empty. */
  end(): void {
    this.#ended = true;
    if (this.length === 0 && this.#waiter !== undefined) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<WsConnectionEvent>> {
    if (this.length > 0) {
      const value = this.#items[this.#head++];
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items.splice(0, this.#head);
        this.#head = 0;
      }
      if (this.#full && this.length < EVENT_QUEUE_HIGH / 2) {
        this.#full = false;
        this.#onRoom();
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  /** Breaking out of `for await` ends the iteration; queued events are dropped. */
  return(): Promise<IteratorResult<WsConnectionEvent>> {
    this.#ended = true;
    this.#items.length = 0;
    this.#head = 0;
    if (this.#full) {
      this.#full = false;
      this.#onRoom();
    }
    return Promise.resolve({ value: undefined, done: true });
  }
}
