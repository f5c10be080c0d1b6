/**
 * The README's code example runs as written (imports resolve through the package's own name).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot } from './testing/helpers.js';

test('the README example runs', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(example, 'the README has a TypeScript example');
  const file = join(repoRoot, `.readme-example-${process.pid}.mjs`);
  writeFileSync(file, example); // plain JavaScript apart from the fence's name
  try {
    const run = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 120000 });
    assert.equal(run.status, 0, run.stderr);
  } finally {
    rmSync(file, { force: true });
  }
});
