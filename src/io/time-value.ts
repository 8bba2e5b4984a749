/**
 * Time values as the reference documents write them, parsed in one place (ARCHITECTURE rule 8):
 * a number of milliseconds, or a string in one of NaviServer's forms: `5` (seconds),
 * `1:500000` (seconds:microseconds), `1.5` (fractional seconds), or a number with a unit
 * (`250ms`, `2s`, `1.5m`, `1h`, `1d`, `1w`, `1y`, `250us`/`250μs`).
 */
import { UsageError } from '../errors.js';

/** A duration: milliseconds as a number, or a string in one of the forms above. */
export type TimeValue = number | string;

const UNIT_MS: Readonly<Record<string, number>> = {
  us: 0.001,
  μs: 0.001,
  µs: 0.001,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

const COLON_FORM = /^(\d+):(\d+)$/;
const UNIT_FORM = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-zμµ]+)?$/;

/**
 * Converts a {@link TimeValue} to milliseconds. Numbers are milliseconds already; strings are
 * seconds unless they carry a unit.
 *
 * @example
 * ```ts
 * parseTimeValue('1:500000'); // 1500
 * parseTimeValue('250ms');    // 250
 * parseTimeValue('1.5');      // 1500
 * parseTimeValue(2000);       // 2000
 * ```
 */
export function parseTimeValue(value: TimeValue, what = 'time value'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new UsageError(
        `invalid ${what} ${value}: must be a finite number of milliseconds ≥ 0`,
        {
          code: 'ERR_INVALID_TIME',
        },
      );
    }
    return value;
  }
  const text = value.trim();
  const colon = COLON_FORM.exec(text);
  if (colon) return Number(colon[1]) * 1000 + Number(colon[2]) / 1000;
  const unit = UNIT_FORM.exec(text);
  if (unit) {
    const factor = unit[2] === undefined ? 1000 : UNIT_MS[unit[2]];
    if (factor !== undefined) return Number(unit[1]) * factor;
  }
  throw new UsageError(
    `invalid ${what} "${value}": expected secs, secs:microseconds, secs.fraction or a number with a unit (us, ms, s, m, h, d, w, y)`,
    { code: 'ERR_INVALID_TIME' },
  );
}
