// The command line in a real pseudo-terminal (tmux, detached): what a person at a terminal
// sees. `connchan ws` shows its prompt and what is typed, prints answers above the prompt,
// refuses unknown commands; `ws -x` returns as soon as the answer is in; `get` shows the body
// while it is still arriving, and its progress line when the body goes to a file.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { find, live, send } from 'connchan/ws';
import { needPeer } from '../../../test/helpers/peers.js';
import { ROOT, RUN_TS, startDemo } from './helpers.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';

const CONNCHAN = `${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(RUN_TS)}`;

/** One detached tmux session running a plain bash, on its own server socket. */
class Pane {
  readonly #socket = `connchan-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  constructor() {
    this.#tmux(
      'new-session',
      '-d',
      '-s',
      'cli',
      '-x',
      '150',
      '-y',
      '40',
      '-c',
      ROOT,
      '-e',
      'PS1=$ ',
      '-e',
      'TERM=xterm-256color',
      'bash --norc --noprofile',
    );
  }

  #tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.#socket, ...args], { encoding: 'utf8' });
  }

  /** Types `text` (literally); `enter` presses Enter after it. */
  type(text: string, enter = true): void {
    if (text) this.#tmux('send-keys', '-t', 'cli', '-l', text);
    if (enter) this.#tmux('send-keys', '-t', 'cli', 'Enter');
  }

  screen(): string {
    return this.#tmux('capture-pane', '-p', '-J', '-t', 'cli');
  }

  async waitFor(re: RegExp, ms = 20_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const s = this.screen();
      if (re.test(s)) return s;
      if (Date.now() > deadline) throw new Error(`the terminal never showed ${re}:\n${s}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  clear(): void {
    this.type('clear');
    this.#tmux('clear-history', '-t', 'cli');
  }

  kill(): void {
    try {
      this.#tmux('kill-server');
    } catch {
      // already gone
    }
  }
}

function needTmux(t: TestContext): boolean {
  return needPeer(t, 'tmux', ['tmux', '-V']);
}

test(
  'connchan ws at a terminal: the prompt, typed input echoed, answers above the prompt, unknown commands refused',
  { timeout: 90_000 },
  async (t) => {
    if (!needTmux(t)) return;
    const running = await startDemo({ tls: false });
    const pane = new Pane();
    try {
      const host = new URL(running.urls[0]).host;
      pane.type(`${CONNCHAN} ws ${host}/echo`);
      await pane.waitFor(/\[connected to ws:\/\/127\.0\.0\.1:\d+\/echo[^\n]*\]\n> $/m);
      pane.type('hello from a terminal', false);
      await pane.waitFor(/^> hello from a terminal$/m);
      pane.type('');
      const s = await pane.waitFor(/^< hello from a terminal\n> $/m);
      assert.match(
        s,
        /^> hello from a terminal\n< hello from a terminal\n> $/m,
        'the line typed stays, the answer under it, the prompt again',
      );
      pane.type('/nope');
      await pane.waitFor(/^\[error: unknown command \/nope; commands: [^\n]*\n> $/m);
      // A message that arrives while a line is half typed: printed above, the typing kept.
      pane.type('half typed', false);
      await pane.waitFor(/^> half typed$/m);
      for (const sock of find()) send(sock, 'text', 'pushed by the server');
      await pane.waitFor(/^< pushed by the server\n> half typed$/m);
      pane.type('', true);
      await pane.waitFor(/^< half typed$/m);
      pane.type('/close 1000 bye');
      const end = await pane.waitFor(
        /\[disconnected: we closed with 1000 "bye"; the server answered 1000\]\n\S*[$#] $/m,
      );
      assert.doesNotMatch(end.split('[disconnected')[1], /^> /m, 'no prompt left behind');
    } finally {
      pane.kill();
      await running.close(200);
    }
  },
);

test(
  'connchan ws -x at a terminal returns within 200 ms of the last answer',
  { timeout: 90_000 },
  async (t) => {
    if (!needTmux(t)) return;
    const running = await startDemo({ tls: false });
    let answeredAt = 0;
    // Answers late, so that a client that lingers for a fixed time would be caught.
    live(running.server, '/slow', (sock, type, msg) => {
      if (type !== 'text') return;
      setTimeout(() => {
        answeredAt = Date.now();
        send(sock, 'text', `late ${msg}`);
      }, 500);
    });
    const pane = new Pane();
    const dir = tempDir('connchan-pty-');
    // When the program is done (its exit event), and when the shell has it back.
    const done = join(dir, 'done');
    const hook = join(dir, 'exit-stamp.mjs');
    writeFileSync(
      hook,
      `import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(${JSON.stringify(done)}, String(Date.now())));\n`,
    );
    const back = join(dir, 'back');
    try {
      const host = new URL(running.urls[0]).host;
      pane.type(
        `${CONNCHAN.replace('--import tsx', `--import tsx --import ${hook}`)} ws ${host}/slow -x ping -w 10; echo $EPOCHREALTIME > ${back}`,
      );
      const deadline = Date.now() + 30_000;
      while (!existsSync(back) || readFileSync(back, 'utf8').trim() === '') {
        if (Date.now() > deadline) throw new Error(`no exit:\n${pane.screen()}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      const s = await pane.waitFor(/^< late ping$/m);
      assert.match(s, /\[disconnected: we closed with 1000; the server answered 1000\]/);
      const doneAt = Number(readFileSync(done, 'utf8'));
      // bash's own clock (no process started to read it), in seconds with microseconds.
      const backAt = Math.round(Number(readFileSync(back, 'utf8')) * 1000);
      console.log(
        `# ws -x was done ${doneAt - answeredAt} ms after the server sent the last answer; ` +
          `the shell had the terminal back after ${backAt - answeredAt} ms (tsx and Node's teardown included)`,
      );
      assert.ok(
        answeredAt > 0 && doneAt >= answeredAt,
        `answered at ${answeredAt}, done at ${doneAt}`,
      );
      assert.ok(doneAt - answeredAt < 200, `done ${doneAt - answeredAt} ms after the last answer`);
      // -w is 10 s: a client lingering for it would be back after seconds, not within one.
      assert.ok(backAt - answeredAt < 1000, `the shell was back ${backAt - answeredAt} ms after`);
    } finally {
      pane.kill();
      await running.close(200);
    }
  },
);

