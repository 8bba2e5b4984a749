/**
 * The terminal side of `connchan ws`: a prompt with what is being typed, and lines printed
 * above it when messages arrive (the half-typed line is drawn again under them, as wscat does).
 * Without a terminal it reads plain lines and prints plain lines.
 */
import { createInterface, type Interface } from 'node:readline';
import type { CliIo } from '../command.js';

export const PROMPT = '> ';

export interface LineHandlers {
  /** Each line typed (or read); the prompt comes back after it. */
  line(text: string): void;
  /** End of input: Ctrl-D, the end of piped input, or Ctrl-C at the prompt. */
  end(): void;
}

export class LineConsole {
  /** A person at a terminal: prompt, echo and line editing. */
  readonly interactive: boolean;
  readonly #io: Pick<CliIo, 'stdin' | 'stdout'>;
  readonly #out: CliIo['stdout'];
  #rl: Interface | undefined;
  #closed = false;

  constructor(io: Pick<CliIo, 'stdin' | 'stdout'>) {
    this.interactive = io.stdin.isTTY === true && io.stdout.isTTY === true;
    this.#io = io;
    this.#out = io.stdout;
  }

  /**
   * Starts reading input (not before: lines read while nobody listens would be lost) and shows
   * the prompt.
   */
  start(handlers: LineHandlers): void {
    const rl = createInterface({
      input: this.#io.stdin,
      output: this.interactive ? this.#out : undefined,
      terminal: this.interactive,
      prompt: PROMPT,
      historySize: this.interactive ? 200 : 0,
    });
    this.#rl = rl;
    rl.on('line', (line) => {
      handlers.line(line);
      if (this.interactive && !this.#closed) rl.prompt();
    });
    rl.on('close', () => {
      this.#closed = true;
      handlers.end();
    });
    rl.on('SIGINT', () => rl.close());
    if (this.interactive) rl.prompt();
  }

  /** A line above the prompt. */
  print(text: string): void {
    const rl = this.#rl;
    if (!this.interactive || rl === undefined || this.#closed) {
      this.#out.write(`${text}\n`);
      return;
    }
    // Back to the start of the prompt's line, erase it, print, then the prompt and the
    // half-typed line again, with the cursor where it was.
    this.#out.write(`\r\u001b[K${text}\n`);
    rl.prompt(true);
  }

  /** Stops reading; at a terminal the prompt's line is erased (what comes after is plain). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.interactive && this.#rl !== undefined) this.#out.write('\r\u001b[K');
    this.#rl?.close();
    // Piped input that has not ended would keep the process waiting for it.
    this.#io.stdin.pause();
  }
}
