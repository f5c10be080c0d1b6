/**
 * The `mst` command line: one file per command, assembled here.
 */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { doctorCommand } from './doctor.js';
import { spectrogramCommand } from './spectrogram.js';
import { resynthCommand } from './resynth.js';
import { datasetCommand } from './dataset.js';
import { evalCommand } from './eval.js';
import { trainCommand } from './train.js';
import { transferCommand, stylesCommand } from './transfer.js';
import { streamCommand } from './stream.js';
import { studioCommand } from './studio.js';
import { abortOpenWavWriters } from '../audio/wav.js';
import { abortRenders } from '../data/synth.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string; description: string };

export async function run(argv: string[]): Promise<void> {
  const program = new Command('mst')
    .description(pkg.description)
    .version(pkg.version)
    .showHelpAfterError('(run mst --help for usage)');
  program.addCommand(doctorCommand());
  program.addCommand(spectrogramCommand());
  program.addCommand(resynthCommand());
  program.addCommand(datasetCommand());
  program.addCommand(evalCommand());
  program.addCommand(trainCommand());
  program.addCommand(transferCommand());
  program.addCommand(stylesCommand());
  program.addCommand(streamCommand());
  program.addCommand(studioCommand());
  // the engine's process settings, from the environment, for every command that runs (styles needs no engine)
  program.hook('preAction', async (_program, command) => {
    if (command.name() !== 'styles') (await import('../engine/configure.js')).configureIfUnset();
  });
  // an interrupted command leaves no half-written output behind
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      abortOpenWavWriters();
      abortRenders();
      console.error(`mst: interrupted (${signal}); no partial output was kept`);
      process.exit(code);
    });
  }
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if ((error as Error).name === 'InterruptedError') {
      // a computation stopped by the signal; its outputs were removed as it unwound
      abortOpenWavWriters();
      console.error(`mst: ${(error as Error).message}; no partial output was kept`);
      process.exit((error as { code: number }).code);
    }
    console.error(`mst: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
