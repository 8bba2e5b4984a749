/**
 * The receiving half of a WebSocket in one object: a {@link FrameDecoder} and a
 * {@link MessageAssembler} behind one `feed`/`next` pair. This is what the I/O layer drives.
 */
import { NEED_DATA, type NeedData } from '../need-data.js';
import {
  FrameDecoder,
  type FrameDecoderOptions,
  type PendingFrameHeader,
} from './frame-decoder.js';
import {
  MessageAssembler,
  type MessageAssemblerOptions,
  type WsEvent,
} from './message-assembler.js';

export interface WsReceiverOptions extends FrameDecoderOptions, MessageAssemblerOptions {}

/**
 * Bytes in, {@link WsEvent}s out. Text is validated as its bytes arrive: a frame holding invalid
 * UTF-8 fails (1007) from the `next()` after the `feed` that brought the first invalid byte,
 * even when the frame is far from whole. After the peer's close event the receiver is done: `next()`
 * returns {@link NEED_DATA} and fed bytes are dropped (RFC 6455 §5.5.1: nothing may follow a
 * close frame). Errors are {@link ProtocolError}s carrying the close code to send.
 *
 * @example
 * ```ts
 * const receiver = new WsReceiver({ role: 'server' });
 * socket.on('data', (chunk) => {
 *   receiver.feed(chunk);
 *   for (let ev = receiver.next(); ev !== NEED_DATA; ev = receiver.next()) {
 *     if (ev.type === 'text') console.log(ev.data);
 *   }
 * });
 * ```
 */
export class WsReceiver {
  readonly #decoder: FrameDecoder;
  readonly #assembler: MessageAssembler;
  #closed = false;

  constructor(options: WsReceiverOptions) {
    this.#decoder = new FrameDecoder(options);
    this.#assembler = new MessageAssembler(options);
  }

  /** Hands received bytes over; the receiver owns them from now on (see {@link FrameDecoder.feed}). */
  feed(chunk: Uint8Array): void {
    if (!this.#closed) this.#decoder.feed(chunk);
  }

  /**
   * Hands over bytes valid only until {@link releaseLent} (see {@link FrameDecoder.feedLent}):
   * the events returned meanwhile own their data.
   *
   * @example
   * ```ts
   * receiver.feedLent(lent.subarray(0, nread)); // `lent` is overwritten by the next read
   * for (let ev = receiver.next(); ev !== NEED_DATA; ev = receiver.next()) handle(ev);
   * receiver.releaseLent();
   * ```
   */
  feedLent(bytes: Buffer): void {
    if (!this.#closed) this.#decoder.feedLent(bytes);
  }

  /** Copies what is left of lent bytes; call it once {@link next} has been drained. */
  releaseLent(): void {
    this.#decoder.releaseLent();
  }

  /** The next event, or {@link NEED_DATA}. Throws {@link ProtocolError} when the peer broke the protocol. */
  next(): WsEvent | NeedData {
    if (this.#closed) return NEED_DATA;
    const decoder = this.#decoder;
    const assembler = this.#assembler;
    for (;;) {
      const frame = decoder.next();
      if (frame === NEED_DATA) {
        // A text frame part-way in: judge its bytes now, not when the frame is whole.
        if (decoder.arriving) {
          const arriving = decoder.arrivingPayload();
          if (arriving !== undefined) assembler.validateArriving(arriving.b0, arriving.payload);
        }
        return NEED_DATA;
      }
      const ev = assembler.push(frame);
      if (ev !== undefined) {
        if (ev.type === 'close') this.#closed = true;
        return ev;
      }
    }
  }

  /** True once the peer's close frame was returned. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes received but not yet returned in a frame (ns_connchan's "framebuffer"). */
  get bufferedBytes(): number {
    return this.#decoder.bufferedBytes;
  }

  /** Payload bytes of an unfinished fragmented message (ns_connchan's "fragments"). */
  get fragmentBytes(): number {
    return this.#assembler.bufferedBytes;
  }

  /** The header of a frame still arriving, with its progress (see {@link FrameDecoder.pendingHeader}). */
  pendingHeader(): PendingFrameHeader | undefined {
    return this.#decoder.pendingHeader();
  }
}
