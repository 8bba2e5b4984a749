/**
 * Messages waiting to be sent behind a compressed one (compression is asynchronous), in order,
 * with their uncompressed byte count for `bufferedAmount`, and a close frame to send after them.
 */
import type { Buffer } from 'node:buffer';

/** One frame to send. */
export interface OutItem {
  opcode: number;
  fin: boolean;
  payload: Buffer;
  compress: boolean;
}

export class OutQueue {
  readonly #items: OutItem[] = [];
  #bytes = 0;
  /** True while the pump loop runs. */
  pumping = false;
  /** A close frame to write once the queue is empty. */
  pendingClose: Buffer | undefined;

  /** Payload bytes queued. */
  get bytes(): number {
    return this.#bytes;
  }

  get length(): number {
    return this.#items.length;
  }

  /** True when something is queued or being compressed: later frames must wait their turn. */
  get busy(): boolean {
    return this.pumping || this.#items.length > 0;
  }

  push(opcode: number, fin: boolean, payload: Buffer, compress: boolean): void {
    this.#items.push({ opcode, fin, payload, compress });
    this.#bytes += payload.length;
  }

  peek(): OutItem {
    return this.#items[0];
  }

  shift(): void {
    const item = this.#items.shift();
    if (item !== undefined) this.#bytes -= item.payload.length;
  }

  clear(): void {
    this.#items.length = 0;
    this.#bytes = 0;
  }
}
