/**
 * Packs a trained model into models/default (or the folder given): fp16 weights, the analysis
 * configuration, and a style preset for every instrument the dataset has: four seconds of the
 * melody of Freedoom's "D_INTRO" (BSD-3-Clause, a test-split piece) played by that instrument
 * with FluidR3_GM, moved by octaves into its range. The model card (README.md there) is written
 * by hand from the training run and mst eval.
 * Run: npm run build && node dist/scripts/pack-default-model.js [runs/paired/model.safetensors] [models/default] [--steps=n] [--strength=s] [--guidance=g] [--guidanceFrom=nothing|content]
 * (models/seed was packed the same way from runs/wide/model.safetensors with --strength=0.1)
 * (--steps, --strength, --guidance, --guidanceFrom: the default DDIM steps, sampling strength,
 * style guidance and what it steers away from, to store when they were chosen after training).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPiece, renderClip } from '../src/data/clips.js';
import { INSTRUMENTS } from '../src/data/instruments.js';
import { DATASET_CONFIGS } from '../src/data/config.js';
import { writeWav } from '../src/audio/wav.js';
import { packModel } from '../src/transfer/pack.js';
import type { GuidanceFrom } from '../src/model/guidance-from.js';
import { repoRoot } from '../src/testing/helpers.js';

const PRESET_PIECE = 'freedoom/freedoom1-D_INTRO#melody';
const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const [weights = join(repoRoot, 'runs', 'paired', 'model.safetensors'), out = join(repoRoot, 'models', 'default')] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flag = (name: string) => flags.find((f) => f.startsWith(`--${name}=`))?.slice(`--${name}=`.length);
const sampling = {
  ...Object.fromEntries((['steps', 'strength', 'guidance'] as const).flatMap((name) => (flag(name) === undefined ? [] : [[name, Number(flag(name))]]))),
  ...(flag('guidanceFrom') === undefined ? {} : { guidanceFrom: flag('guidanceFrom') as GuidanceFrom }), // checked by packModel
};
const unknown = flags.filter((f) => !/^--(steps|strength|guidance|guidanceFrom)=/.test(f));
if (unknown.length > 0) throw new RangeError(`pack-default-model: unknown option ${unknown[0]}; options: --steps=n, --strength=s, --guidance=g, --guidanceFrom=nothing|content`);
const dataset = DATASET_CONFIGS.full;
const piece = findPiece(PRESET_PIECE);
const scratch = mkdtempSync(join(tmpdir(), 'mst-presets-'));
try {
  const styles = [];
  for (const instrument of INSTRUMENTS.filter((i) => dataset.instruments.includes(i.name))) {
    const file = join(scratch, `${instrument.name}.wav`);
    writeWav(file, await renderClip(piece, instrument.name, { seconds: 4 }), dataset.analysis.sampleRate);
    styles.push({ name: instrument.name, file, description: `${instrument.name} (GM program ${instrument.program}, FluidR3_GM), 4 s of ${PRESET_PIECE}` });
  }
  packModel({ weights, out, analysis: dataset.analysis, styles, sampling });
  console.log(`packed ${weights} into ${out} with presets ${styles.map((s) => s.name).join(', ')}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
