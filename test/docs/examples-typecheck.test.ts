// Every TypeScript example of the docs pages that opt in (`<!-- typecheck-examples -->`, see
// test/helpers/doc-examples.ts) compiles under the project's strict settings, so that the docs
// cannot drift from the types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  collectExamples,
  examplesOf,
  REPO_ROOT,
  typecheckExamples,
} from '../helpers/doc-examples.js';

test('the docs examples type-check under strict', { timeout: 120_000 }, () => {
  const examples = collectExamples(REPO_ROOT);
  // docs/websocket.md opts in, and none of its TypeScript blocks is missed.
  const page = readFileSync(join(REPO_ROOT, 'docs/websocket.md'), 'utf8');
  const blocks = page.match(/^```(ts|typescript)\b/gm)?.length ?? 0;
  const websocket = examples.filter((e) => e.page === 'docs/websocket.md');
  assert.ok(blocks > 0);
  assert.equal(websocket.length, blocks);
  assert.deepEqual(typecheckExamples(REPO_ROOT, examples), []);
});

test(
  'a wrong example is reported at its line in the page, preludes apply',
  { timeout: 120_000 },
  () => {
    const page = [
      '# A page',
      '<!-- typecheck-examples',
      'declare const given: number;',
      '-->',
      '',
      '```ts',
      'const ok: number = given;',
      "const wrong: number = 'text';",
      '```',
      '',
      '<!-- typecheck-prelude declare const local: string; -->',
      '```ts',
      'const s: string = local;',
      '```',
      '```sh',
      'not typescript at all',
      '```',
    ].join('\n');
    const examples = examplesOf('docs/sample.md', page);
    assert.equal(examples.length, 2);
    const errors = typecheckExamples(REPO_ROOT, examples);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0], /^docs\/sample\.md:8: TS2322: /);
  },
);
