/**
 * The output policy (files.ts): a full disk is an error that leaves nothing behind; devices,
 * pipes, read-only files and dangling links are refused and left as they were; a link is
 * written through; temporaries of dead processes are cleaned up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic, OutputPathError, temporaryPath } from './files.js';
import { writeWav } from '../audio/wav.js';
import { temporaryDirectory } from '../testing/helpers.js';

const dir = temporaryDirectory('mst-files-');
const refused = (pattern: RegExp) => (error: unknown) => error instanceof OutputPathError && pattern.test(error.message);

test('a file larger than the disk allows is an error, and neither it nor its temporary file is left', () => {
  const wav = fileURLToPath(new URL('../audio/wav.js', import.meta.url));
  const out = join(dir, 'too-big.wav');
  // a 64 KiB file-size limit stands in for a full disk: the writes come up short, then fail
  const script = `import { writeWav } from ${JSON.stringify(wav)}; writeWav(${JSON.stringify(out)}, new Float32Array(16000 * 6).fill(0.25), 16000);`;
  const run = spawnSync('bash', ['-c', `ulimit -f 64; trap '' XFSZ; exec "${process.execPath}" --input-type=module -e '${script}'`], { encoding: 'utf8' });
  assert.notEqual(run.status, 0, 'the write must fail');
  assert.match(run.stderr, /too-big\.wav: the file would exceed the largest file allowed here \(ulimit -f or the file system\); nothing was written/);
  assert.ok(!existsSync(out), 'no truncated file');
  assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.too-big')), [], 'no temporary file');
});

test('devices and pipes are refused and stay what they were', () => {
  assert.throws(() => writeFileAtomic('/dev/null', [Buffer.from('x')]), refused(/^\/dev\/null: is a device, which mst never replaces; mst writes regular files only/));
  assert.ok(statSync('/dev/null').isCharacterDevice());
  const fifo = join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  assert.throws(() => writeWav(fifo, new Float32Array(16), 16000), refused(/pipe: is a pipe, which mst never replaces/));
  assert.ok(lstatSync(fifo).isFIFO());
  assert.throws(() => writeFileAtomic(dir, [Buffer.from('x')]), refused(/is a directory, which mst never replaces; give a file name/));
});

test('a read-only file is refused and keeps its bytes', () => {
  const out = join(dir, 'read-only.wav');
  writeFileSync(out, 'keep me');
  chmodSync(out, 0o444);
  assert.throws(() => writeWav(out, new Float32Array(16), 16000), refused(/read-only\.wav: is read-only, so mst leaves it as it is; make it writable \(chmod u\+w\)/));
  assert.equal(readFileSync(out, 'utf8'), 'keep me');
  assert.equal(statSync(out).mode & 0o777, 0o444);
});

test('a writable file is replaced; a link is written through and stays a link; a dangling link is refused', () => {
  const real = join(dir, 'real.bin');
  writeFileSync(real, 'old');
  writeFileAtomic(real, [Buffer.from('new')]);
  assert.equal(readFileSync(real, 'utf8'), 'new');
  const link = join(dir, 'link.bin');
  symlinkSync(real, link);
  writeFileAtomic(link, [Buffer.from('through the link')]);
  assert.ok(lstatSync(link).isSymbolicLink(), 'the link is not replaced');
  assert.equal(readFileSync(real, 'utf8'), 'through the link');
  const dangling = join(dir, 'dangling.bin');
  symlinkSync(join(dir, 'missing.bin'), dangling);
  assert.throws(() => writeFileAtomic(dangling, [Buffer.from('x')]), refused(/is a symbolic link to a file that does not exist/));
  assert.ok(lstatSync(dangling).isSymbolicLink() && !existsSync(join(dir, 'missing.bin')));
});

test("a killed writer's temporary file is removed by the next write of the same output; a live one's is kept", () => {
  const out = join(dir, 'out.bin');
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const [stale, live] = [temporaryPath(out, Number(dead.stdout)), temporaryPath(out, process.ppid)];
  writeFileSync(stale, 'left by a killed process');
  writeFileSync(live, 'being written');
  writeFileAtomic(out, [Buffer.from('done')]);
  assert.ok(!existsSync(stale), 'the dead process left it');
  assert.ok(existsSync(live), 'its process still runs');
  assert.equal(readFileSync(out, 'utf8'), 'done');
});
