/**
 * Node's internal stream binding (`process.binding('stream_wrap')`) and the libuv TCP handle's
 * methods, as io/handle-socket.ts uses them: found once, each field checked, or not at all. Where
 * anything is missing (another runtime, a future Node), or `CONNCHAN_NET_SOCKET=1` is set, the
 * server keeps `net.Socket` ({@link streamBinding} is undefined).
 */

/** A write or shutdown request: the object libuv completes, with the fields we hang on it. */
export interface StreamReq {
  handle: TcpHandle | undefined;
  oncomplete: (this: StreamReq, status: number) => void;
  /** Our fields: the socket it belongs to, its byte count, its callback(s). */
  owner: unknown;
  bytes: number;
  cb: unknown;
  /** What is being written (kept alive until libuv is done with it). */
  data: unknown;
}

/** The libuv TCP handle (`tcp_wrap.TCP`), as far as we use it. */
export interface TcpHandle {
  onread: (this: TcpHandle) => void;
  readStart(): number;
  readStop(): number;
  useUserBuffer(buffer: Uint8Array): void;
  writeBuffer(req: StreamReq, buffer: Uint8Array): number;
  writeLatin1String(req: StreamReq, s: string): number;
  writeUtf8String(req: StreamReq, s: string): number;
  writev(req: StreamReq, chunks: Uint8Array[], allBuffers: true): number;
  shutdown(req: StreamReq): number;
  close(cb: (this: TcpHandle) => void): void;
  getpeername(out: Record<string, unknown>): number;
  getsockname(out: Record<string, unknown>): number;
  setNoDelay(on: boolean): number;
  setKeepAlive(on: boolean, delaySeconds: number): number;
  readonly writeQueueSize: number;
  /** Ours: the socket the handle belongs to. */
  connchanSocket?: unknown;
}

export interface StreamBinding {
  WriteWrap: new () => StreamReq;
  ShutdownWrap: new () => StreamReq;
  /** Read size or error of the last read, async-ness and size of the last write. */
  state: Int32Array;
  kReadBytesOrError: number;
  kLastWriteWasAsync: number;
  kBytesWritten: number;
}

const HANDLE_METHODS = [
  'readStart',
  'readStop',
  'useUserBuffer',
  'writeBuffer',
  'writeLatin1String',
  'writeUtf8String',
  'writev',
  'shutdown',
  'close',
  'getpeername',
  'getsockname',
  'setNoDelay',
  'setKeepAlive',
] as const;

function find(): StreamBinding | undefined {
  if (process.env.CONNCHAN_NET_SOCKET === '1') return undefined;
  try {
    const get = (process as unknown as { binding?: (name: string) => unknown }).binding;
    if (typeof get !== 'function') return undefined;
    const b = get.call(process, 'stream_wrap') as Record<string, unknown>;
    const { WriteWrap, ShutdownWrap, streamBaseState } = b;
    const { kReadBytesOrError, kLastWriteWasAsync, kBytesWritten } = b;
    if (typeof WriteWrap !== 'function' || typeof ShutdownWrap !== 'function') return undefined;
    if (!(streamBaseState instanceof Int32Array)) return undefined;
    for (const k of [kReadBytesOrError, kLastWriteWasAsync, kBytesWritten]) {
      if (typeof k !== 'number' || k < 0 || k >= streamBaseState.length) return undefined;
    }
    return {
      WriteWrap: WriteWrap as StreamBinding['WriteWrap'],
      ShutdownWrap: ShutdownWrap as StreamBinding['ShutdownWrap'],
      state: streamBaseState,
      kReadBytesOrError: kReadBytesOrError as number,
      kLastWriteWasAsync: kLastWriteWasAsync as number,
      kBytesWritten: kBytesWritten as number,
    };
  } catch {
    return undefined;
  }
}

let found: StreamBinding | undefined | null = null;
let forcedOff = false;

/**
 * The binding, or undefined where the server must use `net.Socket`.
 *
 * @example
 * ```ts
 * if (streamBinding() && isTcpHandle(server._handle)) hookAccept(server);
 * ```
 */
export function streamBinding(): StreamBinding | undefined {
  if (forcedOff) return undefined;
  if (found === null) found = find();
  return found;
}

/**
 * @internal For tests: `false` makes servers listening from now on use `net.Socket` (the
 * fallback), `true` gives the handles back where Node has them.
 */
export function useHandleSockets(on: boolean): void {
  forcedOff = !on;
}

/** Whether `handle` has every TCP handle method we call. */
export function isTcpHandle(handle: unknown): handle is TcpHandle {
  if (handle === null || typeof handle !== 'object') return false;
  const h = handle as Record<string, unknown>;
  return HANDLE_METHODS.every((m) => typeof h[m] === 'function');
}
