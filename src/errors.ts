/**
 * The one error family of connchan. Every error has a stable `code` (`ERR_WS_*`, `ERR_HTTP_*`,
 * `ERR_CHAN_*`, …) that programs can switch on; the message says what was wrong in words.
 *
 * @example
 * ```ts
 * try { decoder.next(); } catch (err) {
 *   if (err instanceof ProtocolError) socket.close(err.closeCode ?? 1002);
 * }
 * ```
 */
export class ConnchanError extends Error {
  /** Stable machine-readable code, e.g. `ERR_WS_INVALID_OPCODE`. */
  readonly code: string;

  constructor(message: string, options: { code: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/** What a {@link ProtocolError} tells the peer: a WebSocket close code or an HTTP status. */
export interface ProtocolErrorAnswer {
  code: string;
  /** The WebSocket close code the connection must be closed with (RFC 6455 §7.4.1). */
  closeCode?: number;
  /** The HTTP status the peer must get (400, 413, 431, 426, 501, 505…). */
  status?: number;
  /** Extra response headers that belong to the answer (e.g. `Sec-WebSocket-Version` on 426). */
  headers?: Readonly<Record<string, string>>;
  cause?: unknown;
}

/**
 * The peer broke the protocol. Carries the answer the peer must get, so that no code elsewhere
 * maps error types to close codes or statuses.
 *
 * @example
 * ```ts
 * throw new ProtocolError('MASK bit must be set on client frames', {
 *   code: 'ERR_WS_EXPECTED_MASK',
 *   closeCode: 1002,
 * });
 * ```
 */
export class ProtocolError extends ConnchanError {
  readonly closeCode: number | undefined;
  readonly status: number | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(message: string, answer: ProtocolErrorAnswer) {
    super(message, answer);
    this.closeCode = answer.closeCode;
    this.status = answer.status;
    this.headers = answer.headers;
  }
}

/** The caller asked for something the protocol does not allow (e.g. a 126-byte ping). */
export class UsageError extends ConnchanError {}
