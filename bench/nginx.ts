/**
 * A local nginx as the origin of the HTTP client benchmarks: started on a free loopback port
 * with a generated config in a temp dir, pinned to core 0 (the client runs on core 1). It serves
 * /small.txt, /big.bin (16 MiB), /page.html (1 MiB of text, pre-compressed with gzip_static so
 * that nginx does not spend its core compressing) and POST /post, which nginx proxies to a second
 * server block of its own: the proxy reads the whole request body before it answers (request
 * buffering), as a real upstream would, with no Node process in between.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export const NGINX = '/usr/sbin/nginx';

export function nginxAvailable(): boolean {
  return existsSync(NGINX) && spawnSync(NGINX, ['-v']).status === 0;
}

export interface RunningNginx {
  port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as { port: number }).port;
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

/** The text of /page.html: HTML-like and compressible about 5:1, as real pages are. */
function page(): string {
  const words = [
    'connchan',
    'channel',
    'request',
    'response',
    'nginx',
    'keep-alive',
    'body',
    'gzip',
  ];
  const rnd = randomBytes(1 << 20);
  let s = '<!doctype html><html><body>\n';
  for (let i = 0; s.length < 1 << 20; i++) {
    s += `<p class="c${rnd[i] % 16}">${words[rnd[i] & 7]} ${rnd.readUInt16LE(i)} ${words[rnd[i + 1] & 7]}</p>\n`;
  }
  return s + '</body></html>\n';
}

export async function startNginx(): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'connchan-bench-nginx-'));
  const www = join(dir, 'www');
  mkdirSync(www);
  mkdirSync(join(dir, 'logs'));
  writeFileSync(join(www, 'small.txt'), 'hello from nginx\n');
  writeFileSync(join(www, 'big.bin'), randomBytes(16 * 1024 * 1024));
  const html = page();
  writeFileSync(join(www, 'page.html'), html);
  writeFileSync(join(www, 'page.html.gz'), gzipSync(html, { level: 6 }));
  const port = await freePort();
  const inner = await freePort();
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
  # No tcp_nopush: with it, nginx keeps the socket corked between pipelined responses.
  sendfile on;
  # The origin must not be the bottleneck: no open()/stat() per request.
  open_file_cache max=64 inactive=600s;
  open_file_cache_valid 600s;
  open_file_cache_errors on;
  keepalive_timeout 60s;
  keepalive_requests 100000000;
  client_max_body_size 1m;
  client_body_buffer_size 128k;
  upstream inner { server 127.0.0.1:${inner}; keepalive 32; }
  server {
    listen 127.0.0.1:${port};
    root ${www};
    gzip_static on;
    location = /post {
      proxy_pass http://inner/ok;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_request_buffering on;
    }
  }
  server {
    listen 127.0.0.1:${inner};
    location = /ok { return 200 "ok\\n"; }
  }
}
`,
  );
  const argv = [...(existsSync('/usr/bin/taskset') ? ['/usr/bin/taskset', '-c', '0'] : []), NGINX];
  const child: ChildProcess = spawn(
    argv[0],
    [...argv.slice(1), '-p', dir, '-c', join(dir, 'nginx.conf')],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  let exited = false;
  child.once('exit', () => (exited = true));
  for (let i = 0; i < 200 && !exited; i++) {
    if ((await listening(port)) && (await listening(inner))) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  if (exited) {
    const log = readFileSync(join(dir, 'logs', 'error.log'), 'utf8');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`nginx did not start: ${log}`);
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
