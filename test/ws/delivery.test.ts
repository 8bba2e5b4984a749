// One delivery model, nothing lost: a server that writes its 101 and several frames in one
// `write` (so they arrive in the same read) is heard in full through every receiving API: the
// tcllib handler, Bun-style callbacks, EventEmitter listeners attached after `await open()`,
// `for await`, the WHATWG class and the reconnecting client; and any split of the server's
// bytes gives the same events through each of them. Server side, frames a client sends in the
// same write as its opening request reach the endpoint's consumers too.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import fc from 'fast-check';
import {
  live,
  open,
  openReconnecting,
  upgrade,
  test as wsTest,
  WebSocket,
  type WebSocketConnection,
  type WsCloseInfo,
} from '../../src/ws/index.js';
import { encodeFrameMerged } from '../../src/proto/ws/frame-encoder.js';
import { Opcode } from '../../src/proto/ws/opcodes.js';
import { rawWsServer, type Split } from './raw-ws-server.js';
import { startServer } from './ws-helpers.js';

/** What the tcllib handler, the iterator and the reconnecting client hear. */
const TCL_EVENTS = [
  'connect',
  'text:one',
  'binary:010203',
  'ping:70',
  'text:two',
  'close:1000:bye',
  'disconnect:1000:bye:true',
];
/** What `ws`-named listeners hear. */
const WS_EVENTS = [
  'open',
  'message:one:false',
  'message:010203:true',
  'ping:70',
  'message:two:false',
  'closeframe:1000',
  'close:1000:bye',
];
/** What the WHATWG class fires. */
const DOM_EVENTS = ['open', 'message:one', 'message:010203', 'message:two', 'close:1000:bye:true'];

function tcl(type: string, msg: unknown): string {
  if (typeof msg === 'string') return `${type}:${msg}`;
  if (Buffer.isBuffer(msg)) return `${type}:${msg.toString('hex')}`;
  if (msg !== undefined && typeof msg === 'object' && msg !== null && 'code' in msg) {
    const i = msg as WsCloseInfo;
    return type === 'close'
      ? `close:${i.code}:${i.reason}`
      : `${type}:${i.code}:${i.reason}:${i.wasClean}`;
  }
  return type;
}

/** A deferred list of events: resolves once `last` has been seen. */
function recorder(last: (e: string) => boolean): {
  events: string[];
  add(e: string): void;
  done: Promise<string[]>;
} {
  const events: string[] = [];
  let finish: (v: string[]) => void = () => {};
  const done = new Promise<string[]>((r) => (finish = r));
  return {
    events,
    add(e) {
      events.push(e);
      if (last(e)) finish(events);
    },
    done,
  };
}

const withTimeout = <T>(p: Promise<T>, what: string, ms = 8000): Promise<T> =>
  Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`timed out: ${what}`)), ms).unref(),
    ),
  ]);

/** Each receiving API: opens a connection to `url` and resolves with the events it heard. */
const apis: Record<string, { expected: string[]; run(url: string): Promise<string[]> }> = {
  'tcllib handler': {
    expected: TCL_EVENTS,
    async run(url) {
      const r = recorder((e) => e.startsWith('disconnect'));
      await open(url, (_sock, type, msg) => r.add(tcl(type, msg)));
      return r.done;
    },
  },
  'Bun-style callbacks': {
    expected: [
      'open',
      'message:one:false',
      'message:010203:true',
      'ping:70',
      'message:two:false',
      'close:1000:bye',
    ],
    async run(url) {
      const r = recorder((e) => e.startsWith('close'));
      await open(url, {
        open: () => r.add('open'),
        message: (_ws, data, isBinary) =>
          r.add(`message:${typeof data === 'string' ? data : data.toString('hex')}:${isBinary}`),
        ping: (_ws, data) => r.add(`ping:${data.toString('hex')}`),
        close: (_ws, code, reason) => r.add(`close:${code}:${reason}`),
      });
      return r.done;
    },
  },
  'EventEmitter listeners after await open()': {
    expected: WS_EVENTS,
    async run(url) {
      const r = recorder((e) => e.startsWith('close:'));
      const conn = await open(url);
      conn.on('open', () => r.add('open'));
      conn.on('message', (data, isBinary) =>
        r.add(`message:${typeof data === 'string' ? data : data.toString('hex')}:${isBinary}`),
      );
      conn.on('ping', (data) => r.add(`ping:${data.toString('hex')}`));
      conn.on('closeframe', (info) => r.add(`closeframe:${info.code}`));
      conn.on('close', (code, reason) => r.add(`close:${code}:${reason}`));
      return r.done;
    },
  },
  'for await': {
    expected: TCL_EVENTS,
    async run(url) {
      const conn: WebSocketConnection = await open(url);
      const events: string[] = [];
      for await (const ev of conn) events.push(tcl(ev.type, ev.data));
      return events;
    },
  },
  'WHATWG WebSocket': {
    expected: DOM_EVENTS,
    run(url) {
      const r = recorder((e) => e.startsWith('close'));
      const ws = new WebSocket(url);
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => r.add('open');
      ws.onmessage = (ev) =>
        r.add(
          `message:${typeof ev.data === 'string' ? ev.data : Buffer.from(ev.data as ArrayBuffer).toString('hex')}`,
        );
      ws.onclose = (ev) => r.add(`close:${ev.code}:${ev.reason}:${ev.wasClean}`);
      return r.done;
    },
  },
  'reconnecting client': {
    expected: TCL_EVENTS,
    async run(url) {
      const r = recorder((e) => e.startsWith('disconnect'));
      const rc = await openReconnecting(url, (_sock, type, msg) => r.add(tcl(type, msg)), {
        reconnect: { maxRetries: 0 },
      });
      const events = await r.done;
      rc.close();
      return events;
    },
  },
};

