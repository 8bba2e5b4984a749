/**
 * The demo application's HTTP endpoints: the channel table as JSON, a detached streaming
 * delivery driven by channel callbacks, and an HTTP echo.
 */
import type { HttpServer } from 'connchan/server';
import { callback, list, read, write, CANCEL, KEEP } from 'connchan/channels';
import { encodeChunk, lastChunk } from 'connchan/proto';
import { parseTimeValue } from 'connchan/io';

export function addHttpRoutes(server: HttpServer): void {
  server.get('/channels', (ctx) => ctx.sendJson(list({ server: server.name })));

  server.post('/echo', async (ctx) => {
    const body = await ctx.buffer();
    ctx.send(body, 200, ctx.headers.get('content-type') ?? 'application/octet-stream');
  });

  // Asynchronous delivery (the reference's streaming case): the handler detaches at once and a
  // channel callback writes one chunk per timeout until done.
  server.get('/stream', (ctx) => {
    const count = Math.min(Number(ctx.query.get('count') ?? 10) || 10, 10_000);
    const intervalMs = parseTimeValue(ctx.query.get('interval') ?? '500ms', 'interval');
    const name = ctx.detach();
    write(
      name,
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nTransfer-Encoding: chunked\r\nCache-Control: no-store\r\n\r\n',
    );
    let sent = 0;
    callback(
      name,
      async function streamTicks(why) {
        if (why === 'r') {
          // The client may only close; anything else it sends is ignored.
          return (await read(name)).length === 0 ? CANCEL : KEEP;
        }
        if (why !== 't') return CANCEL;
        sent++;
        for (const part of encodeChunk(
          Buffer.from(`tick ${sent} of ${count} at ${new Date().toISOString()}\n`),
        )) {
          write(name, part, { buffered: true });
        }
        if (sent < count) return KEEP;
        write(name, lastChunk(), { buffered: true });
        return CANCEL; // closes after the queued bytes have gone out
      },
      'r',
      { timeout: intervalMs },
    );
  });
}
