// The demo page: echo, chat and the dashboard, each a WebSocket to this server that comes back
// by itself when the server does. Every socket carries this page's viewer id, so the dashboard
// can tell this page's channels from the others.
import { reconnecting } from './socket.js';
import { createDashboard } from './dashboard.js';
import './cluster.js';

const viewer = Math.random().toString(36).slice(2, 10);
const secure = location.protocol === 'https:';
document.getElementById('scheme').textContent = secure ? 'HTTPS (wss://)' : 'HTTP (ws://)';

function line(id, text) {
  const el = document.getElementById(id);
  el.textContent += text + '\n';
  el.scrollTop = el.scrollHeight;
}

// --- the link to the server, as the dashboard's socket sees it ---------------------------------
const state = document.getElementById('link-state');
const banner = document.getElementById('gone');
let goneSince = 0;
let attempts = 0;
function linkUp() {
  state.textContent = `connected over ${secure ? 'wss://' : 'ws://'}`;
  state.className = 'pill up';
  if (goneSince) {
    banner.classList.add('back');
    banner.querySelector('strong').textContent = 'Server back — reconnected.';
    document.getElementById('gone-detail').textContent =
      `It was gone for ${Math.round((Date.now() - goneSince) / 1000)} s.`;
    setTimeout(() => {
      if (!goneSince) banner.hidden = true;
    }, 3000);
  }
  goneSince = 0;
  attempts = 0;
}
function linkDown(retryMs) {
  state.textContent = 'disconnected';
  state.className = 'pill down';
  if (retryMs === undefined) return;
  if (!goneSince) goneSince = Date.now();
  attempts++;
  banner.hidden = false;
  banner.classList.remove('back');
  banner.querySelector('strong').textContent = 'Server gone — reconnecting…';
  document.getElementById('gone-detail').textContent =
    `attempt ${attempts}, next in ${(retryMs / 1000).toFixed(1)} s`;
}

// --- echo ---------------------------------------------------------------------------------------
const echo = reconnecting(`/echo?viewer=${viewer}`, {
  open: () => line('echo-out', '[open]'),
  message: (e) => line('echo-out', '< ' + e.data),
  close: (e) => line('echo-out', `[closed ${e.code}${e.reason ? ' ' + e.reason : ''}]`),
});
document.getElementById('echo-form').onsubmit = (e) => {
  e.preventDefault();
  const v = document.getElementById('echo-in').value;
  if (echo.send(v)) line('echo-out', '> ' + v);
  else line('echo-out', '[not connected]');
};

// --- chat: a name, Enter sends -------------------------------------------------------------------
const nameInput = document.getElementById('chat-name');
nameInput.value = localStorage.getItem('connchan-chat-name') || `guest-${viewer.slice(0, 4)}`;
// A room is a path (/chat/ROOM), asked for with ?room=ROOM in the page's own address.
const room = new URLSearchParams(location.search).get('room');
const chatPath = room ? `/chat/${encodeURIComponent(room)}` : '/chat';
document.getElementById('room').textContent = room ? `· room ${room}` : '';
const chat = reconnecting(
  () => `${chatPath}?viewer=${viewer}&name=${encodeURIComponent(nameInput.value.trim())}`,
  {
    message: (e) => {
      const m = JSON.parse(e.data);
      if (m.type === 'welcome') line('chat-out', `[joined ${m.room} as ${m.name}]`);
      else if (m.type === 'join') line('chat-out', `* ${m.from} joined`);
      else if (m.type === 'leave') line('chat-out', `* ${m.from} left`);
      else if (m.type === 'message') line('chat-out', `${m.from}: ${m.text}`);
    },
    close: (e) => line('chat-out', `[left ${e.code}${e.reason ? ' ' + e.reason : ''}]`),
  },
);
document.getElementById('chat-form').onsubmit = (e) => {
  e.preventDefault();
  const el = document.getElementById('chat-in');
  if (el.value === '') return;
  if (chat.send(el.value)) el.value = '';
  else line('chat-out', '[not connected]');
};
document.getElementById('chat-name-form').onsubmit = (e) => {
  e.preventDefault();
  localStorage.setItem('connchan-chat-name', nameInput.value.trim());
  chat.close(true); // join again under the new name
};

// --- dashboard -----------------------------------------------------------------------------------
const dashboard = createDashboard({
  viewer,
  close: (name) => dash.send(JSON.stringify({ close: name })),
});
const dash = reconnecting(`/dashboard?viewer=${viewer}`, {
  open: linkUp,
  message: (e) => dashboard.update(JSON.parse(e.data)),
  close: (e, retryMs) => {
    dashboard.gone();
    linkDown(retryMs);
  },
});

// For tests and the curious: the page's own state.
window.connchanDemo = { viewer, dashboard };
