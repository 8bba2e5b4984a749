/**
 * The operations another member may ask this one to do on a channel it owns — list, status,
 * exists, close, write, and a WebSocket's send and close — run with the local verbs, their
 * result or error sent back as a {@link ClusterAnswer}. Bytes travel as base64.
 */
import { Buffer } from 'node:buffer';
import { close as closeChannel, exists, list, status, write } from '../channels/index.js';
import { ConnchanError } from '../errors.js';
import { close as closeWebSocket, lookup } from '../ws/index.js';
import type { ClusterAnswer, ClusterRequest } from './broker.js';
import { encodeListing } from './list-codec.js';

/** Bytes or text as they travel in a question. */
export type Payload = { text: string } | { b64: string };

export function toPayload(data: string | Uint8Array): Payload {
  return typeof data === 'string'
    ? { text: data }
    : { b64: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') };
}

function fromPayload(p: Payload): string | Buffer {
  return 'text' in p ? p.text : Buffer.from(p.b64, 'base64');
}

function str(args: Record<string, unknown>, key: string): string {
  const v = args[key];
  if (typeof v !== 'string')
    throw new ConnchanError(`missing ${key}`, { code: 'ERR_CLUSTER_BAD_REQUEST' });
  return v;
}

/** Runs an operation here; throws what the local verb throws. */
export function runLocal(req: ClusterRequest): unknown {
  const a = req.args;
  switch (req.op) {
    case 'list':
      return encodeListing(list());
    case 'status':
      return status(str(a, 'name'));
    case 'exists':
      return exists(str(a, 'name'));
    case 'close': {
      const name = str(a, 'name');
      // A WebSocket gets a closing handshake; any other channel is closed.
      try {
        closeWebSocket(
          lookup(name),
          typeof a.code === 'number' ? a.code : 1000,
          typeof a.reason === 'string' ? a.reason : undefined,
        );
      } catch {
        closeChannel(name);
      }
      return true;
    }
    case 'write':
      return write(str(a, 'name'), fromPayload(a.data as Payload), {
        buffered: a.buffered === true,
      });
    case 'wsSend':
      return lookup(str(a, 'name')).send(
        typeof a.type === 'number' ? a.type : str(a, 'type'),
        fromPayload(a.data as Payload),
        a.final !== false,
      );
    case 'wsClose':
      lookup(str(a, 'name')).close(
        typeof a.code === 'number' ? a.code : 1000,
        typeof a.reason === 'string' ? a.reason : undefined,
      );
      return true;
    default:
      throw new ConnchanError(`unknown cluster operation ${JSON.stringify(req.op)}`, {
        code: 'ERR_CLUSTER_BAD_REQUEST',
      });
  }
}

/** Runs a question from another member and packs the result or the error. */
export async function answer(req: ClusterRequest): Promise<ClusterAnswer> {
  try {
    return { ok: true, value: runLocal(req) };
  } catch (err) {
    const code = err instanceof ConnchanError ? err.code : 'ERR_CLUSTER_REMOTE';
    return { ok: false, code, message: err instanceof Error ? err.message : String(err) };
  }
}
