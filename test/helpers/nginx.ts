// A local nginx (Debian's) as a real HTTP origin, for the HTTP client tests and benchmarks:
// started on a free loopback port with a generated config in a temp dir, which stop() removes.
//
// It serves the given files from its root, static .gz siblings to clients that accept gzip
// (gzip_static) and other text/plain and text/html of 100 bytes or more gzipped on the fly
// (chunked); GET /ret answers "returned\n"; POST /post is proxied (HTTP/1.1, keep-alive, the whole
// request body read first) to a server of the caller's or, by default, to a second server block of
// nginx's own that answers "ok\n". No tcp_nopush: with it, nginx keeps the socket corked between
// pipelined responses. An open_file_cache, and no sendfile: the origin must not be the bottleneck
// of a benchmark. On loopback a 16 MiB file sent with sendfile costs nginx its whole core at
// ~2 GB/s; read into 1 MiB buffers and written, it goes out at ~3.9 GB/s for less CPU.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenLocal } from './listen.js';

export const NGINX = '/usr/sbin/nginx';

export function nginxAvailable(): boolean {
  return existsSync(NGINX) && spawnSync(NGINX, ['-v']).status === 0;
}

export interface NginxOptions {
  /** Files of the document root, by name. */
  files: Record<string, string | Uint8Array>;
  /** nginx's `keepalive_timeout`; 60s unless given. */
  keepaliveTimeout?: string;
  /** The port on 127.0.0.1 of a server whose POST /post nginx's /post is proxied to. */
  postTo?: number;
  /** Pins nginx to this CPU core (with taskset, when there is one). */
  cpu?: number;
  /** Locations answered from memory with `return 200` (text/plain): path → body. */
  returns?: Record<string, string>;
}

export interface RunningNginx {
  port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  const p = await listenLocal(s);
  await new Promise((r) => s.close(r));
  return p;
}

async function listening(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(true));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });
}

export async function startNginx(opts: NginxOptions): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'connchan-nginx-'));
  const www = join(dir, 'www');
  mkdirSync(www);
  mkdirSync(join(dir, 'logs'));
  for (const [name, data] of Object.entries(opts.files)) writeFileSync(join(www, name), data);
  const port = await freePort();
  const inner = opts.postTo === undefined ? await freePort() : undefined;
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
master_process off;
worker_processes 1;
error_log ${dir}/logs/error.log error;
pid ${dir}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  types { text/plain txt; text/html html; application/octet-stream bin; }
  sendfile off;
  output_buffers 2 1m;
  open_file_cache max=64 inactive=600s;
  open_file_cache_valid 600s;
  open_file_cache_errors on;
  keepalive_timeout ${opts.keepaliveTimeout ?? '60s'};
  keepalive_requests 100000000;
  client_max_body_size 1m;
  client_body_buffer_size 128k;
  gzip_static on;
  gzip on;
  gzip_min_length 100;
  gzip_types text/plain text/html;
  upstream post { server 127.0.0.1:${opts.postTo ?? inner}; keepalive 32; }
  server {
    listen 127.0.0.1:${port};
    root ${www};
    location = /ret { return 200 "returned\\n"; }
${Object.entries(opts.returns ?? {})
  .map(
    ([path, body]) =>
      `    location = ${path} { default_type text/plain; return 200 "${body.replace(/[\\"]/g, '\\$&').replace(/\n/g, '\\n')}"; }\n`,
  )
  .join('')}
    location = /post {
      proxy_pass http://post;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_request_buffering on;
    }
    # POST /echo answers with the request body: the body is read into one memory buffer and
    # proxied to the inner server, whose 418 sends the request on to @echo, which returns it.
    location = /echo {
      client_body_in_single_buffer on;
      proxy_pass http://post;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_intercept_errors on;
      error_page 418 = @echo;
    }
    location @echo {
      default_type application/octet-stream;
      return 200 $request_body;
    }
  }
${
  inner === undefined
    ? ''
    : `  server {
    listen 127.0.0.1:${inner};
    location = /post { return 200 "ok\\n"; }
    location = /echo { return 418; }
  }
`
}}
`,
  );
  const taskset =
    opts.cpu !== undefined && existsSync('/usr/bin/taskset')
      ? ['/usr/bin/taskset', '-c', String(opts.cpu)]
      : [];
  const argv = [...taskset, NGINX, '-p', dir, '-c', join(dir, 'nginx.conf')];
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  let exited = false;
  child.once('exit', () => (exited = true));
  for (let i = 0; i < 200 && !exited; i++) {
    if ((await listening(port)) && (inner === undefined || (await listening(inner)))) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  if (exited) {
    const logFile = join(dir, 'logs', 'error.log');
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`nginx did not start: ${stderr}${log}`);
  }
  return {
    port,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
