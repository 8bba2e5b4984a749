/**
 * The demo page served at `/`: an echo tester, a chat room and the live channel dashboard, all
 * over WebSockets to the same server (ws:// on HTTP, wss:// on HTTPS).
 */
import type { HttpServer } from 'connchan/server';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>connchan</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 72rem; padding: 0 1rem; color: #222; }
 h1 { margin-bottom: .2rem; } h2 { margin-top: 1.6rem; font-size: 1.15rem; }
 .grid { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5rem; }
 .box { border: 1px solid #ddd; border-radius: 6px; padding: .8rem 1rem; }
 input[type=text] { width: 70%; padding: .3rem; } button { padding: .3rem .7rem; }
 pre { background: #f6f6f6; padding: .5rem; min-height: 4rem; max-height: 12rem; overflow: auto; margin: .5rem 0 0; }
 table { border-collapse: collapse; width: 100%; font-size: 13px; }
 th, td { border-bottom: 1px solid #e3e3e3; padding: .25rem .4rem; text-align: left; white-space: nowrap; }
 tr.mine td { background: #fff8dc; }
 .muted { color: #777; font-size: 13px; }
</style></head>
<body>
<h1>connchan</h1>
<p class="muted">Long-lived network connections for Node.js: channels, WebSockets, HTTP/1.1. This page talks to the
server over <span id="scheme"></span>; every WebSocket below is a channel in the server's table.</p>
<div class="grid">
 <div class="box"><h2>Echo</h2>
  <input id="echo-in" type="text" value="hello, connchan"> <button id="echo-send">Send</button>
  <pre id="echo-out"></pre></div>
 <div class="box"><h2>Chat</h2><p class="muted"><span id="room"></span>rooms: <a href="/?room=lobby">?room=lobby</a>, <a href="/?room=42">?room=42</a> (a topic each)</p>
  <input id="chat-in" type="text" placeholder="say something"> <button id="chat-send">Send</button>
  <pre id="chat-out"></pre></div>
</div>
<h2>Live channel dashboard</h2>
<p class="muted"><a href="/channels">/channels</a> as JSON · <a href="/stream?count=5&amp;interval=300ms">/stream</a> (a detached streaming delivery) ·
updated <span id="updated">never</span></p>
<div id="cluster" hidden><h2>Cluster</h2><p class="muted">this page is served by <b id="self"></b>
through the <span id="broker"></span> broker <span id="unreachable"></span></p>
<table id="members"><thead><tr><th>member</th><th>node</th><th>worker</th><th>host</th><th>pid</th><th>channels</th><th>msgs/s</th><th>up since</th></tr></thead><tbody></tbody></table></div>
<table id="channels"><thead><tr><th>name</th><th>driver</th><th>peer</th><th>start</th><th>sent</th><th>received</th><th>callback</th><th>condition</th><th>member</th><th></th></tr></thead><tbody></tbody></table>
<script>
const base = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host;
document.getElementById('scheme').textContent = location.protocol === 'https:' ? 'HTTPS (wss://)' : 'HTTP (ws://)';
function line(id, text) { const el = document.getElementById(id); el.textContent += text + '\\n'; el.scrollTop = el.scrollHeight; }

const echo = new WebSocket(base + '/echo');
echo.onopen = () => line('echo-out', '[open]');
echo.onmessage = (e) => line('echo-out', '< ' + e.data);
echo.onclose = (e) => line('echo-out', '[closed ' + e.code + ']');
document.getElementById('echo-send').onclick = () => { const v = document.getElementById('echo-in').value; line('echo-out', '> ' + v); echo.send(v); };

const room = new URLSearchParams(location.search).get('room');
const chat = new WebSocket(base + (room ? '/chat/' + encodeURIComponent(room) : '/chat'));
chat.onopen = () => line('chat-out', '[joined]');
chat.onmessage = (e) => { const m = JSON.parse(e.data); line('chat-out', m.from + ': ' + m.text); };
document.getElementById('room').textContent = room ? 'room ' + room + ' · ' : '';
chat.onclose = (e) => line('chat-out', '[left ' + e.code + ']');
document.getElementById('chat-send').onclick = () => { const el = document.getElementById('chat-in'); chat.send(el.value); el.value = ''; };

const dash = new WebSocket(base + '/dashboard');
dash.onmessage = (e) => {
  const { channels, at, members, self, broker, unreachable } = JSON.parse(e.data);
  document.getElementById('updated').textContent = new Date(at).toLocaleTimeString();
  document.getElementById('cluster').hidden = broker === 'memory';
  document.getElementById('self').textContent = self;
  document.getElementById('broker').textContent = broker;
  document.getElementById('unreachable').textContent = unreachable.length ? '· not answering: ' + unreachable.join(', ') : '';
  const mbody = document.querySelector('#members tbody');
  mbody.innerHTML = '';
  for (const m of members) {
    const tr = document.createElement('tr');
    for (const v of [m.id, m.node, m.worker, m.host, m.pid, m.channels, m.msgsPerSec, new Date(m.since).toLocaleTimeString()]) {
      const td = document.createElement('td'); td.textContent = String(v); tr.appendChild(td);
    }
    if (m.id === self) tr.className = 'mine';
    mbody.appendChild(tr);
  }
  const body = document.querySelector('#channels tbody');
  body.innerHTML = '';
  for (const r of channels) {
    const tr = document.createElement('tr');
    tr.dataset.name = r.name;
    for (const v of [r.name, r.driver, r.peer, new Date(r.start).toLocaleTimeString(), r.sent, r.received, r.callback, r.condition, r.member ?? '']) {
      const td = document.createElement('td'); td.textContent = String(v); tr.appendChild(td);
    }
    const td = document.createElement('td');
    const b = document.createElement('button');
    b.textContent = 'close'; b.className = 'close'; b.onclick = () => dash.send(JSON.stringify({ close: r.name }));
    td.appendChild(b); tr.appendChild(td);
    body.appendChild(tr);
  }
};
</script>
</body></html>
`;

export function addPageRoutes(server: HttpServer): void {
  server.get('/', (ctx) => ctx.send(PAGE, 200, 'text/html; charset=utf-8'));
}
