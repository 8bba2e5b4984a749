// The `connchan` process: runs the command, then exits with its status at once (a command
// that is done leaves nothing to wait for: `ws -x` must return as soon as its answers are in).
// From source (tests, development): `node --import tsx packages/cli/src/run.ts serve`.
import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`connchan: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