describe('delivery: frames in the same read as the 101 reach every API', () => {
  for (const [name, api] of Object.entries(apis)) {
    test(`${name} hears every frame that came with the 101`, async () => {
      const srv = await rawWsServer();
      try {
        assert.deepEqual(await withTimeout(api.run(`${srv.url}/`), name), api.expected);
      } finally {
        await srv.close();
      }
    });
  }

  test(
    'property: any split of the server bytes gives the same events through every API',
    { timeout: 120_000 },
    async () => {
      let split: Split = { cuts: [] };
      const srv = await rawWsServer(() => split);
      try {
        await fc.assert(
          fc.asyncProperty(fc.array(fc.nat({ max: 400 }), { maxLength: 6 }), async (cuts) => {
            split = { cuts };
            for (const [name, api] of Object.entries(apis)) {
              assert.deepEqual(
                await withTimeout(api.run(`${srv.url}/`), name),
                api.expected,
                `${name}, cuts ${cuts.join(',')}`,
              );
            }
          }),
          { numRuns: 12 },
        );
      } finally {
        await srv.close();
      }
    },
  );
});

describe('delivery: frames in the same write as the opening request reach the server', () => {
  function masked(opcode: Opcode, text: string): Buffer {
    return Buffer.from(
      encodeFrameMerged({
        opcode,
        payload: Buffer.from(text),
        fin: true,
        rsv1: false,
        maskKey: Buffer.from([1, 2, 3, 4]),
      }),
    );
  }

  async function pipelinedClient(port: number, path: string): Promise<void> {
    const socket = netConnect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.on('error', () => {});
    socket.write(
      Buffer.concat([
        Buffer.from(
          `GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        ),
        masked(Opcode.TEXT, 'a'),
        masked(Opcode.TEXT, 'b'),
        masked(Opcode.CLOSE, ''),
      ]),
    );
    socket.resume();
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  }

  test('a live handler, and listeners attached to what upgrade() returned', async () => {
    const handlerSaw: string[] = [];
    const listenersSaw: string[] = [];
    const srv = await startServer((http) => {
      live(http, '/live', (_sock, type, msg) => handlerSaw.push(tcl(type, msg)));
      http.get('/manual', (ctx) => {
        if (!wsTest(http, ctx, { path: '/live' })) return;
        const conn = upgrade(ctx, { handler: () => {} });
        conn.on('open', () => listenersSaw.push('open'));
        conn.on('message', (data) => listenersSaw.push(`message:${String(data)}`));
        conn.on('close', (code) => listenersSaw.push(`close:${code}`));
      });
    });
    try {
      await withTimeout(pipelinedClient(srv.port, '/live'), 'live');
      await withTimeout(pipelinedClient(srv.port, '/manual'), 'manual');
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(handlerSaw, [
        'connect',
        'text:a',
        'text:b',
        'close:1005:',
        'disconnect:1005::true',
      ]);
      assert.deepEqual(listenersSaw, ['open', 'message:a', 'message:b', 'close:1005']);
    } finally {
      await srv.close();
    }
  });
});
