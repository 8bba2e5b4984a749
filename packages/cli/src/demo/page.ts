/**
 * The demo page and its assets, plain files in `packages/cli/assets` (no build step), read once
 * at start: `/` is the page, `/assets/*` its scripts and style, `/favicon.svg` (and
 * `/favicon.ico`, which browsers ask for by themselves) the icon.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { HttpServer } from 'connchan/server';

/** src/demo and dist/demo are both two levels below the package's root. */
const ASSETS = new URL('../../assets/', import.meta.url);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export function addPageRoutes(server: HttpServer): void {
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const name of readdirSync(ASSETS)) {
    const type = TYPES[extname(name)];
    if (type !== undefined) files.set(name, { body: readFileSync(new URL(name, ASSETS)), type });
  }
  const serveFile = (name: string) => {
    const file = files.get(name);
    if (file === undefined)
      throw new Error(`demo asset ${name} is missing from ${ASSETS.pathname}`);
    return file;
  };
  const page = serveFile('index.html');
  const icon = serveFile('favicon.svg');
  server.get('/', (ctx) => ctx.header('Cache-Control', 'no-cache').send(page.body, 200, page.type));
  for (const path of ['/favicon.svg', '/favicon.ico']) {
    server.get(path, (ctx) =>
      ctx.header('Cache-Control', 'max-age=86400').send(icon.body, 200, icon.type),
    );
  }
  server.get('/assets/*', (ctx) => {
    const file = files.get(ctx.path.slice('/assets/'.length));
    if (file === undefined) ctx.send('not found\n', 404, 'text/plain; charset=utf-8');
    else ctx.header('Cache-Control', 'no-cache').send(file.body, 200, file.type);
  });
}
