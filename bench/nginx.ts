/**
 * A local nginx as the origin of the HTTP client benchmarks (test/helpers/nginx.ts has its
 * config), pinned to core 0 (the client runs on core 1). It serves /small (17 bytes of text from
 * memory, `return 200`), /small.txt, /big.bin (16 MiB),
 * /page.html (64 KiB of text, pre-compressed with gzip_static so that nginx does not spend its
 * core compressing) and POST /echo, which answers with the request body (nginx reads it whole,
 * passes it through a second server block of its own and returns it: no Node process between).
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { startNginx as startOrigin, type RunningNginx } from '../test/helpers/nginx.js';

export { nginxAvailable, type RunningNginx } from '../test/helpers/nginx.js';

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
  const rnd = randomBytes(64 * 1024);
  let s = '<!doctype html><html><body>\n';
  for (let i = 0; s.length < 64 * 1024 - 64; i++) {
    s += `<p class="c${rnd[i] % 16}">${words[rnd[i] & 7]} ${rnd.readUInt16LE(i)} ${words[rnd[i + 1] & 7]}</p>\n`;
  }
  return s + '</body></html>\n';
}

export async function startNginx(): Promise<RunningNginx> {
  const html = page();
  return startOrigin({
    files: {
      'small.txt': 'hello from nginx\n',
      'big.bin': randomBytes(16 * 1024 * 1024),
      'page.html': html,
      'page.html.gz': gzipSync(html, { level: 6 }),
    },
    // Small GETs are answered from memory: nginx's static-file path (a file open from its cache,
    // the head and the body in two writes) tops out near 40k requests/s on one core,
    // below what both clients reach pipelined, so those rows would measure nginx.
    returns: { '/small': 'hello from nginx\n' },
    cpu: 0,
  });
}
