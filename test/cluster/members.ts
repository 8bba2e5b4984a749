// Starting the test fixture member (fixtures/member.ts) as a real process, optionally inside a
// network namespace, and talking to it: its control endpoint, and its PID for kill -9.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { delay, until as pollUntil } from '../helpers/wait.js';

export interface Member {
  id: string;
  host: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** POSTs a command to /ctl; resolves with the parsed answer (fails after `ms`, default 30 s). */
  ctl(cmd: Record<string, unknown>, ms?: number): Promise<CtlAnswer>;
  /** SIGKILL by PID, then waits for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM by PID, then waits for the exit (bounded: SIGKILL after `ms`). */
  stop(ms?: number): Promise<number | null>;
  output(): string;
}

export interface CtlAnswer {
  ok: boolean;
  member: string;
  value?: unknown;
  code?: string;
  message?: string;
}

export function ctlRequest(
  host: string,
  port: number,
  cmd: Record<string, unknown>,
  ms = 30_000,
): Promise<CtlAnswer> {
  const body = JSON.stringify(cmd);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port,
        path: '/ctl',
        method: 'POST',
        agent: false,
        timeout: ms,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(text) as CtlAnswer);
          } catch (err) {
            reject(new Error(`bad answer ${text}: ${String(err)}`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`ctl ${String(cmd.op)} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live)
    if (c.pid !== undefined && c.exitCode === null)
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
});

/** Starts a member; resolves once it printed `ready` (all its workers, with `workers` > 0). */
export async function startMember(options: {
  env: Record<string, string>;
  host?: string;
  wrap?: string[];
  readyLines?: number;
  ms?: number;
}): Promise<Member> {
  const host = options.host ?? '127.0.0.1';
  const argv = [
    ...(options.wrap ?? []),
    process.execPath,
    '--import',
    'tsx',
    'test/cluster/fixtures/member.ts',
  ];
  const child = spawn(argv[0], argv.slice(1), {
    env: { ...process.env, HOST: host, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let out = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
  const ready: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`member not ready: ${out}`)),
      options.ms ?? 30_000,
    );
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      for (const line of c.split('\n')) if (line.startsWith('ready ')) ready.push(line);
      if (ready.length >= (options.readyLines ?? 1)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`member exited with ${code}: ${out}`));
    });
  });
  const [, id, port] = ready[0].split(' ');
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    id,
    host,
    port: Number(port),
    pid: child.pid as number,
    child,
    ctl: (cmd, ms) => ctlRequest(host, Number(port), cmd, ms),
    async kill9() {
      if (child.exitCode === null && child.signalCode === null)
        process.kill(child.pid as number, 'SIGKILL');
      await exited;
    },
    async stop(ms = 10_000) {
      if (child.exitCode === null && child.signalCode === null)
        process.kill(child.pid as number, 'SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    output: () => out,
  };
}

/** Polls `cond` every 50 ms (each poll may ask a member over HTTP) for up to `ms`. */
export function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  ms = 10_000,
): Promise<void> {
  return pollUntil(cond, what, ms, 50);
}

/**
 * Waits until `from`'s cluster-wide listing has a channel of `owner`. A partial answer (`owner`
 * not heard yet) is not `owner` listed: it asks again.
 */
export function untilListed(from: Member, owner: Member, what: string, ms = 15_000): Promise<void> {
  return until(
    async () => {
      const r = await from.ctl({ op: 'list', cluster: true });
      return r.ok && (r.value as { member: string }[]).some((e) => e.member === owner.id);
    },
    what,
    ms,
  );
}

/**
 * Publishes `data` on `topic` through `from` every 100 ms or so until `got` (what a subscriber
 * received) includes it: a member that has just (re)joined may not hear the first publishes.
 */
export function publishUntilHeard(
  from: Member,
  topic: string,
  data: string,
  got: readonly string[],
  what: string,
  ms = 15_000,
): Promise<void> {
  return until(
    async () => {
      await from.ctl({ op: 'publish', topic, data });
      await delay(100);
      return got.includes(data);
    },
    what,
    ms,
  );
}
