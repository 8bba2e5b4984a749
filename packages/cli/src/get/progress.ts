/**
 * The progress line `connchan get` draws on a terminal: a bar, the percentage and the time left
 * when the length is known; bytes, rate and time spent when it is not (a chunked or
 * close-delimited body). Redrawn at most ten times a second, on one line.
 */

export interface ProgressStream {
  write(text: string): unknown;
  columns?: number;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
const SPINNER = '|/-\\';
const REDRAW_MS = 100;
/** The rate is measured over about this much of the recent past. */
const RATE_WINDOW_MS = 2000;

/** `1536` → `1.5 KiB`. */
export function formatBytes(n: number): string {
  let i = 0;
  let v = n;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${UNITS[i]}`;
}

/** `75` → `1:15`. */
function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return m >= 60
    ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`
    : `${m}:${String(s % 60).padStart(2, '0')}`;
}

export class ProgressMeter {
  readonly #out: ProgressStream;
  readonly #started = performance.now();
  /** [time, bytes] samples of the last RATE_WINDOW_MS. */
  #samples: [number, number][] = [];
  #drawnAt = 0;
  #frame = 0;
  #current = 0;
  #total = 0;
  #drawn = false;

  constructor(out: ProgressStream) {
    this.#out = out;
  }

  /** `total` 0 means unknown. Draws when the last drawing is older than 100 ms. */
  update(current: number, total: number): void {
    this.#current = current;
    this.#total = total;
    const now = performance.now();
    this.#samples.push([now, current]);
    while (this.#samples.length > 2 && now - this.#samples[0][0] > RATE_WINDOW_MS) {
      this.#samples.shift();
    }
    if (now - this.#drawnAt >= REDRAW_MS) this.#draw(now, false);
  }

  /** The last drawing, and the line ended. Nothing when nothing was drawn or received. */
  finish(): void {
    if (!this.#drawn && this.#current === 0) return;
    this.#draw(performance.now(), true);
    this.#out.write('\n');
  }

  /** Bytes per second over the recent window (over everything when it is young). */
  rate(now = performance.now()): number {
    const first = this.#samples[0];
    const span = first === undefined ? 0 : now - first[0];
    if (first === undefined || span < 50) {
      const all = now - this.#started;
      return all > 0 ? (this.#current / all) * 1000 : 0;
    }
    return ((this.#current - first[1]) / span) * 1000;
  }

  /** The line as it would be drawn now (tests read it). */
  line(now = performance.now(), done = false): string {
    const rate = this.rate(now);
    const elapsed = (now - this.#started) / 1000;
    const width = Math.max(40, Math.min(this.#out.columns ?? 80, 120) - 1);
    const total = this.#total;
    if (total > 0) {
      const fraction = Math.min(1, this.#current / total);
      const tail = ` ${String(Math.floor(fraction * 100)).padStart(3)}%  ${formatBytes(this.#current)} / ${formatBytes(total)}  ${formatBytes(Math.round(rate))}/s  ${
        done
          ? formatDuration(elapsed)
          : `ETA ${rate > 0 ? formatDuration((total - this.#current) / rate) : '-:--'}`
      }`;
      const barWidth = Math.max(10, width - tail.length - 2);
      const filled = Math.round(fraction * barWidth);
      return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]${tail}`;
    }
    const spin = done ? ' ' : SPINNER[this.#frame % SPINNER.length];
    return `${spin} ${formatBytes(this.#current)}  ${formatBytes(Math.round(rate))}/s  ${formatDuration(elapsed)}${done ? '  done' : ''}`;
  }

  #draw(now: number, done: boolean): void {
    this.#drawnAt = now;
    this.#frame++;
    this.#drawn = true;
    // Carriage return, the line, and erase what a longer earlier line left.
    this.#out.write(`\r${this.line(now, done)}\u001b[K`);
  }
}
