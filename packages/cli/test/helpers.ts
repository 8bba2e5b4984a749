// Helpers of the command line's tests: captured streams standing in for a terminal or a pipe,
// the demo server on free ports, and the CLI run as a process from its sources.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../src/command.js';
import { serve, type RunningServer, type ServeOptions } from '../src/serve/serve.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';

/** The CLI from source, whatever the working directory. */
export const RUN_TS = fileURLToPath(new URL('../src/run.ts', import.meta.url));
/** The repository's root: tsx finds the tsconfig (and its paths) there. */
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface Captured {
  io: CliIo;
  out(): Buffer;
  err(): string;
}

/** Streams that record what is written; `tty` makes stderr (and stdout) claim a terminal. */
export function capture(tty: { stdout?: boolean; stderr?: boolean } = {}, env = {}): Captured {
  const stdout = Object.assign(new PassThrough(), { isTTY: tty.stdout ?? false, columns: 100 });
  const stderr = Object.assign(new PassThrough(), { isTTY: tty.stderr ?? false, columns: 100 });
  const stdin = Object.assign(new PassThrough(), { isTTY: false });
  const chunks: Buffer[] = [];
  let err = '';
  stdout.on('data', (d: Buffer) => chunks.push(d));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return {
    io: { stdin, stdout, stderr, env },
    out: () => Buffer.concat(chunks),
    err: () => err,
  };
}

/** The demo server on free ports with its certificate in a fresh directory, logging nowhere. */
export function startDemo(options: Partial<ServeOptions> = {}): Promise<RunningServer> {
  return serve({
    httpPort: 0,
    httpsPort: 0,
    dataDir: tempDir('connchan-cli-test-'),
    logLevel: 'silent',
    ...options,
  });
}

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

/**
 * `connchan …` as a process; `stdin` is written and ended (with `keepStdin`, left open: a
 * person who typed a line and waits).
 */
export function runCli(
  args: string[],
  options: {
    stdin?: string;
    keepStdin?: boolean;
    env?: NodeJS.ProcessEnv;
    timeoutMs?: number;
  } = {},
): Promise<CliRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', RUN_TS, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  if (options.stdin !== undefined) {
    if (options.keepStdin) child.stdin.write(options.stdin);
    else child.stdin.end(options.stdin);
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    }),
  );
}

/** `connchan serve …` running as a process, and what it has printed so far. */
export interface ServeProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** Its stdout and stderr together, as they came. */
  readonly out: string;
}

/** Starts `connchan serve ARGS…` as a process from the sources. */
export function spawnServe(args: readonly string[]): ServeProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', RUN_TS, 'serve', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const collect = (d: Buffer) => {
    out += d.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return {
    child,
    get out() {
      return out;
    },
  };
}
