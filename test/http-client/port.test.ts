// Porting by changing the import: application code written for undici.request and for fetch, in
// the shapes such code takes (a JSON API client, downloads piped to a file, line streaming,
// timeouts and error handling, concurrency), runs once with undici / the global fetch and once
// with connchan's, against the same node:http origin; both runs must give the same results.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { nodeOrigin, type NodeOrigin } from '../helpers/origins.js';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import * as undici from 'undici';
import * as connchan from '../../src/http-client/index.js';

const FILE = randomBytes(700_000);
const users = new Map<number, { id: number; name: string }>([[1, { id: 1, name: 'ada' }]]);

let origin: NodeOrigin;
let base = '';
let dir = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'connchan-port-'));
  origin = await nodeOrigin((req, res, body, url) => {
    const m = /^\/users\/(\d+)$/.exec(url.pathname);
    if (m && req.method === 'GET') {
      const u = users.get(Number(m[1]));
      res.statusCode = u ? 200 : 404;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(u ?? { error: 'not found' }));
    } else if (url.pathname === '/users' && req.method === 'POST') {
      const u = JSON.parse(body.toString()) as { name: string };
      const id = users.size + 1;
      users.set(id, { id, name: u.name });
      res.statusCode = 201;
      res.setHeader('location', `/users/${id}`);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ id, name: u.name }));
      users.delete(id); // the next run creates the same id
    } else if (url.pathname === '/search') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ q: url.searchParams.get('q'), page: url.searchParams.get('page') }));
    } else if (url.pathname === '/file') {
      res.setHeader('content-type', 'application/octet-stream');
      res.end(FILE);
    } else if (url.pathname === '/lines') {
      res.setHeader('content-type', 'text/plain');
      let i = 0;
      const tick = () => {
        if (i === 5) return res.end();
        res.write(`line ${i++}\n`);
        setTimeout(tick, 5);
      };
      tick();
    } else if (url.pathname === '/slow') {
      setTimeout(() => res.end('late'), 2000);
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  base = origin.base;
});

after(async () => {
  connchan.getGlobalDispatcher().close();
  await undici.getGlobalDispatcher().close();
  await origin.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What application code imports from 'undici'. */
interface UndiciLike {
  request: typeof undici.request;
}

/** Application code written against undici.request; only the module it gets differs. */
function undiciApp({ request }: UndiciLike) {
  return {
    async getUser(id: number) {
      const { statusCode, body } = await request(`${base}/users/${id}`, {
        headers: { accept: 'application/json' },
      });
      if (statusCode !== 200) {
        await body.dump();
        return { status: statusCode };
      }
      return { status: statusCode, user: await body.json() };
    },
    async createUser(name: string) {
      const { statusCode, headers, body } = await request(`${base}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      return { statusCode, location: headers.location, created: await body.json() };
    },
    async search() {
      const { body } = await request(`${base}/search`, { query: { q: 'tcl http', page: 2 } });
      return body.json();
    },
    async download(to: string) {
      const { statusCode, body } = await request(`${base}/file`);
      await pipeline(body, createWriteStream(to));
      return { statusCode, bytes: readFileSync(to).length };
    },
    async lines() {
      const { body } = await request(`${base}/lines`);
      const out: string[] = [];
      for await (const line of createInterface({ input: body })) out.push(line);
      return out;
    },
    async withTimeout() {
      try {
        await request(`${base}/slow`, { signal: AbortSignal.timeout(100) });
        return 'answered';
      } catch (err) {
        return (err as Error).name === 'TimeoutError' ? 'timed out' : `failed: ${String(err)}`;
      }
    },
    async many() {
      const all = await Promise.all(
        [1, 1, 2, 1].map(async (id) => {
          const { statusCode, body } = await request(`${base}/users/${id}`);
          const text = await body.text();
          return `${statusCode} ${text}`;
        }),
      );
      return all;
    },
  };
}

/** Application code written against the global fetch. */
function fetchApp(fetch: typeof globalThis.fetch) {
  return {
    async getUser(id: number) {
      const res = await fetch(`${base}/users/${id}`, { headers: { Accept: 'application/json' } });
      if (!res.ok) return { status: res.status, text: res.statusText };
      return { status: res.status, user: (await res.json()) as unknown };
    },
    async createUser(name: string) {
      const res = await fetch(`${base}/users`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      return {
        status: res.status,
        location: res.headers.get('Location'),
        created: await res.json(),
      };
    },
    async search() {
      const url = new URL('/search', base);
      url.search = new URLSearchParams({ q: 'tcl http', page: '2' }).toString();
      return (await fetch(url)).json();
    },
    async download(to: string) {
      const res = await fetch(`${base}/file`);
      if (!res.ok || res.body === null) throw new Error(`download failed: ${res.status}`);
      await pipeline(Readable.fromWeb(res.body as never), createWriteStream(to));
      return { status: res.status, bytes: readFileSync(to).length };
    },
    async lines() {
      const res = await fetch(`${base}/lines`);
      const decoder = new TextDecoder();
      let text = '';
      for await (const chunk of res.body as ReadableStream<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
      }
      return text.split('\n').filter(Boolean);
    },
    async withTimeout() {
      try {
        await fetch(`${base}/slow`, { signal: AbortSignal.timeout(100) });
        return 'answered';
      } catch (err) {
        if ((err as Error).name === 'TimeoutError') return 'timed out';
        if ((err as Error).name === 'AbortError') return 'aborted';
        return `failed: ${String(err)}`;
      }
    },
    async refused() {
      try {
        await fetch('http://127.0.0.1:1/');
        return 'answered';
      } catch (err) {
        return err instanceof TypeError ? `TypeError: ${err.message}` : String(err);
      }
    },
  };
}

describe('ported by changing the import', () => {
  test('undici.request application code: the same results with connchan', async () => {
    const runs = [];
    // The import change: `import { request } from 'undici'` → `from 'connchan/http-client'`.
    for (const lib of [undici, connchan as unknown as UndiciLike]) {
      const app = undiciApp(lib);
      runs.push({
        user: await app.getUser(1),
        missing: await app.getUser(99),
        created: await app.createUser('grace'),
        search: await app.search(),
        download: await app.download(join(dir, `file-${runs.length}`)),
        lines: await app.lines(),
        timeout: await app.withTimeout(),
        many: await app.many(),
      });
    }
    assert.deepEqual(runs[1], runs[0]);
    assert.deepEqual(runs[0].user, { status: 200, user: { id: 1, name: 'ada' } });
    assert.equal(runs[0].download.bytes, FILE.length);
    assert.equal(runs[0].timeout, 'timed out');
  });

  test('fetch application code: the same results with connchan', async () => {
    const runs = [];
    // The import change: the global fetch → `import { fetch } from 'connchan/http-client'`.
    for (const f of [globalThis.fetch, connchan.fetch as unknown as typeof globalThis.fetch]) {
      const app = fetchApp(f);
      runs.push({
        user: await app.getUser(1),
        missing: await app.getUser(99),
        created: await app.createUser('grace'),
        search: await app.search(),
        download: await app.download(join(dir, `fetched-${runs.length}`)),
        lines: await app.lines(),
        timeout: await app.withTimeout(),
        refused: await app.refused(),
      });
    }
    assert.deepEqual(runs[1], runs[0]);
    assert.deepEqual(runs[0].search, { q: 'tcl http', page: '2' });
    assert.equal(runs[0].refused, 'TypeError: fetch failed');
    assert.deepEqual(runs[0].lines, ['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
  });
});
