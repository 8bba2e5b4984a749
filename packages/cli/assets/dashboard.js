// The channel table of the dashboard: one row per channel with its endpoint and kind, the
// viewer's own channels highlighted ("you"), sorting by any column (click its header) and a
// filter over every column; the live chart beside it.
import { LiveChart, shortBytes } from './chart.js';

const COLUMNS = [
  'name',
  'endpoint',
  'kind',
  'driver',
  'peer',
  'start',
  'sent',
  'received',
  'callback',
];
const NUMERIC = new Set(['start', 'sent', 'received']);

/** Fields of a snapshot beyond the table's, each drawn by a view given the whole snapshot. */
export const extraViews = new Map();

function age(start, now) {
  const s = Math.max(0, Math.round((now - start) / 1000));
  return s < 60
    ? `${s}s ago`
    : s < 3600
      ? `${Math.floor(s / 60)}m ago`
      : `${Math.floor(s / 3600)}h ago`;
}

function cell(row, key, now) {
  if (key === 'start') return age(row.start, now);
  if (key === 'sent' || key === 'received') return shortBytes(row[key]);
  if (key === 'kind') return row.kind === 'websocket' ? 'WebSocket' : row.kind;
  if (key === 'callback') return row.callback ? `${row.callback} (${row.condition})` : '';
  return String(row[key] ?? '');
}

/**
 * @param {{viewer: string, close: (name: string) => void}} options
 */
export function createDashboard({ viewer, close }) {
  const body = document.querySelector('#channels tbody');
  const headers = [...document.querySelectorAll('#channels th[data-key]')];
  const filter = document.getElementById('filter');
  const onlyMine = document.getElementById('only-mine');
  const chart = new LiveChart(document.getElementById('chart'));
  let rows = [];
  let at = Date.now();
  let sortKey = 'start';
  let sortDir = -1; // newest first

  function render() {
    const words = filter.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const shown = rows
      .filter((r) => !onlyMine.checked || r.viewer === viewer)
      .filter((r) => {
        const text = COLUMNS.map((k) => cell(r, k, at))
          .join(' ')
          .toLowerCase();
        return words.every((w) => text.includes(w));
      })
      .sort((a, b) => {
        const x = a[sortKey];
        const y = b[sortKey];
        const d = NUMERIC.has(sortKey)
          ? x - y
          : String(x).localeCompare(String(y), undefined, { numeric: true });
        return d * sortDir || a.name.localeCompare(b.name, undefined, { numeric: true });
      });
    body.replaceChildren(
      ...shown.map((r) => {
        const tr = document.createElement('tr');
        tr.dataset.name = r.name;
        tr.dataset.endpoint = r.endpoint;
        tr.dataset.kind = r.kind;
        if (viewer && r.viewer === viewer) tr.classList.add('mine');
        for (const key of COLUMNS) {
          const td = document.createElement('td');
          td.textContent = cell(r, key, at);
          td.className = `col-${key}${NUMERIC.has(key) && key !== 'start' ? ' num' : ''}`;
          if (key === 'kind') td.classList.add(`kind-${r.kind}`);
          if (key === 'name' && tr.classList.contains('mine')) {
            const you = document.createElement('span');
            you.className = 'you';
            you.textContent = 'you';
            td.append(you);
          }
          if (key === 'start') td.title = new Date(r.start).toLocaleString();
          tr.append(td);
        }
        const td = document.createElement('td');
        const b = document.createElement('button');
        b.textContent = 'close';
        b.className = 'close';
        b.onclick = () => close(r.name);
        td.append(b);
        tr.append(td);
        return tr;
      }),
    );
    const mine = rows.filter((r) => r.viewer === viewer).length;
    document.getElementById('counts').textContent =
      `${rows.length} channels, ${mine} yours` +
      (shown.length < rows.length ? `, ${shown.length} shown` : '');
    for (const th of headers) {
      if (th.dataset.key === sortKey)
        th.setAttribute('aria-sort', sortDir > 0 ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
    }
  }

  for (const th of headers) {
    th.onclick = () => {
      if (sortKey === th.dataset.key) sortDir = -sortDir;
      else {
        sortKey = th.dataset.key;
        sortDir = NUMERIC.has(sortKey) ? -1 : 1;
      }
      render();
    };
  }
  filter.oninput = render;
  onlyMine.onchange = render;

  return {
    chart,
    /** A snapshot from /dashboard. */
    update(snapshot) {
      document.getElementById('channels').classList.remove('stale');
      rows = snapshot.channels;
      at = snapshot.at;
      const rate = chart.add(snapshot.at, snapshot.totals.open, snapshot.totals.bytes);
      document.getElementById('now-open').textContent = String(snapshot.totals.open);
      document.getElementById('now-rate').textContent = `${shortBytes(rate)}/s`;
      document.getElementById('updated').textContent = new Date(snapshot.at).toLocaleTimeString();
      render();
      // The member column only where there are members (a cluster).
      document.getElementById('channels').classList.toggle('single', !snapshot.self);
      for (const [field, view] of extraViews) if (field in snapshot) view(snapshot);
    },
    /** The server went away: keep the table (dimmed: it is stale), mark the gap in the chart. */
    gone() {
      document.getElementById('channels').classList.add('stale');
      chart.gap();
      chart.draw();
    },
  };
}
