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
  try {
    await program.parseAsync(argv);
  } catch (error) {
    console.error(`mst: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
