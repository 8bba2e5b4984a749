#!/usr/bin/env node
// The `connchan` command. The CLI is written in TypeScript and built to dist/ by `npm run build`
// at the repository's root (which `npm install` and `npm start` run).
import '../dist/run.js';
