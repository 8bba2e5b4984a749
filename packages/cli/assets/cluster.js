// The cluster view of the dashboard: who serves this page, through which broker, and every
// member (node, worker, host, pid, channels, messages per second). Hidden in one process.
import { extraViews } from './dashboard.js';

extraViews.set('members', (snapshot) => {
  const section = document.getElementById('cluster');
  section.hidden = !snapshot.broker || snapshot.broker === 'memory';
  if (section.hidden) return;
  document.getElementById('self').textContent = snapshot.self;
  document.getElementById('broker').textContent = snapshot.broker;
  document.getElementById('unreachable').textContent = snapshot.unreachable.length
    ? '· not answering: ' + snapshot.unreachable.join(', ')
    : '';
  document.querySelector('#members tbody').replaceChildren(
    ...snapshot.members.map((m) => {
      const tr = document.createElement('tr');
      for (const v of [
        m.id,
        m.node,
        m.worker,
        m.host,
        m.pid,
        m.channels,
        m.msgsPerSec,
        new Date(m.since).toLocaleTimeString(),
      ]) {
        const td = document.createElement('td');
        td.textContent = String(v);
        tr.append(td);
      }
      if (m.id === snapshot.self) tr.className = 'mine';
      return tr;
    }),
  );
});
