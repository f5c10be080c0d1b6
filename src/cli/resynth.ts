/**
 * `mst resynth <audio> -o out.wav`: audio → tiles → audio through exactly the path the model's
 * output takes (log-mel tiles, crossfaded joins, mel → linear, Griffin-Lim), printing how close
 * the round trip comes: spectral convergence and log-spectral distance.
 */
import { Command, Option } from 'commander';
import { VOCODER_PHASES, type VocoderPhase } from '../audio/vocoder-phase.js';
import { progressBar } from './progress.js';
import { numberIn } from './options.js';

export function resynthCommand(): Command {
  return new Command('resynth')
    .description('round-trip an audio file through the tiles the model sees and back to sound')
    .argument('<audio>', 'audio file (WAV, FLAC, MP3, Ogg Vorbis, Opus, M4A)')
    .requiredOption('-o, --output <wav>', 'where to write the resynthesised WAV (16 kHz)')
    .option('--iterations <n>', 'Griffin-Lim iterations', numberIn(0, 1000, true), 32)
    .addOption(new Option('--phase <start>', "Griffin-Lim's starting phase (input: the input's own, a round trip that knows the answer)").choices([...VOCODER_PHASES]).default('random'))
    .option('--float', 'write 32-bit float samples instead of 16-bit PCM')
    .option('--json', 'print the figures as one JSON object')
    .action(async (audio: string, options: { output: string; iterations: number; phase: VocoderPhase; float?: boolean; json?: boolean }) => {
      const [{ processFile }, { compareAudio }, { probeAudio }] = await Promise.all([import('../audio/pipeline.js'), import('../audio/compare.js'), import('../audio/decode.js')]);
      probeAudio(audio);
      const bar = options.json ? null : progressBar('resynth', 's');
      const result = await processFile(audio, options.output, {
        iterations: options.iterations,
        phase: options.phase,
        format: options.float ? 'float32' : 'pcm16',
        onProgress: (seconds) => bar?.update(seconds),
        onWarning: (message) => console.error(`mst: warning: ${message}`),
      });
      bar?.stop();
      const distance = await compareAudio(audio, options.output);
      const figures = {
        input: audio,
        output: options.output,
        seconds: Number(result.inputSeconds.toFixed(3)),
        tiles: result.tiles,
        wallSeconds: Number(result.wallSeconds.toFixed(3)),
        realTimeFactor: Number((result.inputSeconds / result.wallSeconds).toFixed(1)),
        spectralConvergence: Number(distance.spectralConvergence.toFixed(4)),
        logSpectralDistanceDb: Number(distance.logSpectralDistanceDb.toFixed(3)),
      };
      if (options.json) console.log(JSON.stringify(figures));
      else {
        console.log(`wrote ${figures.output}: ${figures.seconds} s in ${figures.tiles} tiles, ${figures.realTimeFactor}× real time`);
        const convergence = Number.isNaN(figures.spectralConvergence) ? 'n/a (the input is silent)' : figures.spectralConvergence;
        console.log(`spectral convergence ${convergence}, log-spectral distance ${figures.logSpectralDistanceDb} dB`);
      }
    });
}
