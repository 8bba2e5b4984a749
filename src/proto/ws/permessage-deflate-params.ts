/**
 * permessage-deflate negotiation (RFC 7692 §7.1): the server picks an offer and answers it, the
 * client builds its offer and checks the answer. Compression itself lives in `io/deflate.ts`.
 *
 * The four parameters, from the server's point of view:
 *
 * | parameter                  | in an offer (client → server)          | in a response (server → client)      |
 * |----------------------------|----------------------------------------|--------------------------------------|
 * | server_no_context_takeover | "reset your compressor per message"    | "I will" (may be sent unasked)       |
 * | client_no_context_takeover | hint: "I will reset mine"              | "reset yours" (may be sent unasked)  |
 * | server_max_window_bits=N   | "compress with at most 2^N"            | "I will use at most 2^N"             |
 * | client_max_window_bits[=N] | "you may limit my window" (hint N)     | "compress with at most 2^N"          |
 *
 * zlib cannot deflate with a 256-byte window (raw deflate with windowBits 8 silently becomes 9),
 * so: our own options treat 8 as 9; a server declines an offer that demands
 * server_max_window_bits=8; a client fails a response that demands client_max_window_bits=8.
 * Inflating is unaffected (io/deflate.ts inflates with at least 9 bits, which reads 8-bit data).
 */
import { ProtocolError, UsageError } from '../../errors.js';
import type { ExtensionOffer, ExtensionParam } from './extension-header.js';

/** The registered extension name. */
export const PERMESSAGE_DEFLATE = 'permessage-deflate';

/**
 * Our side's wishes. On a server: `serverNoContextTakeover` always resets our compressor,
 * `clientNoContextTakeover` asks the client to reset its one, `serverMaxWindowBits` caps our
 * window, `clientMaxWindowBits` caps the client's (offers that do not let us cap it are
 * declined). On a client: the same four are requested in the offer.
 */
export interface PerMessageDeflateOptions {
  serverNoContextTakeover?: boolean | undefined;
  clientNoContextTakeover?: boolean | undefined;
  /** 8–15; 8 is treated as 9 (see the module comment). */
  serverMaxWindowBits?: number | undefined;
  /** 8–15; 8 is treated as 9 (see the module comment). */
  clientMaxWindowBits?: number | undefined;
}

/** The parameters both sides agreed to; what `io/deflate.ts` is built from. */
export interface PerMessageDeflateAgreement {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  /** 8–15: the largest window the server compresses with. */
  serverMaxWindowBits: number;
  /** 8–15: the largest window the client compresses with. */
  clientMaxWindowBits: number;
}

/** One offer or response, read and checked. `clientMaxWindowBits: true` is the bare form. */
interface Params {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number | undefined;
  clientMaxWindowBits: number | true | undefined;
}

const BITS_RE = /^(?:[89]|1[0-5])$/;

/** Reads parameters; returns a reason string when they are invalid (to decline or fail). */
function readParams(params: readonly ExtensionParam[], bareClientBitsOk: boolean): Params | string {
  const out: Params = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: undefined,
    clientMaxWindowBits: undefined,
  };
  const seen = new Set<string>();
  for (const { name, value } of params) {
    if (seen.has(name)) return `parameter "${name}" appears twice`;
    seen.add(name);
    switch (name) {
      case 'server_no_context_takeover':
      case 'client_no_context_takeover':
        if (value !== undefined) return `parameter "${name}" takes no value, got "${value}"`;
        if (name === 'server_no_context_takeover') out.serverNoContextTakeover = true;
        else out.clientNoContextTakeover = true;
        break;
      case 'server_max_window_bits':
        if (value === undefined || !BITS_RE.test(value)) {
          return `parameter "${name}" needs a value from 8 to 15, got ${value === undefined ? 'none' : `"${value}"`}`;
        }
        out.serverMaxWindowBits = Number(value);
        break;
      case 'client_max_window_bits':
        if (value === undefined) {
          if (!bareClientBitsOk) return `parameter "${name}" needs a value in a response`;
          out.clientMaxWindowBits = true;
        } else if (!BITS_RE.test(value)) {
          return `parameter "${name}" needs a value from 8 to 15, got "${value}"`;
        } else {
          out.clientMaxWindowBits = Number(value);
        }
        break;
      default:
        return `unknown parameter "${name}"`;
    }
  }
  return out;
}

