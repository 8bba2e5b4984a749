/**
 * The messages between a worker and the primary (node:cluster IPC with the `advanced`
 * serialization, so bytes travel as bytes). The primary routes them: a publish to the workers
 * that hear its topic, a question to the worker it is for, an answer back.
 */
import type { Buffer } from 'node:buffer';
import type { ClusterAnswer, ClusterRequest, MemberInfo } from './broker.js';

export type IpcMessage =
  | { cc: 'hello'; info: MemberInfo }
  | { cc: 'info'; info: MemberInfo }
  | { cc: 'pub'; topic: string; batch: Buffer | Uint8Array }
  | { cc: 'listen'; topic: string; on: boolean }
  | { cc: 'req'; id: number; from: string; to: string; req: ClusterRequest }
  | { cc: 'res'; id: number; to: string; answer: ClusterAnswer }
  | { cc: 'members'; members: MemberInfo[] }
  | { cc: 'drain' };

export function isIpcMessage(m: unknown): m is IpcMessage {
  return typeof m === 'object' && m !== null && typeof (m as { cc?: unknown }).cc === 'string';
}
