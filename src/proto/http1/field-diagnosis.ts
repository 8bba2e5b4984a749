/**
 * Why a head's field lines failed the regex that checks them: the precise error for bad input,
 * found slowly on purpose (valid heads never get here).
 */
import { invalidFieldValueIndex, isToken } from './headers.js';
import { HttpErrorCode, describeChar, httpError } from './errors.js';

/**
 * Finds out why field lines from `pos` failed the regex and throws the precise error. Slow on
 * purpose: it only runs on bad input. Returns when it finds nothing (the caller then throws).
 *
 * @example
 * ```ts
 * diagnoseFieldLines('X: a\r\n b\r\n\r\n', 0, 400); // throws ERR_HTTP_OBS_FOLD, status 400
 * ```
 */
export function diagnoseFieldLines(s: string, pos: number, status: number | undefined): void {
  for (;;) {
    const lf = s.indexOf('\n', pos);
    const end = lf < 0 ? s.length : lf;
    if (lf < 0 || lf === pos || s.charCodeAt(lf - 1) !== 0x0d) {
      if (lf >= 0) {
        throw httpError(
          HttpErrorCode.INVALID_LINE_ENDING,
          'header line ends with a bare LF (CRLF required)',
          status,
        );
      }
      return;
    }
    const line = s.slice(pos, end - 1);
    if (line === '') return;
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) {
      throw httpError(
        HttpErrorCode.OBS_FOLD,
        'obsolete line folding (a header line starting with whitespace) is not allowed',
        status,
      );
    }
    const cr = line.indexOf('\r');
    if (cr >= 0) {
      throw httpError(HttpErrorCode.INVALID_LINE_ENDING, 'bare CR in a header line', status);
    }
    const colon = line.indexOf(':');
    if (colon < 0) {
      throw httpError(
        HttpErrorCode.INVALID_HEADER_NAME,
        `header line without a colon: ${JSON.stringify(line.slice(0, 40))}`,
        status,
      );
    }
    const name = line.slice(0, colon);
    if (name === '') {
      throw httpError(HttpErrorCode.INVALID_HEADER_NAME, 'empty header name', status);
    }
    const lastCode = name.charCodeAt(name.length - 1);
    if (lastCode === 0x20 || lastCode === 0x09) {
      throw httpError(
        HttpErrorCode.INVALID_HEADER_NAME,
        `whitespace between header name ${JSON.stringify(name.trimEnd())} and colon (RFC 9112 §5.1)`,
        status,
      );
    }
    if (!isToken(name)) {
      const bad = [...name].find((ch) => !isToken(ch)) ?? '?';
      throw httpError(
        HttpErrorCode.INVALID_HEADER_NAME,
        `invalid character ${describeChar(bad.charCodeAt(0))} in header name`,
        status,
      );
    }
    const value = line.slice(colon + 1);
    const at = invalidFieldValueIndex(value);
    if (at >= 0) {
      throw httpError(
        HttpErrorCode.INVALID_HEADER_VALUE,
        `invalid character ${describeChar(value.charCodeAt(at))} in the value of ${name}`,
        status,
      );
    }
    pos = lf + 1;
  }
}