/** Checks an option's window bits and maps 8 to 9 (zlib limitation). */
function ownBits(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 8 || value > 15) {
    throw new UsageError(`${name} must be an integer from 8 to 15, got ${value}`, {
      code: 'ERR_WS_INVALID_OPTION',
    });
  }
  return Math.max(value, 9);
}

/**
 * Server side: picks the first acceptable permessage-deflate offer (clients list them in order
 * of preference) and returns the response to send and the agreement; `undefined` when there is
 * no acceptable offer, so the connection goes on uncompressed. Offers with unknown, duplicated
 * or malformed parameters are declined, as RFC 7692 §5 asks, and so are offers we cannot
 * honour: `server_max_window_bits=8`, or an offer without `client_max_window_bits` while
 * `options.clientMaxWindowBits` is set (the budget could not be enforced).
 *
 * @throws UsageError `ERR_WS_INVALID_OPTION` for window bits outside 8–15 in `options`.
 * @example
 * ```ts
 * const got = negotiatePerMessageDeflate(info.extensions, { serverNoContextTakeover: true });
 * const extensions = got && formatExtensions([got.response]);
 * // 'permessage-deflate; server_no_context_takeover' for a bare offer
 * ```
 */
export function negotiatePerMessageDeflate(
  offers: readonly ExtensionOffer[],
  options: PerMessageDeflateOptions = {},
): { response: ExtensionOffer; agreement: PerMessageDeflateAgreement } | undefined {
  const ourServerBits = ownBits(options.serverMaxWindowBits, 'serverMaxWindowBits');
  const ourClientBits = ownBits(options.clientMaxWindowBits, 'clientMaxWindowBits');
  for (const offer of offers) {
    if (offer.name !== PERMESSAGE_DEFLATE) continue;
    const p = readParams(offer.params, true);
    if (typeof p === 'string') continue;
    if (p.serverMaxWindowBits === 8) continue;
    if (ourClientBits !== undefined && p.clientMaxWindowBits === undefined) continue;

    const params: ExtensionParam[] = [];
    const serverNoContextTakeover =
      p.serverNoContextTakeover || options.serverNoContextTakeover === true;
    const clientNoContextTakeover =
      p.clientNoContextTakeover || options.clientNoContextTakeover === true;
    if (serverNoContextTakeover) params.push({ name: 'server_no_context_takeover' });
    if (clientNoContextTakeover) params.push({ name: 'client_no_context_takeover' });

    let serverBits = 15;
    if (p.serverMaxWindowBits !== undefined || ourServerBits !== undefined) {
      serverBits = Math.min(p.serverMaxWindowBits ?? 15, ourServerBits ?? 15);
      params.push({ name: 'server_max_window_bits', value: String(serverBits) });
    }
    let clientBits = 15;
    const hint = typeof p.clientMaxWindowBits === 'number' ? p.clientMaxWindowBits : undefined;
    // A response may carry client_max_window_bits only when the offer did (RFC 7692 §7.1.2.2).
    if (
      p.clientMaxWindowBits !== undefined &&
      (ourClientBits !== undefined || hint !== undefined)
    ) {
      clientBits = Math.min(hint ?? 15, ourClientBits ?? 15);
      params.push({ name: 'client_max_window_bits', value: String(clientBits) });
    }
    return {
      response: { name: PERMESSAGE_DEFLATE, params },
      agreement: {
        serverNoContextTakeover,
        clientNoContextTakeover,
        serverMaxWindowBits: serverBits,
        clientMaxWindowBits: clientBits,
      },
    };
  }
  return undefined;
}

