/**
 * The `connchan` command line: `serve`, `get` and `ws`, each with `--help`; `--version`.
 */
import { CommandLineError } from './args.js';
import { processIo, type CliIo, type Command } from './command.js';
import { getCommand } from './get/get-cli.js';
import { serveCommand } from './serve/serve-cli.js';
import { versionText } from './version.js';
import { wsCommand } from './ws/ws-cli.js';

const COMMANDS: readonly Command[] = [serveCommand, getCommand, wsCommand];

const HELP = `Usage: connchan <command> [options]

Long-lived network connections for Node.js: channels, WebSockets, HTTP/1.1.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(7)}${c.summary}`).join('\n')}

connchan <command> --help shows a command's options; connchan --version the versions.
`;

/**
 * Runs one command line (the arguments after `connchan`) and resolves to its exit status.
 *
 * @example
 * ```ts
 * process.exitCode = await main(['get', 'http://127.0.0.1:8080/channels']);
 * ```
 */
export async function main(args: string[], io: CliIo = processIo()): Promise<number> {
  const [first, ...rest] = args;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.stdout.write(topic?.help ?? HELP);
    return first === undefined ? 2 : 0;
  }
  if (first === '--version' || first === '-V') {
    io.stdout.write(`${versionText()}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === first);
  try {
    if (command === undefined) {
      throw new CommandLineError(
        `connchan: unknown command "${first}"; the commands are ${COMMANDS.map((c) => c.name).join(', ')}`,
      );
    }
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof CommandLineError) {
      io.stderr.write(`${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
