/**
 * Command-line options on Node's own `util.parseArgs`, with what it leaves to us: one table per
 * command that also writes the help, typed values, and usage errors that name the command and
 * exit with status 2 (as curl and most tools do).
 */
import { parseArgs } from 'node:util';

/** One option of a command: parseArgs' settings plus what the help shows. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The value's placeholder in the help (`PORT`, `FILE`). */
  value?: string;
  help: string;
}

export type OptionTable = Record<string, OptionSpec>;

/** The values parseArgs returns for a table: strings, booleans or lists, absent when not given. */
export type OptionValues<T extends OptionTable> = {
  [K in keyof T]?: T[K] extends { multiple: true }
    ? string[]
    : T[K] extends { type: 'boolean' }
      ? boolean
      : string;
};

/** A bad command line: the message says what, the CLI prints it and exits with 2. */
export class CommandLineError extends Error {
  readonly exitCode = 2;
  override readonly name = 'CommandLineError';
}

/** What every command takes besides its own options. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h', help: 'show this help' },
  version: { type: 'boolean', short: 'V', help: 'show the versions of connchan and Node.js' },
} as const satisfies OptionTable;

/**
 * Parses `args` against `table` (and the common options).
 *
 * @example
 * ```ts
 * const { values, positionals } = parseCommand('get', { output: { type: 'string', short: 'o',
 *   value: 'FILE', help: 'write the body to FILE' } }, ['-o', 'x', 'http://a/']);
 * ```
 */
export function parseCommand<T extends OptionTable>(
  command: string,
  table: T,
  args: string[],
): { values: OptionValues<T & typeof COMMON_OPTIONS>; positionals: string[] } {
  const options: Record<
    string,
    { type: 'string' | 'boolean'; short?: string; multiple?: boolean }
  > = {};
  for (const [name, spec] of Object.entries<OptionSpec>({ ...COMMON_OPTIONS, ...table })) {
    options[name] = { type: spec.type, multiple: spec.multiple === true };
    if (spec.short !== undefined) options[name].short = spec.short;
  }
  try {
    const { values, positionals } = parseArgs({
      args,
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as OptionValues<T & typeof COMMON_OPTIONS>, positionals };
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify a positional.*$/s, '');
    throw new CommandLineError(`connchan ${command}: ${message} (see connchan ${command} --help)`);
  }
}

/** The options part of a command's help, one aligned line per option. */
export function optionsHelp(table: OptionTable): string {
  const rows = Object.entries<OptionSpec>({ ...table, ...COMMON_OPTIONS }).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.value ? ` ${spec.value}` : ''}`;
    return [flag, spec.help + (spec.multiple ? ' (repeatable)' : '')] as const;
  });
  const width = Math.min(34, Math.max(...rows.map(([f]) => f.length)) + 2);
  return rows
    .map(([flag, help]) =>
      flag.length + 2 > width
        ? `  ${flag}\n  ${' '.repeat(width)}${help}`
        : `  ${flag.padEnd(width)}${help}`,
    )
    .join('\n');
}

/** A whole number in [min, max], or a usage error naming the option. */
export function integerOption(
  command: string,
  name: string,
  raw: string,
  min: number,
  max: number,
): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new CommandLineError(
      `connchan ${command}: --${name} must be a whole number from ${min} to ${max}, not "${raw}"`,
    );
  }
  return n;
}

/** A number of seconds (fractions allowed, as curl's --max-time and wscat's --wait). */
export function secondsOption(command: string, name: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new CommandLineError(
      `connchan ${command}: --${name} takes a number of seconds (e.g. 2 or 0.5), not "${raw}"`,
    );
  }
  return n;
}

/** One of a fixed set of words. */
export function choiceOption<C extends string>(
  command: string,
  name: string,
  raw: string,
  choices: readonly C[],
): C {
  if (!(choices as readonly string[]).includes(raw)) {
    throw new CommandLineError(
      `connchan ${command}: --${name} must be one of ${choices.join(', ')}, not "${raw}"`,
    );
  }
  return raw as C;
}

/** `Name: value` header lines as pairs; a line without a colon is a usage error. */
export function headerOption(command: string, lines: readonly string[]): [string, string][] {
  return lines.map((line) => {
    const i = line.indexOf(':');
    if (i <= 0) {
      throw new CommandLineError(
        `connchan ${command}: bad header "${line}": expected "Name: value"`,
      );
    }
    return [line.slice(0, i).trim(), line.slice(i + 1).trim()];
  });
}