test(
  'connchan get at a terminal: the body shows while it is still arriving; a progress line for a file',
  { timeout: 90_000 },
  async (t) => {
    if (!needTmux(t)) return;
    const running = await startDemo({ tls: false });
    const pane = new Pane();
    try {
      const http = running.urls[0];
      pane.type(`${CONNCHAN} get '${http}stream?count=6&interval=400ms'`);
      const first = await pane.waitFor(/^tick 1 of 6 /m);
      assert.doesNotMatch(
        first,
        /tick 6 of 6/,
        'the first tick is on screen before the body has ended',
      );
      const last = await pane.waitFor(/^tick 6 of 6 [^\n]*\n\S*[$#] $/m);
      assert.doesNotMatch(last, /B\/s/, 'no progress line over a body shown on the terminal');

      pane.clear();
      const file = join(tempDir('connchan-pty-get-'), 'ticks.txt');
      pane.type(`${CONNCHAN} get '${http}stream?count=8&interval=300ms' -o ${file}`);
      const drawing = await pane.waitFor(/^[|/\\-] \d+ B\s+\d+(\.\d)? (B|KiB)\/s\s+0:0\d$/m);
      assert.doesNotMatch(drawing, /done/);
      await pane.waitFor(/^\s+\d+ B\s+\d+(\.\d)? (B|KiB)\/s\s+0:0\d\s+done\n\S*[$#] $/m);
      assert.equal(readFileSync(file, 'utf8').split('\n').filter(Boolean).length, 8);
    } finally {
      pane.kill();
      await running.close(200);
    }
  },
);
