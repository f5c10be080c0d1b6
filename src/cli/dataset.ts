/**
 * `mst dataset build`, `mst dataset subset` and `mst dataset stats`: the paired training set.
 */
import { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Split } from '../data/build.js';
import { DATASET_CONFIGS, checkDatasetConfig, judgeCorpusConfig, type DatasetConfig } from '../data/config.js';
import { JUDGE_SETS, type SoundSetName } from '../data/fonts.js';
import { writeFileAtomic } from '../engine/files.js';
import { progressTowards, type Counter } from './progress.js';
import { positiveInteger } from './options.js';
import { applyOverrides } from './overrides.js';

/** A named config, or a JSON file of overrides on top of `full`; then --key=value overrides. */
export function resolveDatasetConfig(spec: string, overrides: string[]): { name: string; config: DatasetConfig } {
  let name = spec;
  let config: DatasetConfig;
  if (spec === 'small' || spec === 'full' || spec === 'unseen') config = structuredClone(DATASET_CONFIGS[spec]);
  else if (spec.startsWith('judge-') && (JUDGE_SETS as string[]).includes(spec.slice('judge-'.length))) config = judgeCorpusConfig(spec.slice('judge-'.length) as SoundSetName);
  else if (existsSync(spec)) {
    let settings: Partial<DatasetConfig>;
    try {
      settings = JSON.parse(readFileSync(spec, 'utf8')) as Partial<DatasetConfig>;
    } catch (error) {
      throw new RangeError(`--config ${spec}: not a JSON file of settings (${(error as Error).message}); give small, full, unseen, judge-<set> or a JSON object of settings`);
    }
    if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) throw new RangeError(`--config ${spec}: Expected a JSON object of settings, e.g. {"maxFilesPerSource": 2}`);
    config = { ...structuredClone(DATASET_CONFIGS.full), ...settings };
    name = spec.replace(/^.*\//, '').replace(/\.json$/, '');
  } else throw new RangeError(`--config: Expected small, full, unseen, ${JUDGE_SETS.map((set) => `judge-${set}`).join(', ')} or a JSON file but received ${spec}`);
  return { name, config: checkDatasetConfig(applyOverrides(config, overrides, 'dataset')) };
}

const SPLITS: readonly Split[] = ['train', 'validation', 'test'];

/** `--splits validation,test` → the splits, each one of SPLITS. */
function splitList(value: string): Split[] {
  const splits = value.split(',');
  const bad = splits.find((s) => !(SPLITS as string[]).includes(s));
  if (bad !== undefined) throw new RangeError(`--splits: Expected ${SPLITS.join(', ')} (comma-separated) but received ${bad}`);
  return splits as Split[];
}

