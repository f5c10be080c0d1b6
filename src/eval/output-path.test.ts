/**
 * The output-path augmentation: a rendered phrase comes back from Griffin-Lim and analysis close
 * to what went in but not the same, silence stays silent, and the pool keeps labels with their
 * tiles, its capacity, and its tiles past the scope that added them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tensor, tidy, full, cat, liveTensors, type Tensor } from '../engine/index.js';
import { DEFAULT_ANALYSIS } from '../audio/config.js';
import { MelFrontEnd } from '../audio/mel.js';
import { toTiles } from '../audio/tiles.js';
import { readAudio } from '../audio/decode.js';
import { repoRoot } from '../testing/helpers.js';
import { throughOutputPath, outputPathPhase, OutputPathPool } from './output-path.js';

const frontEnd = new MelFrontEnd(DEFAULT_ANALYSIS);
const phrase = await readAudio(join(repoRoot, 'test', 'fixtures', 'audio', 'phrase-violin.flac'), { sampleRate: 16000 });

test('a phrase through the output path comes back close but changed; silence stays silent', () => {
  tidy(() => {
    const tiles = cat([toTiles(frontEnd.logMel(tensor(phrase)), DEFAULT_ANALYSIS).slice(0, 0, 2), full([1, 1, 128, 128], -1)], 0);
    const back = throughOutputPath(frontEnd, tiles);
    assert.deepEqual(back.shape, tiles.shape);
    const sounding = tiles.slice(0, 0, 2).gt(-0.6);
    const change = back.slice(0, 0, 2).sub(tiles.slice(0, 0, 2)).abs().mul(sounding.float()).sum().div(sounding.float().sum()).item();
    assert.ok(change > 0.005 && change < 0.1, `mean change on sounding bins ${change} (1 unit = 50 dB)`);
    assert.ok(back.select(0, 2).amax().item() < -0.9, 'the silent tile stays silent');
  });
});

test("the output path can start from the phase of tiles taken through it, as mst transfer starts from its input's", () => {
  tidy(() => {
    const tiles = toTiles(frontEnd.logMel(tensor(phrase)), DEFAULT_ANALYSIS).slice(0, 0, 2);
    const phase = outputPathPhase(frontEnd, tiles);
    assert.deepEqual(phase.shape, [DEFAULT_ANALYSIS.nFft / 2 + 1, 2 * (128 + 8)], 'one column per frame of the joined clip, gaps included');
    const change = (back: Tensor) => back.sub(tiles).abs().mean().item();
    const [fromRandom, fromPhase] = [change(throughOutputPath(frontEnd, tiles)), change(throughOutputPath(frontEnd, tiles, 32, phase))];
    assert.ok(fromPhase < fromRandom, `from the tiles' own phase the change is ${fromPhase}, from random ${fromRandom}`);
  });
});

test('the pool keeps labels with tiles and its capacity, beyond the scope that filled it', () => {
  const pool = new OutputPathPool(frontEnd, { capacity: 3, refill: 2, refillEvery: 1, draw: 2 });
  const loud = tidy(() => toTiles(frontEnd.logMel(tensor(phrase)), DEFAULT_ANALYSIS).slice(0, 0, 1));
  assert.equal(pool.sample(2, Math.random), null, 'empty');
  tidy(() => pool.add(cat([full([1, 1, 128, 128], -1), loud], 0), [0, 1]));
  tidy(() => pool.add(cat([loud, full([1, 1, 128, 128], -1)], 0), [1, 0]));
  assert.equal(pool.size, 3, 'the oldest left');
  let draws = 0;
  const sequence = [0, 0.4, 0.8, 0.1, 0.5, 0.9];
  for (let i = 0; i < 3; i++) {
    const drawn = pool.sample(2, () => sequence[draws++ % sequence.length]!)!;
    drawn.labels.forEach((label, k) => {
      const peak = drawn.tiles.select(0, k).amax().item();
      assert.ok(label === 1 ? peak > -0.5 : peak < -0.9, `label ${label} with a tile peaking at ${peak}`);
    });
    drawn.tiles.dispose();
  }
  const before = liveTensors();
  pool.dispose();
  assert.equal(pool.size, 0);
  assert.equal(before - liveTensors(), 3, 'its tiles are freed');
  loud.dispose();
});