/**
 * Client side: the permessage-deflate offer for our request. `client_max_window_bits` is always
 * included (bare unless `options.clientMaxWindowBits` gives a value) so that servers which want
 * to cap our window can accept us.
 *
 * @throws UsageError `ERR_WS_INVALID_OPTION` for window bits outside 8–15.
 * @example
 * ```ts
 * formatExtensions([buildPerMessageDeflateOffer({ serverMaxWindowBits: 10 })]);
 * // 'permessage-deflate; server_max_window_bits=10; client_max_window_bits'
 * ```
 */
export function buildPerMessageDeflateOffer(
  options: PerMessageDeflateOptions = {},
): ExtensionOffer {
  const serverBits = ownBits(options.serverMaxWindowBits, 'serverMaxWindowBits');
  const clientBits = ownBits(options.clientMaxWindowBits, 'clientMaxWindowBits');
  const params: ExtensionParam[] = [];
  if (options.serverNoContextTakeover) params.push({ name: 'server_no_context_takeover' });
  if (options.clientNoContextTakeover) params.push({ name: 'client_no_context_takeover' });
  if (serverBits !== undefined)
    params.push({ name: 'server_max_window_bits', value: String(serverBits) });
  params.push(
    clientBits === undefined
      ? { name: 'client_max_window_bits' }
      : { name: 'client_max_window_bits', value: String(clientBits) },
  );
  return { name: PERMESSAGE_DEFLATE, params };
}

/**
 * Client side: checks the server's permessage-deflate response against the offer we built from
 * the same `options`, and returns the agreement. The server may add
 * `server_no_context_takeover`, `client_no_context_takeover` and `server_max_window_bits`
 * unasked; it must confirm what we required and stay within our limits.
 *
 * @throws ProtocolError `ERR_WS_HANDSHAKE_EXTENSIONS` (the client fails the connection) for an
 *   unknown, duplicated or malformed parameter, a missing confirmation, a window larger than we
 *   allowed, or `client_max_window_bits=8`, which zlib cannot honour.
 * @example
 * ```ts
 * const agreement = acceptPerMessageDeflateResponse(info.extensions[0], options);
 * const pmd = new PerMessageDeflate(agreement, 'client', { maxMessageBytes });
 * ```
 */
export function acceptPerMessageDeflateResponse(
  response: ExtensionOffer,
  options: PerMessageDeflateOptions = {},
): PerMessageDeflateAgreement {
  const ourServerBits = ownBits(options.serverMaxWindowBits, 'serverMaxWindowBits');
  const ourClientBits = ownBits(options.clientMaxWindowBits, 'clientMaxWindowBits');
  if (response.name !== PERMESSAGE_DEFLATE) fail(`response is for "${response.name}"`);
  const p = readParams(response.params, false);
  if (typeof p === 'string') fail(p);
  if (options.serverNoContextTakeover && !p.serverNoContextTakeover) {
    fail('server did not confirm server_no_context_takeover, which we required');
  }
  if (ourServerBits !== undefined) {
    if (p.serverMaxWindowBits === undefined) {
      fail('server did not confirm server_max_window_bits, which we required');
    }
    if (p.serverMaxWindowBits > ourServerBits) {
      fail(
        `server_max_window_bits=${p.serverMaxWindowBits} exceeds the ${ourServerBits} we asked for`,
      );
    }
  }
  const clientBits = p.clientMaxWindowBits as number | undefined; // never bare here (readParams)
  if (clientBits !== undefined) {
    if (ourClientBits !== undefined && clientBits > ourClientBits) {
      fail(`client_max_window_bits=${clientBits} exceeds the ${ourClientBits} we offered`);
    }
    if (clientBits === 8)
      fail('client_max_window_bits=8 cannot be honoured (zlib deflates with 9 at least)');
  }
  return {
    serverNoContextTakeover: p.serverNoContextTakeover,
    clientNoContextTakeover: p.clientNoContextTakeover || options.clientNoContextTakeover === true,
    serverMaxWindowBits: p.serverMaxWindowBits ?? 15,
    clientMaxWindowBits: clientBits ?? ourClientBits ?? 15,
  };
}

function fail(message: string): never {
  throw new ProtocolError(`WebSocket handshake failed: permessage-deflate: ${message}`, {
    code: 'ERR_WS_HANDSHAKE_EXTENSIONS',
  });
}
