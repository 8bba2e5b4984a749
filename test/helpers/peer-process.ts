// A peer program (a python3 or tclsh script) run as a child process by an interop test: its
// stdout read as it comes, line by line, its stderr kept for the error when it fails, and a
// SIGKILL when it outlives its time.
import { spawn } from 'node:child_process';
import { basename } from 'node:path';

export interface PeerProcess {
  /**
   * The first line the peer writes to stdout from now on that `match` accepts (any, by default).
   * Rejects when the peer exits first.
   */
  nextLine(match?: (line: string) => boolean): Promise<string>;
  /** All its stdout, once the peer exits with status 0; rejects with its stderr otherwise. */
  output(): Promise<string>;
  /** Ends the peer (SIGTERM) and waits until it has. */
  stop(): Promise<void>;
}

/** Starts `command args` (stdin closed); it is killed when still running after `ms`. */
export function startPeer(command: string, args: string[], ms = 20_000): PeerProcess {
  const name = basename(command);
  const p = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let partial = '';
  let code: number | string | undefined;
  const onLine = new Set<(line: string | undefined) => void>();
  p.stdout.setEncoding('utf8').on('data', (c: string) => {
    out += c;
    const lines = (partial + c).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) for (const f of onLine) f(line);
  });
  p.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  p.on('error', (e) => (err += `${e.message}\n`));
  const killer = setTimeout(() => p.kill('SIGKILL'), ms);
  const exited = new Promise<void>((resolve) =>
    p.once('close', (status, signal) => {
      clearTimeout(killer);
      code = status ?? signal ?? 'no status';
      for (const f of onLine) f(undefined);
      resolve();
    }),
  );
  const failure = () => new Error(`${name} exited with ${code}: ${err}\n${out}`);
  return {
    nextLine(match = () => true) {
      return new Promise((resolve, reject) => {
        if (code !== undefined) return reject(failure());
        const f = (line: string | undefined) => {
          if (line !== undefined && !match(line)) return;
          onLine.delete(f);
          if (line === undefined) reject(failure());
          else resolve(line);
        };
        onLine.add(f);
      });
    },
    async output() {
      await exited;
      if (code !== 0) throw failure();
      return out;
    },
    async stop() {
      if (code === undefined) p.kill();
      await exited;
    },
  };
}
