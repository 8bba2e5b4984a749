/**
 * The demo page: what connchan serves at `/`. It grows with the WebSocket endpoints (echo tester,
 * chat room, live channel dashboard).
 */
import type { HttpServer } from '../../server/index.js';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>connchan</title>
<style>
 body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
 code { background: #f3f3f3; padding: 0 .25rem; }
 table { border-collapse: collapse; width: 100%; font-size: 13px; }
 th, td { border-bottom: 1px solid #ddd; padding: .25rem .5rem; text-align: left; }
</style></head>
<body>
<h1>connchan</h1>
<p>Long-lived network connections for Node.js: channels, WebSockets, HTTP/1.1.</p>
<h2>Channels</h2>
<p><a href="/channels">/channels</a> lists the server's channels as JSON;
<a href="/stream?count=5&amp;interval=300ms">/stream</a> is a detached streaming delivery.</p>
<table id="channels"><thead><tr><th>name</th><th>driver</th><th>peer</th><th>start</th><th>sent</th><th>received</th><th>callback</th><th>condition</th></tr></thead><tbody></tbody></table>
<script>
async function refresh() {
  const rows = await (await fetch('/channels')).json();
  const body = document.querySelector('#channels tbody');
  body.innerHTML = '';
  for (const r of rows) {
    const tr = document.createElement('tr');
    for (const v of [r.name, r.driver, r.peer, new Date(r.start).toLocaleTimeString(), r.sent, r.received, r.callback, r.condition]) {
      const td = document.createElement('td'); td.textContent = String(v); tr.appendChild(td);
    }
    body.appendChild(tr);
  }
}
refresh(); setInterval(refresh, 2000);
</script>
</body></html>
`;

export function addPageRoutes(server: HttpServer): void {
  server.get('/', (ctx) => ctx.send(PAGE, 200, 'text/html; charset=utf-8'));
}
