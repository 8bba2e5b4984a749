import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serve } from '../../src/cli/serve.js';

test('serve answers GET / with the page and 404 elsewhere', async () => {
  const server = await serve({ port: 0 });
  try {
    const home = await fetch(server.url);
    assert.equal(home.status, 200);
    assert.match(await home.text(), /<h1>connchan<\/h1>/);
    const missing = await fetch(new URL('/nope', server.url));
    assert.equal(missing.status, 404);
  } finally {
    await server.close();
  }
});
