/**
 * The command line as a user runs it: exit codes, outputs on disk, messages for bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../testing/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'mst-cli-'));
const fixtures = join(repoRoot, 'test', 'fixtures', 'audio');

function mst(...args: string[]) {
  const result = spawnSync(process.execPath, [join(repoRoot, 'bin', 'mst.js'), ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('mst doctor reports the engine', () => {
  const { code, stdout } = mst('doctor', '--json');
  assert.equal(code, 0);
  const info = JSON.parse(stdout) as { torchVersion: string; threads: number; selfTest: string; devices: string[] };
  assert.match(info.torchVersion, /^\d+\.\d+/);
  assert.equal(info.selfTest, 'ok');
  assert.ok(info.threads >= 1);
  assert.ok(info.devices.includes('cpu'));
});

test('mst spectrogram writes a PNG', () => {
  const out = join(dir, 'phrase.png');
  const { code, stdout } = mst('spectrogram', join(fixtures, 'phrase-violin.flac'), '-o', out);
  assert.equal(code, 0, stdout);
  assert.match(stdout, /4\.5\d s of audio/);
  assert.deepEqual([...readFileSync(out).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
});

test('mst resynth writes a WAV and prints the round-trip distances', () => {
  const out = join(dir, 'phrase.wav');
  const { code, stdout } = mst('resynth', join(fixtures, 'phrase-piano.flac'), '-o', out, '--json');
  assert.equal(code, 0, stdout);
  const figures = JSON.parse(stdout) as { seconds: number; tiles: number; spectralConvergence: number; logSpectralDistanceDb: number };
  assert.equal(figures.seconds, 4.5);
  assert.equal(figures.tiles, 3);
  assert.ok(figures.spectralConvergence < 0.3 && figures.logSpectralDistanceDb < 7);
  assert.equal(readFileSync(out).subarray(0, 4).toString('ascii'), 'RIFF');
});

test('bad input gets a clear message and exit code 1, and nothing is written', () => {
  const cases: [string[], RegExp][] = [
    [['resynth', join(dir, 'missing.wav'), '-o', join(dir, 'x.wav')], /missing\.wav: no such file; check the path/],
    [['resynth', join(repoRoot, 'package.json'), '-o', join(dir, 'y.wav')], /package\.json: this is not audio mst can read/],
    [['resynth', join(fixtures, 'tone.flac'), '-o', join(fixtures, 'tone.flac')], /is also an input; mst never overwrites its inputs/],
    [['resynth', join(fixtures, 'tone.flac'), '-o', join(dir, 'z.wav'), '--iterations', '-3'], /--iterations: Expected an integer in \[0, 1000\] but received -3/],
    [['spectrogram', join(fixtures, 'tone.flac'), '-o', dir], /is a directory; give a file name/],
    [['transfer'], /unknown command 'transfer'/],
  ];
  for (const [args, message] of cases) {
    const { code, stderr } = mst(...args);
    assert.equal(code, 1, args.join(' '));
    assert.match(stderr, message);
  }
  assert.equal(existsSync(join(dir, 'x.wav')) || existsSync(join(dir, 'y.wav')) || existsSync(join(dir, 'z.wav')), false);
});
