// Finds every test file and hands them to Node's own test runner (node --test), with tsx
// loading the TypeScript. Node 20's runner does not expand globs itself.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
// The library's tests, then each workspace package's (the command line's).
const roots = ['test', ...readdirSync('packages').map((p) => join('packages', p, 'test'))].filter(
  (dir) => existsSync(dir),
);
const files = roots
  .flatMap(findTests)
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
