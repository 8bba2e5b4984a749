#!/usr/bin/env node
// The `connchan` command. The CLI is written in TypeScript and built to dist/ by `npm run build`
// (which `npm start` runs first).
import { main } from '../dist/cli/main.js';

main(process.argv).catch((err) => {
  console.error(`connchan: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
