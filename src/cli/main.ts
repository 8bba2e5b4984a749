/**
 * The `connchan` command line: `connchan serve` starts the demo server on its embedded
 * defaults. More subcommands (`get`, `ws`, `channels`) arrive with their capabilities.
 */
import { Command } from 'commander';
import { serve, DEFAULT_SERVE_OPTIONS } from './serve.js';

export async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('connchan')
    .description('Long-lived network connections for Node.js: channels, WebSockets, HTTP/1.1.');

  program
    .command('serve')
    .description('run the demo server')
    .option('--host <host>', 'address to listen on', DEFAULT_SERVE_OPTIONS.host)
    .option('--port <port>', 'HTTP port (0 picks a free one)', String(DEFAULT_SERVE_OPTIONS.port))
    .action(async (opts: { host: string; port: string }) => {
      const server = await serve({ host: opts.host, port: Number(opts.port) });
      console.log(`connchan serving on ${server.url}`);
      const stop = () => {
        void server.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  await program.parseAsync(argv);
}
