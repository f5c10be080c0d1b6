/**
 * Importing mst changes no process setting; configure() changes them as documented; 'auto' threads
 * step aside for another process's busy core.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { configure, settingsFromEnvironment, engineSettings } from './configure.js';
import { AdaptiveThreads } from './threads.js';
import { getNumThreads } from './runtime.js';

const addon = fileURLToPath(new URL('../../../build/Release/mst.node', import.meta.url));
const entry = fileURLToPath(new URL('../index.js', import.meta.url));
const SIXTEEN_MIB = 16 << 20;

test("importing mst leaves libtorch's threads and glibc's allocator as they were; configure() sets both", () => {
  // a fixed mmap threshold (128 KiB) turns glibc's dynamic threshold off, so the probe reads only what was set
  const script = `
    import { createRequire } from 'node:module';
    const native = createRequire(import.meta.url)(${JSON.stringify(addon)});
    const read = () => ({ threads: native.getNumThreads(), mapsSixteenMiB: native.mallocMapsBlock(${SIXTEEN_MIB}) });
    const before = read();
    const mst = await import(${JSON.stringify(entry)});
    const afterImport = read();
    mst.configure({ threads: 1 });
    const configured = read();
    console.log(JSON.stringify({ before, afterImport, configured }));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=131072' } });
  assert.equal(run.status, 0, run.stderr);
  const { before, afterImport, configured } = JSON.parse(run.stdout);
  assert.equal(before.mapsSixteenMiB, true, 'the probe sees the 128 KiB threshold');
  assert.deepEqual(afterImport, before);
  assert.deepEqual(configured, { threads: 1, mapsSixteenMiB: false }); // blocks up to 32 MiB now come from the heap
});

test('configure() checks its settings and reports them; the environment names its variable', () => {
  assert.throws(() => configure({ threads: 0 }), /configure: Expected a positive integer or 'auto' for threads but received 0/);
  assert.throws(() => configure({ malloc: 'fast' as 'tuned' }), /Expected 'tuned' or 'default' for malloc but received fast/);
  assert.deepEqual(configure({ threads: 1 }), { threads: 1, malloc: 'tuned' });
  assert.equal(getNumThreads(), 1);
  assert.deepEqual(engineSettings(), { threads: 1, malloc: 'tuned' });
  assert.deepEqual(configure({ threads: 'auto' }), { threads: 'auto', malloc: 'tuned' });
  assert.deepEqual(settingsFromEnvironment({ MST_NUM_THREADS: '3', MST_MALLOC: 'default' }), { threads: 3, malloc: 'default' });
  assert.deepEqual(settingsFromEnvironment({ MST_NUM_THREADS: 'auto' }), {});
  assert.deepEqual(settingsFromEnvironment({}), {});
  assert.throws(() => settingsFromEnvironment({ MST_NUM_THREADS: '1.5' }), /^RangeError: MST_NUM_THREADS=1\.5: Expected a positive integer/);
  assert.throws(() => settingsFromEnvironment({ MST_MALLOC: 'jemalloc' }), /^RangeError: MST_MALLOC=jemalloc: Expected 'default'/);
});

test("'auto' threads leave a core to another process that keeps it busy", { skip: availableParallelism() < 2 && 'needs two cores' }, async () => {
  const threads = new AdaptiveThreads();
  assert.equal(threads.threads, availableParallelism());
  const busy = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  try {
    await sleep(300); // the busy loop is running
    threads.adapt(); // starts a window with it running
    await sleep(500);
    assert.ok(threads.adapt() <= availableParallelism() - 1, `with one core busy, ${threads.threads} threads`);
    assert.equal(getNumThreads(), threads.threads);
  } finally {
    busy.kill();
  }
});
