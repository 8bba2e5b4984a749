// Soak, bounded to seconds (issue 11): a client that pipelines small GETs and never reads, next
// to a normal keep-alive client. The normal client's latency stays low, and the server's memory
// (measured in its own process, after a GC) grows by less than a few times the unsent bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SERVER_LIMITS } from '../../src/server/index.js';
import { delay } from '../helpers/channel-pair.js';

/** Waits for the socket's 'drain' or `ms`, whichever comes first, leaving no listener behind. */
function drainOrTimeout(socket: net.Socket, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      socket.off('drain', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    socket.once('drain', done);
  });
}

const MiB = 1024 * 1024;
const SOAK_MS = 2500;

interface Memory {
  rss: number;
  heap: number;
  external: number;
}

function ask<T>(child: ChildProcess, msg: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send(msg);
  });
}

function connectTo(port: number, ca: string | undefined): Promise<net.Socket> {
  const s = ca
    ? tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' })
    : net.connect(port, '127.0.0.1');
  return new Promise((resolve, reject) => {
    s.once(ca ? 'secureConnect' : 'connect', () => resolve(s));
    s.once('error', reject);
  });
}

for (const secure of [false, true]) {
  test(`soak over ${secure ? 'TLS' : 'plain TCP'}: a non-reading pipeliner does not grow the server or slow a normal client`, async (t) => {
    const child = fork(
      fileURLToPath(new URL('./soak-server.ts', import.meta.url)),
      [secure ? 'tls' : 'plain'],
      {
        execArgv: ['--import', 'tsx', '--expose-gc'],
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      },
    );
    try {
      const { port, ca } = await new Promise<{ port: number; ca?: string }>((resolve) =>
        child.once('message', (m) => resolve(m as { port: number; ca?: string })),
      );
      const normal = await connectTo(port, ca);
      let answers = 0;
      normal.on('data', (d: Buffer) => (answers += d.toString('latin1').split('pong').length - 1));
      const ping = async (): Promise<number> => {
        const before = answers;
        const t0 = performance.now();
        normal.write('GET /ping HTTP/1.1\r\nHost: x\r\n\r\n');
        // Bounded: a normal client starved by the hostile one fails here instead of hanging.
        while (answers === before) {
          if (performance.now() - t0 > 30_000)
            throw new Error('the normal client got no answer in 30 s');
          await delay(1);
        }
        return performance.now() - t0;
      };
      for (let i = 0; i < 50; i++) await ping(); // warm-up
      const base = await ask<Memory>(child, 'memory');

      // The hostile client: pipelined GETs as fast as its socket takes them, never reading.
      const hostile = await connectTo(port, ca);
      hostile.on('error', () => {});
      hostile.pause();
      const batch = 'GET /r HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(1000);
      let sent = 0;
      let writing = true;
      const pump = async (): Promise<void> => {
        while (writing) {
          sent += 1000;
          if (!hostile.write(batch)) await drainOrTimeout(hostile, 100);
          else await delay(0);
        }
      };
      const pumping = pump();

      const latencies: number[] = [];
      const end = Date.now() + SOAK_MS;
      while (Date.now() < end) {
        latencies.push(await ping());
        await delay(10);
      }
      const during = await ask<Memory>(child, 'memory');
      writing = false;
      await pumping;
      hostile.destroy();
      normal.destroy();

      latencies.sort((a, b) => a - b);
      const median = latencies[latencies.length >> 1];
      const worst = latencies[latencies.length - 1];
      const grew = during.heap + during.external - (base.heap + base.external);
      const bound = 8 * DEFAULT_SERVER_LIMITS.maxUnsentBytes + 16 * MiB;
      t.diagnostic(
        `${sent} pipelined requests sent; ping median ${median.toFixed(1)} ms, worst ${worst.toFixed(1)} ms; server grew ${(grew / MiB).toFixed(1)} MiB`,
      );
      // Generous on time (a loaded machine), strict on memory (what the bound promises).
      assert.ok(sent >= 20_000, `the hostile client only got ${sent} requests out`);
      assert.ok(median < 100, `median latency ${median.toFixed(1)} ms`);
      assert.ok(worst < 2000, `worst latency ${worst.toFixed(1)} ms`);
      assert.ok(
        grew < bound,
        `server heap + external grew by ${(grew / MiB).toFixed(1)} MiB (bound ${bound / MiB} MiB)`,
      );
    } finally {
      child.send('stop');
      await new Promise((r) => child.once('exit', r));
    }
  });
}