export function datasetCommand(): Command {
  const dataset = new Command('dataset').description('build and inspect the paired dataset');
  dataset
    .command('build')
    .description('render every piece by every instrument into aligned tiles (resumes after an interruption)')
    .option('--config <name|file>', `small (seconds, for tests), full, unseen (an oboe and a horn, for zero-shot references; --splits test), ${JUDGE_SETS.map((set) => `judge-${set}`).join(', ')} (the instrument judge's renders in another sound set), or a JSON file of settings`, 'full')
    .option('--out <dir>', 'output folder (default data/<config>)')
    .option('--splits <names>', 'build only these splits now, comma-separated (e.g. validation,test first); the same command without it builds the rest', splitList)
    .allowUnknownOption()
    .argument('[overrides...]', 'settings as --key=value, e.g. --transpositions=[0,2]')
    .action(async (overrides: string[], options: { config: string; out?: string; splits?: Split[] }, command: Command) => {
      const extra = command.args.filter((a) => a.startsWith('--'));
      const { name, config } = resolveDatasetConfig(options.config, extra);
      const out = options.out ?? join('data', name);
      console.error(`building dataset '${name}' into ${out}`);
      console.error(JSON.stringify(config));
      let bar = null as Counter | null; // started by the first piece, when the total is known
      const [{ buildDataset }, { datasetStats }] = await Promise.all([import('../data/build.js'), import('../data/stats.js')]); // the engine loads here, not for mst --help
      const manifest = await buildDataset(out, config, {
        ...(options.splits ? { splits: options.splits } : {}),
        log: (message) => (bar ? bar.note(message) : console.error(message)),
        onPiece: (done, total, piece) => (bar ??= progressTowards('dataset', 'pieces', total)).update(done, piece),
      });
      bar?.stop();
      const stats = datasetStats(manifest);
      console.log(`done: ${stats.groups.train} training, ${stats.groups.validation} validation and ${stats.groups.test} test tile groups (${(stats.seconds / 3600).toFixed(2)} h of music) for ${stats.instruments.length} instruments`);
    });
  dataset
    .command('subset')
    .description("a dataset of another's first training pieces, as its build writes them, and its whole validation and test splits: for ablations that read the same tiles whenever they start, even while the build goes on (it names the other's shards, copying none)")
    .requiredOption('--out <dir>', 'the subset\'s folder (a new one)')
    .requiredOption('--training-pieces <n>', 'training pieces to keep', positiveInteger)
    .option('--from <dir>', 'the dataset (built, or being built)', join('data', 'full'))
    .action(async (options: { out: string; trainingPieces: number; from: string }) => {
      const [{ writeSubset }, { datasetStats }] = await Promise.all([import('../data/subset.js'), import('../data/stats.js')]);
      const manifest = writeSubset(options.from, options.out, { trainingPieces: options.trainingPieces, log: (message) => console.error(message) });
      const stats = datasetStats(manifest);
      console.log(`${options.out}: the first ${options.trainingPieces} training pieces of ${options.from} (${stats.groups.train} tile groups), and its ${stats.groups.validation} validation and ${stats.groups.test} test tile groups`);
    });
  dataset
    .command('join')
    .description("a dataset of another's every split and the training pieces of more datasets built with the same instruments, fonts and analysis (generated phrases of another --seed, your own MIDI files): more to train on, the same evaluation (it names their shards, copying none)")
    .requiredOption('--out <dir>', "the joined dataset's folder (a new one)")
    .requiredOption('--add <dirs>', 'datasets whose training splits it adds, comma-separated', (value: string) => value.split(',').filter((dir) => dir !== ''))
    .option('--from <dir>', 'the dataset whose every split it keeps', join('data', 'full'))
    .action(async (options: { out: string; add: string[]; from: string }) => {
      const [{ writeJoin }, { datasetStats }, { readManifest }] = await Promise.all([import('../data/join.js'), import('../data/stats.js'), import('../data/loader.js')]);
      const stats = datasetStats(writeJoin(options.from, options.add, options.out));
      const before = datasetStats(readManifest(options.from)).groups.train;
      console.log(`${options.out}: ${options.from}'s ${before} training tile groups and ${stats.groups.train - before} from ${options.add.join(', ')}, and its ${stats.groups.validation} validation and ${stats.groups.test} test tile groups`);
    });
  dataset
    .command('stats')
    .description('counts per split, source and instrument, and a PNG grid of sample pairs')
    .option('--dir <dir>', 'the dataset folder', join('data', 'full'))
    .option('--json', 'print the figures as one JSON object')
    .option('--png <file>', 'where to draw sample groups (default <dir>/samples.png)')
    .action(async (options: { dir: string; json?: boolean; png?: string }) => {
      if (!existsSync(join(options.dir, 'manifest.json'))) throw new Error(`${options.dir}: no manifest.json; build the dataset first (mst dataset build)`);
      const [{ readManifest }, { datasetStats, sampleGrid }] = await Promise.all([import('../data/loader.js'), import('../data/stats.js')]);
      const manifest = readManifest(options.dir);
      const stats = datasetStats(manifest);
      const png = options.png ?? join(options.dir, 'samples.png');
      writeFileAtomic(png, [sampleGrid(options.dir, manifest)]);
      if (options.json) {
        console.log(JSON.stringify({ ...stats, png }));
        return;
      }
      console.log(`instruments: ${stats.instruments.join(', ')}; SoundFonts: ${stats.fonts.join(' (training), ')} (held out)`);
      console.log(`tile groups: train ${stats.groups.train}, validation ${stats.groups.validation}, test ${stats.groups.test} (each one tile per instrument and font)`);
      console.log(`pieces: train ${stats.pieces.train}, validation ${stats.pieces.validation}, test ${stats.pieces.test}; ${(stats.seconds / 3600).toFixed(2)} h of music`);
      for (const [source, { groups, licence }] of Object.entries(stats.bySource)) console.log(`  ${source}: ${groups} groups (${licence})`);
      console.log(`textures: ${Object.entries(stats.byTexture).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      console.log(`sample groups drawn to ${png}`);
    });
  return dataset;
}
