// The two sides of the differential test: what llhttp (through a node:http server on a loopback
// socket, default options, so its strict parser without insecureHTTPParser) and connchan's
// RequestParser make of the same bytes, as comparable values.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { ProtocolError } from '../../../src/errors.js';
import { NEED_DATA, PAUSED, RequestParser } from '../../../src/proto/http1/index.js';

/** One complete request as a parser saw it. */
export interface ParsedMessage {
  method: string;
  target: string;
  /** `[name, value, …]` as received (values without surrounding whitespace). */
  headers: string[];
  body: string;
  trailers: string[];
}

/** Everything one side made of an input: the complete messages, then whether it refused. */
export interface Verdict {
  messages: ParsedMessage[];
  /** The refusal (llhttp's error code, or connchan's ProtocolError code), if any. */
  error: string | undefined;
}

const kRecord = Symbol('record');
/** One connection's record; the server's and the client's end find it by the client's port. */
class Slot {
  messages: ParsedMessage[] = [];
  error: string | undefined;
  resolve!: (v: Verdict) => void;
  readonly verdict = new Promise<Verdict>((r) => (this.resolve = r));
}
type RecordedSocket = net.Socket & { [kRecord]?: Slot };

const trimOws = (v: string): string => v.replace(/^[ \t]+|[ \t]+$/g, '');
const trimValues = (raw: string[]): string[] => raw.map((v, i) => (i % 2 === 1 ? trimOws(v) : v));

/** A node:http server that records, per connection, every request it parsed completely. */
export class LlhttpOracle {
  readonly #server: http.Server;
  #port = 0;
  readonly #slots = new Map<number, Slot>();

  constructor() {
    this.#server = http.createServer((req, res) => {
      const rec = (req.socket as RecordedSocket)[kRecord];
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d));
      req.on('end', () => {
        rec?.messages.push({
          method: req.method ?? '',
          target: req.url ?? '',
          headers: trimValues(req.rawHeaders),
          body: Buffer.concat(parts).toString('latin1'),
          trailers: trimValues(req.rawTrailers),
        });
        res.end();
      });
      req.on('error', () => {});
    });
    this.#server.on('clientError', (err: NodeJS.ErrnoException, socket: RecordedSocket) => {
      const rec = socket[kRecord];
      if (rec && rec.error === undefined) rec.error = err.code ?? 'ERROR';
      socket.destroy();
    });
    this.#server.on('connection', (socket: RecordedSocket) => {
      const rec = this.#slot(socket.remotePort ?? -1);
      socket[kRecord] = rec;
      socket.on('close', () => rec.resolve({ messages: rec.messages, error: rec.error }));
    });
  }

  /** The record of the connection from the client port `port`, made by whichever end asks first. */
  #slot(port: number): Slot {
    let slot = this.#slots.get(port);
    if (!slot) {
      slot = new Slot();
      this.#slots.set(port, slot);
    }
    return slot;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  /** Sends `input` on a fresh connection, half-closes, and reports what node:http parsed. */
  judge(input: Buffer): Promise<Verdict> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ port: this.#port, host: '127.0.0.1' });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(
          new Error(`node:http did not finish with ${JSON.stringify(input.toString('latin1'))}`),
        );
      }, 5000);
      sock.on('error', () => {});
      sock.resume();
      sock.on('connect', () => {
        const port = sock.localPort ?? -1;
        sock.end(input);
        void this.#slot(port).verdict.then((v) => {
          clearTimeout(timer);
          this.#slots.delete(port);
          sock.destroy();
          resolve(v);
        });
      });
    });
  }
}

/** What connchan's RequestParser makes of `input` followed by the end of input. */
export function connchanVerdict(input: Buffer, parser = new RequestParser()): Verdict {
  const messages: ParsedMessage[] = [];
  let current: ParsedMessage | undefined;
  const parts: Buffer[] = [];
  try {
    parser.feed(input);
    parser.feedEof();
    for (let guard = 0; guard < 10_000; guard++) {
      const ev = parser.next();
      if (ev === NEED_DATA) break;
      if (ev === PAUSED) {
        parser.nextMessage();
        continue;
      }
      if (ev.type === 'eof') break;
      if (ev.type === 'request') {
        current = {
          method: ev.head.method,
          target: ev.head.target,
          headers: [...ev.head.headers.raw],
          body: '',
          trailers: [],
        };
        parts.length = 0;
      } else if (ev.type === 'data') {
        parts.push(Buffer.from(ev.data));
      } else if (ev.type === 'end' && current) {
        current.body = Buffer.concat(parts).toString('latin1');
        current.trailers = ev.trailers ? [...ev.trailers.raw] : [];
        messages.push(current);
        current = undefined;
      }
    }
  } catch (err) {
    return {
      messages,
      error: err instanceof ProtocolError ? err.code : `THROWN ${String(err)}`,
    };
  }
  return { messages, error: undefined };
}
