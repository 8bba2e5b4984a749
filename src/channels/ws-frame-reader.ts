/**
 * `read(name, {websocket: true})`: WebSocket frames read from any channel, returning
 * ns_connchan's result dict. Unlike NaviServer, frames are validated (masking by role, RSV bits,
 * opcodes, control-frame rules, size limit, UTF-8 of text), and a control frame that arrives
 * between the fragments of a message is returned on its own instead of being merged into it.
 */
import { FrameDecoder, type Frame } from '../proto/ws/frame-decoder.js';
import { NEED_DATA } from '../proto/need-data.js';
import { Opcode, isControlOpcode } from '../proto/ws/opcodes.js';
import { Utf8StreamValidator } from '../proto/bytes/utf8.js';
import { ProtocolError } from '../errors.js';
import type { Channel } from './channel.js';
import { extendStatus } from './channel-table.js';
import { processState } from '../process-state.js';

/** The result of a WebSocket-mode read (ns_connchan's dict, with typed fields). */
export interface WsReadResult {
  /** `complete` when a frame was decoded by this call, else `incomplete`. */
  frame: 'complete' | 'incomplete';
  /** FIN bit of the decoded frame (present when complete). */
  fin?: boolean;
  /** Opcode of the message (of its first fragment), present when a message or control frame is finished. */
  opcode?: number;
  /** The whole message (fragments joined) or control frame payload, present with `opcode`. */
  payload?: Buffer;
  /** Bytes received and not yet decoded (the frame buffer). */
  unprocessed: number;
  /** Bytes held in the fragments buffer of an unfinished message. */
  fragments: number;
  /** Unprocessed bytes remain: call again before waiting for the channel to become readable. */
  haveData: boolean;
  /** Bytes taken from the channel by this call (0 when only leftovers were parsed, or at EOF). */
  bytes: number;
  /** True when the channel reached end of input and no frame could be decoded. */
  eof: boolean;
}

export interface WsReadOptions {
  /** Override the role (default: server for accepted/detached channels, client for outgoing). */
  role?: 'server' | 'client';
  /** Largest frame payload and message accepted (1009 beyond). Default 100 MiB. */
  maxMessageBytes?: number;
  /** Wait up to this long for data when none is buffered (default: the channel's receive timeout). */
  timeoutMs?: number;
}

class WsReadState {
  readonly decoder: FrameDecoder;
  readonly maxMessageBytes: number;
  fragments: Buffer[] = [];
  fragmentBytes = 0;
  fragmentOpcode = 0;
  readonly utf8 = new Utf8StreamValidator();

  constructor(role: 'server' | 'client', maxMessageBytes: number) {
    this.decoder = new FrameDecoder({ role, maxPayloadBytes: maxMessageBytes });
    this.maxMessageBytes = maxMessageBytes;
  }
}

/** Per channel, one map per process (a channel may be made by another copy of connchan). */
const { states } = processState('channels/ws-read@1', () => ({
  states: new WeakMap<Channel, WsReadState>(),
}));

function stateOf(channel: Channel, options: WsReadOptions): WsReadState {
  let state = states.get(channel);
  if (!state) {
    state = new WsReadState(
      options.role ?? channel.role,
      options.maxMessageBytes ?? 100 * 1024 * 1024,
    );
    states.set(channel, state);
    const s = state;
    extendStatus(channel, () => ({
      framebuffer: s.decoder.bufferedBytes,
      fragments: s.fragmentBytes,
    }));
  }
  return state;
}

/**
 * Reads one WebSocket frame from the channel. Parses leftovers first; reads from the channel
 * only when they do not hold a whole frame.
 *
 * @example
 * ```ts
 * const r = await readWsFrame(channel);
 * if (r.frame === 'complete' && r.opcode === Opcode.TEXT) console.log(r.payload!.toString());
 * ```
 */
export async function readWsFrame(
  channel: Channel,
  options: WsReadOptions = {},
): Promise<WsReadResult> {
  const state = stateOf(channel, options);
  let frame = state.decoder.next();
  let bytes = 0;
  let eof = false;
  if (frame === NEED_DATA) {
    const data = await channel.read({ timeoutMs: options.timeoutMs });
    bytes = data.length;
    if (bytes === 0) eof = true;
    else {
      state.decoder.feed(data);
      frame = state.decoder.next();
    }
  }
  if (frame === NEED_DATA) return result(state, 'incomplete', bytes, eof);
  return complete(state, frame, bytes);
}

function result(
  state: WsReadState,
  frame: 'complete' | 'incomplete',
  bytes: number,
  eof: boolean,
): WsReadResult {
  const unprocessed = state.decoder.bufferedBytes;
  return {
    frame,
    unprocessed,
    fragments: state.fragmentBytes,
    haveData: unprocessed > 0,
    bytes,
    eof,
  };
}

function protocolError(message: string, code: string, closeCode = 1002): never {
  throw new ProtocolError(message, { code, closeCode });
}

function complete(state: WsReadState, f: Frame, bytes: number): WsReadResult {
  const r = result(state, 'complete', bytes, false);
  r.fin = f.fin;
  if (isControlOpcode(f.opcode)) {
    r.opcode = f.opcode;
    r.payload = f.payload;
    return r;
  }
  const starting = f.opcode !== Opcode.CONTINUATION;
  if (starting && state.fragments.length > 0) {
    protocolError(
      'a new data frame arrived inside a fragmented message',
      'ERR_WS_EXPECTED_CONTINUATION',
    );
  }
  if (!starting && state.fragments.length === 0) {
    protocolError(
      'a continuation frame arrived without a message to continue',
      'ERR_WS_UNEXPECTED_CONTINUATION',
    );
  }
  const opcode = starting ? f.opcode : state.fragmentOpcode;
  if (state.fragmentBytes + f.payload.length > state.maxMessageBytes) {
    protocolError(
      `message larger than ${state.maxMessageBytes} bytes`,
      'ERR_WS_MESSAGE_TOO_BIG',
      1009,
    );
  }
  if (opcode === Opcode.TEXT && !state.utf8.push(f.payload)) {
    protocolError('text message is not valid UTF-8', 'ERR_WS_INVALID_UTF8', 1007);
  }
  if (!f.fin) {
    if (starting) state.fragmentOpcode = f.opcode;
    state.fragments.push(Buffer.from(f.payload));
    state.fragmentBytes += f.payload.length;
    r.fragments = state.fragmentBytes;
    return r;
  }
  if (opcode === Opcode.TEXT && !state.utf8.end()) {
    protocolError('text message ends inside a UTF-8 sequence', 'ERR_WS_INVALID_UTF8', 1007);
  }
  r.opcode = opcode;
  r.payload =
    state.fragments.length === 0 ? f.payload : Buffer.concat([...state.fragments, f.payload]);
  state.fragments = [];
  state.fragmentBytes = 0;
  r.fragments = 0;
  return r;
}
