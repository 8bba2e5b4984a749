// Raw-socket HTTP exchanges for server tests: exact bytes in, everything received out.
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface RawConn {
  socket: Socket;
  /** Everything received so far, as latin1 text. */
  text(): string;
  /** Waits until the received text satisfies `pred` (or the connection closes). */
  waitFor(pred: (text: string) => boolean, ms?: number): Promise<string>;
  /** Resolves with everything received once the server closes the connection. */
  closed(ms?: number): Promise<string>;
  write(data: string | Buffer): void;
}

export async function rawConnect(
  port: number,
  options: { tls?: { ca: string; servername?: string } } = {},
): Promise<RawConn> {
  const socket: Socket = options.tls
    ? tlsConnect({
        host: '127.0.0.1',
        port,
        ca: options.tls.ca,
        servername: options.tls.servername ?? 'localhost',
      })
    : connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve());
    socket.once('error', reject);
  });
  let received = '';
  let isClosed = false;
  const listeners = new Set<() => void>();
  socket.on('data', (d: Buffer) => {
    received += d.toString('latin1');
    for (const l of listeners) l();
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    isClosed = true;
    for (const l of listeners) l();
  });
  const waitFor = (pred: (t: string) => boolean, ms = 3000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        if (pred(received) || isClosed) {
          listeners.delete(check);
          clearTimeout(timer);
          if (pred(received)) resolve(received);
          else reject(new Error(`connection closed; received: ${JSON.stringify(received)}`));
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out; received: ${JSON.stringify(received)}`));
      }, ms);
      listeners.add(check);
      check();
    });
  return {
    socket,
    text: () => received,
    waitFor,
    closed: (ms = 3000) =>
      new Promise<string>((resolve, reject) => {
        if (isClosed) return resolve(received);
        const timer = setTimeout(
          () => reject(new Error(`not closed; received: ${JSON.stringify(received)}`)),
          ms,
        );
        socket.once('close', () => {
          clearTimeout(timer);
          resolve(received);
        });
      }),
    write: (d) => socket.write(d),
  };
}

/** Splits a stream of responses into status lines, for order checks. */
export function statusLines(text: string): string[] {
  return text.split('\r\n').filter((l) => l.startsWith('HTTP/1.'));
}
