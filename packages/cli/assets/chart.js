// The dashboard's live chart on a canvas: open channels (left axis) and bytes per second
// (right axis) over the last two minutes, one point per snapshot.
const KEEP = 120;
/** Grid lines: five steps of a 1, 2 or 5 scale give round labels. */
const STEPS = 5;

export class LiveChart {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas) {
    this.canvas = canvas;
    /** @type {{at: number, open: number, rate: number}[]} */
    this.points = [];
    this.lastBytes = undefined;
    this.lastAt = undefined;
  }

  /** A snapshot's totals: the rate is the growth of the running byte count since the last. */
  add(at, open, bytes) {
    let rate = 0;
    if (this.lastBytes !== undefined && at > this.lastAt) {
      rate = Math.max(0, ((bytes - this.lastBytes) * 1000) / (at - this.lastAt));
    }
    this.lastBytes = bytes;
    this.lastAt = at;
    this.points.push({ at, open, rate });
    if (this.points.length > KEEP) this.points.shift();
    this.canvas.dataset.points = String(this.points.length);
    this.draw();
    return rate;
  }

  /** A gap (the server was gone): the lines break there instead of joining across. */
  gap() {
    this.lastBytes = undefined;
    if (this.points.length > 0) this.points.push({ at: Date.now(), open: NaN, rate: NaN });
  }

  draw() {
    const c = this.canvas;
    const g = c.getContext('2d');
    const w = c.width;
    const h = c.height;
    const pad = { l: 34, r: 56, t: 10, b: 18 };
    g.clearRect(0, 0, w, h);
    g.font = '11px system-ui, sans-serif';
    const valid = this.points.filter((p) => !Number.isNaN(p.open));
    const maxOpen = niceMax(Math.max(5, ...valid.map((p) => p.open)));
    const maxRate = niceBytes(Math.max(1, ...valid.map((p) => p.rate)));
    const x = (i) => pad.l + ((w - pad.l - pad.r) * i) / (KEEP - 1);
    const y = (v, max) => h - pad.b - ((h - pad.t - pad.b) * v) / max;
    g.strokeStyle = '#e3e6ea';
    g.fillStyle = '#6b7280';
    for (let k = 0; k <= STEPS; k++) {
      const yy = pad.t + ((h - pad.t - pad.b) * k) / STEPS;
      g.beginPath();
      g.moveTo(pad.l, yy);
      g.lineTo(w - pad.r, yy);
      g.stroke();
      g.fillText(String(Math.round(maxOpen * (1 - k / STEPS))), 4, yy + 4);
      g.fillText(shortBytes(maxRate * (1 - k / STEPS)) + '/s', w - pad.r + 4, yy + 4);
    }
    const offset = KEEP - this.points.length;
    for (const [key, max, color] of [
      ['rate', maxRate, '#e4572e'],
      ['open', maxOpen, '#1f77b4'],
    ]) {
      g.strokeStyle = color;
      g.lineWidth = 2;
      g.beginPath();
      let drawing = false;
      this.points.forEach((p, i) => {
        const v = p[key];
        if (Number.isNaN(v)) {
          drawing = false;
          return;
        }
        if (drawing) g.lineTo(x(offset + i), y(v, max));
        else g.moveTo(x(offset + i), y(v, max));
        drawing = true;
      });
      g.stroke();
    }
  }
}

/** A round top for a byte rate, in the unit it will be shown in (B, KiB, MiB). */
function niceBytes(v) {
  const unit = v < 1024 ? 1 : v < 1048576 ? 1024 : 1048576;
  return niceMax(v / unit) * unit;
}

function niceMax(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

export function shortBytes(n) {
  const [v, unit] = n < 1024 ? [n, 'B'] : n < 1048576 ? [n / 1024, 'KiB'] : [n / 1048576, 'MiB'];
  const digits = unit === 'B' || Number.isInteger(v) || v >= 10 ? 0 : 1;
  return `${v.toFixed(digits)} ${unit}`;
}
