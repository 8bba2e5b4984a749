/**
 * What a `connchan` command is to the dispatcher in main.ts, and the streams it works with
 * (the process's, or a test's).
 */
import { versionText } from './version.js';

export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
}

export interface Command {
  name: string;
  /** One line for `connchan --help`. */
  summary: string;
  help: string;
  /** Runs with the arguments after the command's name; resolves to the exit status. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** The process's own streams. */
export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/**
 * `--help` and `--version`, which every command takes: the text to print instead of running,
 * or undefined.
 */
export function standardAnswer(
  values: { help?: boolean; version?: boolean },
  help: string,
): string | undefined {
  if (values.help) return help;
  if (values.version) return `${versionText()}\n`;
  return undefined;
}
