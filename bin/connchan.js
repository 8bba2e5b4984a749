#!/usr/bin/env node
// The `connchan` command. The CLI is written in TypeScript and built to dist/ by `npm run build`
// (which `npm start` runs first).
import '../dist/cli/run.js';
