/**
 * The README's code examples run as written (imports resolve through the package's own name),
 * in a scratch folder holding the bundled example. Without a shipped model in models/default,
 * they run on an untrained one of the same config (MST_MODEL).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, rmSync, mkdirSync, copyFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot, temporaryDirectory } from './testing/helpers.js';
import { untrainedModelFolder } from './testing/model-folder.js';

test('the README examples run', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const examples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  assert.ok(examples.length >= 2, 'the README has the library and the engine examples');
  const scratch = temporaryDirectory('mst-readme-');
  mkdirSync(join(scratch, 'examples'));
  copyFileSync(join(repoRoot, 'examples', 'piano.wav'), join(scratch, 'examples', 'piano.wav'));
  const env = { ...process.env, ...(existsSync(join(repoRoot, 'models', 'default')) ? {} : { MST_MODEL: untrainedModelFolder(scratch) }) };
  for (const [i, example] of examples.entries()) {
    const file = join(repoRoot, `.readme-example-${process.pid}-${i}.mjs`); // here, so that 'mst' resolves
    writeFileSync(file, example); // plain JavaScript apart from the fence's name
    try {
      const run = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 300000, cwd: scratch, env });
      assert.equal(run.status, 0, `example ${i + 1}: ${run.stderr}`);
    } finally {
      rmSync(file, { force: true });
    }
  }
  assert.ok(readdirSync(scratch).filter((f) => /^piano-as-.*\.wav$/.test(f)).length >= 2, 'the transfer example wrote its outputs');
});
