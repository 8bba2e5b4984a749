// Entry point for running the CLI from source (tests, development):
// `node --import tsx packages/cli/src/run.ts serve` from the repository's root.
import { main } from './main.js';

main(process.argv).catch((err: unknown) => {
  console.error(`connchan: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
