/**
 * What the frame decoder takes and gives: its options, the {@link Frame} it returns and the
 * progress report of a frame still arriving. Re-exported from `frame-decoder.ts`.
 */
import type { Buffer } from 'node:buffer';
import type { Opcode } from './opcodes.js';

/** One decoded frame. A fresh object per frame, so the caller may keep it. */
export interface Frame {
  /** Last frame of its message. */
  fin: boolean;
  /** RSV1: the first frame of a permessage-deflate compressed message. */
  rsv1: boolean;
  opcode: Opcode;
  /** The payload, already unmasked: a view of the fed bytes when the frame lay in one chunk. */
  payload: Buffer;
  /** Whether the frame was masked on the wire. */
  masked: boolean;
}

/** The header of a frame whose payload has not fully arrived yet, and how much of it has. */
export interface PendingFrameHeader {
  opcode: Opcode;
  fin: boolean;
  /** Declared payload length in bytes. */
  length: number;
  /** Payload bytes received so far (0 ≤ received < length). */
  received: number;
}

export interface FrameDecoderOptions {
  /**
   * Which end we are. A `'server'` receives client frames, which must be masked; a `'client'`
   * receives server frames, which must not be.
   */
  role: 'server' | 'client';
  /** Largest payload accepted in one frame; a larger declared length closes with 1009. Default 100 MiB (as ws). */
  maxPayloadBytes?: number;
  /** Accept RSV1 on the first frame of a data message: true only when permessage-deflate was negotiated. Default false. */
  allowRsv1?: boolean;
}

/** Default {@link FrameDecoderOptions.maxPayloadBytes}: 100 MiB, as ws. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 100 * 1024 * 1024;
