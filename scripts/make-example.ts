/**
 * Renders the bundled example, examples/piano.wav: the opening of "Reunion" (Marc Sabatella,
 * CC-BY-3.0, a MuseScore demo in Debian's musescore3) played by FluidR3_GM's piano at the
 * dataset's loudness. The piece is in the test split, so the model never trained on it.
 * Run: npm run example (needs scripts/setup.sh's packages).
 */
import { join } from 'node:path';
import { findPiece, renderClip } from '../src/data/clips.js';
import { writeWav } from '../src/audio/wav.js';
import { DEFAULT_ANALYSIS } from '../src/audio/config.js';
import { repoRoot } from '../src/testing/helpers.js';

const out = join(repoRoot, 'examples', 'piano.wav');
const samples = await renderClip(findPiece('musescore/Reunion'), 'piano', { seconds: 6 });
writeWav(out, samples, DEFAULT_ANALYSIS.sampleRate);
console.log(`wrote ${out} (${samples.length / DEFAULT_ANALYSIS.sampleRate} s)`);
