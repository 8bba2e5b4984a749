// `connchan ws` as a process with piped stdin/stdout: -x, lines and commands, who closed,
// scheme-less URLs, --version, usage errors, and the listen mode (-l) against a client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { close, live, open, send } from 'connchan/ws';
import { ROOT, RUN_TS, runCli, startDemo } from './helpers.js';

test(
  'connchan ws: -x sends and prints the answers; stdin lines and commands; unknown commands are errors',
  { timeout: 90_000 },
  async () => {
    const running = await startDemo();
    const heard: string[] = [];
    live(running.server, '/record', (sock, type, msg) => {
      if (type === 'text') {
        heard.push(msg);
        send(sock, 'text', `got ${msg}`);
      }
    });
    try {
      const [http, https] = running.urls;
      const hostPort = new URL(http).host;
      const a = await runCli(['ws', `${hostPort}/echo`, '-x', 'hello', '-x', 'world']);
      assert.equal(a.code, 0, a.err);
      assert.match(
        a.out,
        /^\[connected to ws:\/\/127\.0\.0\.1:\d+\/echo, extensions permessage-deflate\]$/m,
      );
      assert.match(a.out, /< hello\n< world\n/);
      assert.match(a.out, /\[disconnected: we closed with 1000; the server answered 1000\]/);

      const b = await runCli(
        ['ws', `${https.replace('https:', 'wss:')}record`, '--ca', running.certPath!],
        {
          stdin: 'line one\n/ping hi\n/binary 00ff\n/nope x\n//slash\n/pong\n/help\n',
        },
      );
      assert.equal(b.code, 0, b.err);
      assert.match(b.out, /< got line one/);
      assert.match(b.out, /< pong hi/);
      assert.match(b.out, /\[error: unknown command \/nope; commands: /);
      assert.match(b.out, /< got \/slash/);
      assert.match(b.out, /\[commands: \/ping \[text\]/);
      assert.deepEqual(heard, ['line one', '/slash'], 'the unknown command was not sent');

      const c = await runCli(['ws', `${http}nowhere`, '-x', 'x']);
      assert.equal(c.code, 1);
      assert.match(c.err, /404/);

      const d = await runCli(['ws', '--version']);
      assert.match(d.out, /^connchan-cli \d+\.\d+\.\d+ \(connchan \d+\.\d+\.\d+, Node\.js v\d+/);
      const e = await runCli(['ws', 'a', 'b']);
      assert.equal(e.code, 2);
      assert.match(e.err, /expected one URL, got 2/);
      const f = await runCli(['ws', `${hostPort}/echo`, '-x', 'a', '-w', 'soon']);
      assert.equal(f.code, 2);
      assert.match(f.err, /--wait takes a number of seconds/);
    } finally {
      await running.close(200);
    }
  },
);

test(
  'connchan ws says who closed: the server with its code, us, or nobody (1006)',
  { timeout: 60_000 },
  async () => {
    const running = await startDemo({ tls: false });
    live(running.server, '/bye', (sock, type, _msg) => {
      if (type === 'text') close(sock, 4001, 'enough');
    });
    // A "server" that answers the handshake and then drops the connection without a close frame.
    const rude = createNetServer((s) => {
      s.once('data', (d: Buffer) => {
        const key = /sec-websocket-key: (\S+)/i.exec(d.toString())![1];
        void import('node:crypto').then(({ createHash }) => {
          const accept = createHash('sha1')
            .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
            .digest('base64');
          s.write(
            `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
          );
          setTimeout(() => s.destroy(), 100);
        });
      });
    });
    rude.listen(0, '127.0.0.1');
    await once(rude, 'listening');
    try {
      const host = new URL(running.urls[0]).host;
      const a = await runCli(['ws', `${host}/bye`], { stdin: 'please\n', keepStdin: true });
      assert.match(a.out, /\[disconnected: the server closed with 4001 "enough"\]/);
      const b = await runCli(['ws', `${host}/echo`], { stdin: '/close 4002 done here\n' });
      assert.match(
        b.out,
        /\[disconnected: we closed with 4002 "done here"; the server answered 4002\]/,
      );
      const c = await runCli([
        'ws',
        `127.0.0.1:${(rude.address() as AddressInfo).port}/`,
        '-x',
        'hi',
        '-w',
        '5',
      ]);
      assert.match(
        c.out,
        /\[disconnected: the connection to the server was lost without a closing handshake \(1006\)\]/,
      );
    } finally {
      rude.close();
      await running.close(200);
    }
  },
);

test('connchan ws -l PORT: a server for trying a client', { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', RUN_TS, 'ws', '-l', '0'], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const waitFor = async (re: RegExp) => {
    const deadline = Date.now() + 20_000;
    while (!re.test(out)) {
      if (Date.now() > deadline) throw new Error(`no ${re} in: ${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return re.exec(out)!;
  };
  try {
    const port = (await waitFor(/listening on ws:\/\/127\.0\.0\.1:(\d+)\//))[1];
    const got: string[] = [];
    const client = await open(
      `ws://127.0.0.1:${port}/anything`,
      (_s, type, msg) => {
        if (type === 'text') got.push(msg);
      },
      { protocols: ['chat'] },
    );
    await waitFor(/\[client conn\d+ connected from 127\.0\.0\.1/);
    client.send('text', 'hello listener');
    await waitFor(/^< hello listener$/m);
    child.stdin.write('hello client\n');
    while (got.length === 0) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(got, ['hello client']);
    child.stdin.write('/close 4005 go\n');
    const info = await client.closed();
    assert.equal(info.code, 4005);
    await waitFor(/\[disconnected: we closed with 4005 "go"; client conn\d+ answered 4005\]/);
  } finally {
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, out);
  }
});
