/**
 * The command line as a user runs it: exit codes, outputs on disk, messages for bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync, readdirSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, temporaryDirectory } from '../testing/helpers.js';
import { untrainedModelFolder } from '../testing/model-folder.js';
import { evaluationSystems } from './eval-actions.js';
import { tidy, rand } from '../engine/index.js';
import { writeWav } from '../audio/wav.js';
import { resolveModelPath } from '../transfer/model-folder.js';

const dir = temporaryDirectory('mst-cli-');
const fixtures = join(repoRoot, 'test', 'fixtures', 'audio');

function mst(...args: string[]) {
  return mstWithInput(undefined, ...args);
}

function mstWithInput(input: Buffer | undefined, ...args: string[]) {
  return mstWithEnvironment({}, input, ...args);
}

function mstWithEnvironment(environment: Record<string, string>, input: Buffer | undefined, ...args: string[]) {
  const result = spawnSync(process.execPath, [join(repoRoot, 'bin', 'mst.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...environment }, ...(input ? { input } : {}) });
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

test('help, the list of presets and argument errors answer without loading the engine; its settings are checked by name', () => {
  const noEngine = { MST_NATIVE: join(dir, 'no-engine.node') }; // loading the engine would fail
  for (const args of [['--help'], ['eval', '--help'], ['transfer', '--help'], ['styles'], ['--version']]) {
    const { code, stdout, stderr } = mstWithEnvironment(noEngine, undefined, ...args);
    assert.equal(code, 0, `${args.join(' ')}: ${stderr}`);
    assert.ok(stdout.length > 0);
  }
  const missing = mstWithEnvironment(noEngine, undefined, 'transfer', 'in.wav');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /required option '-o, --output <path>' not specified/);
  const engine = mstWithEnvironment(noEngine, undefined, 'doctor');
  assert.equal(engine.code, 1);
  assert.match(engine.stderr, /^mst: MST_NATIVE=.*no-engine\.node: no such file; point it at a built mst\.node, or unset it/);
  const threads = mstWithEnvironment({ MST_NUM_THREADS: '-3' }, undefined, 'doctor');
  assert.equal(threads.code, 1);
  assert.match(threads.stderr, /^mst: MST_NUM_THREADS=-3: Expected a positive integer/);
});

test('mst spectrogram writes a PNG', () => {
  const out = join(dir, 'phrase.png');
  const { code, stdout } = mst('spectrogram', join(fixtures, 'phrase-violin.flac'), '-o', out);
  assert.equal(code, 0, stdout);
  assert.match(stdout, /4\.5\d s of audio/);
  assert.deepEqual([...readFileSync(out).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const misnamed = mst('spectrogram', join(fixtures, 'phrase-violin.flac'), '-o', join(dir, 'phrase.wav'));
  assert.equal(misnamed.code, 1);
  assert.match(misnamed.stderr, /phrase\.wav: mst writes PNG here, not wav; name the output phrase\.png/);
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
  const emptyFolder = join(dir, 'empty');
  mkdirSync(emptyFolder, { recursive: true });
  const notJson = join(dir, 'not-json.json');
  writeFileSync(notJson, 'maxFilesPerSource: 2');
  const cases: [string[], RegExp][] = [
    [['resynth', join(dir, 'missing.wav'), '-o', join(dir, 'x.wav')], /missing\.wav: no such file; check the path/],
    [['resynth', join(repoRoot, 'package.json'), '-o', join(dir, 'y.wav')], /package\.json: this is not audio mst can read/],
    [['resynth', join(fixtures, 'tone.flac'), '-o', join(fixtures, 'tone.flac')], /is also an input; mst never overwrites its inputs/],
    [['resynth', join(fixtures, 'tone.flac'), '-o', join(dir, 'z.wav'), '--iterations', '-3'], /option '--iterations <n>' argument '-3' is invalid\. Expected an integer in \[0, 1000\] but received -3/],
    [['spectrogram', join(fixtures, 'tone.flac'), '-o', dir], /is a directory; give a file name/],
    [['styles', '--model', emptyFolder], /empty: not a model folder \(a folder with model\.safetensors\); give one like models\/default/],
    [['dataset', 'build', '--config', notJson, '--out', join(dir, 'never')], /--config .*not-json\.json: not a JSON file of settings \(.*\); give small, full, unseen, judge-<set> or a JSON object/],
  ];
  for (const [args, message] of cases) {
    const { code, stderr } = mst(...args);
    assert.equal(code, 1, args.join(' '));
    assert.match(stderr, message);
  }
  assert.equal(existsSync(join(dir, 'x.wav')) || existsSync(join(dir, 'y.wav')) || existsSync(join(dir, 'z.wav')) || existsSync(join(dir, 'never')), false);
});

test('mst resynth of silence says its spectral convergence does not apply, rather than a huge number', () => {
  const silence = join(dir, 'silence.wav');
  writeWav(silence, new Float32Array(16000 * 3), 16000);
  const { code, stdout } = mst('resynth', silence, '-o', join(dir, 'silence-out.wav'));
  assert.equal(code, 0);
  assert.match(stdout, /spectral convergence n\/a \(the input is silent\), log-spectral distance [0-9.]+ dB/);
});

const model = untrainedModelFolder(dir);

test('mst styles lists the presets of a model', () => {
  const { code, stdout } = mst('styles', '--model', model, '--json');
  assert.equal(code, 0);
  assert.deepEqual((JSON.parse(stdout) as { name: string }[]).map((p) => p.name), ['violin', 'piano']);
  assert.match(mst('styles', '--model', model).stdout, /^violin {2}violin phrase \(test fixture\)$/m);
});

test('a shipped model answers to its name: --model seed is models/seed, unless a path of that name exists', () => {
  const { code, stdout, stderr } = mst('styles', '--model', 'seed', '--json');
  assert.equal(code, 0, stderr);
  const presets = JSON.parse(stdout) as { name: string; file: string }[];
  assert.ok(presets.length >= 11 && presets.every((p) => p.file.startsWith(join(repoRoot, 'models', 'seed', 'styles'))), 'the seed model folder\'s presets');
  assert.equal(resolveModelPath('seed'), join(repoRoot, 'models', 'seed'));
  assert.equal(resolveModelPath('no-such-model'), 'no-such-model', 'an unknown name stays as typed, for the error to name it');
  assert.equal(resolveModelPath(model), model, 'a path is itself');
  assert.match(mst('styles', '--model', 'no-such-model').stderr, /no-such-model: not a model folder/);
});

test('mst transfer does one file, or a folder into a folder with the model loaded once', () => {
  const out = join(dir, 'one.wav');
  const single = mst('transfer', join(fixtures, 'phrase-piano.flac'), '-s', 'violin', '-m', model, '-o', out, '--steps', '2', '--spectrogram', '--json');
  assert.equal(single.code, 0, single.stderr);
  const figures = JSON.parse(single.stdout) as { seconds: number; tiles: number; style: string; spectrogram: string };
  assert.deepEqual([figures.seconds, figures.tiles, figures.style, figures.spectrogram], [4.5, 3, 'violin', join(dir, 'one.png')]);
  assert.equal(readFileSync(out).subarray(8, 12).toString('ascii'), 'WAVE');
  const inputs = join(dir, 'inputs');
  mkdirSync(inputs);
  for (const f of ['phrase-piano.flac', 'tone.flac']) copyFileSync(join(fixtures, f), join(inputs, f));
  const batch = mst('transfer', inputs, '-s', join(fixtures, 'phrase-violin.flac'), '-m', model, '-o', join(dir, 'outputs'), '--steps', '2', '--json');
  assert.equal(batch.code, 0, batch.stderr);
  assert.equal(batch.stdout.trim().split('\n').length, 2);
  assert.deepEqual(readdirSync(join(dir, 'outputs')).sort(), ['phrase-piano.wav', 'tone.wav']);
  // one bad file in a batch is reported and the others are still written
  writeFileSync(join(inputs, 'broken.wav'), 'not audio at all');
  const partly = mst('transfer', inputs, '-s', 'violin', '-m', model, '-o', join(dir, 'outputs2'), '--steps', '2', '--json');
  assert.equal(partly.code, 1);
  assert.match(partly.stderr, /broken\.wav: this is not audio mst can read[\s\S]*1 of 3 inputs failed/);
  assert.deepEqual(readdirSync(join(dir, 'outputs2')).sort(), ['phrase-piano.wav', 'tone.wav']);
});

test('mst transfer refuses what it cannot do, naming the way out', () => {
  const cases: [string[], RegExp][] = [
    [['transfer', join(fixtures, 'tone.flac'), '-s', 'kazoo', '-m', model, '-o', join(dir, 'a.wav')], /no style preset or file named "kazoo"; presets: violin, piano/],
    [['transfer', join(fixtures, 'tone.flac'), '-s', 'violin', '-m', model, '-o', dir], /is a directory; give a file name/],
    [['transfer', join(fixtures, 'tone.flac'), '-s', 'violin', '-m', model, '-o', join(fixtures, 'tone.flac')], /is also an input/],
    [['transfer', join(fixtures, 'tone.flac'), '-s', 'violin', '-m', model, '-o', join(dir, 'b.wav'), '--strength', '1.5'], /--strength.*Expected a number in \[0.001, 1\] but received 1.5/],
    [['transfer', join(fixtures, 'tone.flac'), '-s', 'violin', '-m', join(dir, 'nowhere'), '-o', join(dir, 'c.wav')], /nowhere: no such model/],
    [['transfer', join(fixtures, 'tone.flac'), '-s', 'violin', '-m', model, '-o', join(dir, 'd.wav'), '--device', 'tpu'], /--device.*Allowed choices are cpu, cuda/],
    [['transfer', join(fixtures, 'tone.flac'), '-s', 'violin', '-m', model, '-o', join(dir, 'd.wav'), '--phase', 'zero'], /--phase.*Allowed choices are input, random/],
    [['transfer', join(fixtures, 'tone.flac'), join(fixtures, 'tone.ogg'), '-s', 'violin', '-m', model, '-o', join(dir, 'e')], /tone\.wav: two inputs would both be written here/],
  ];
  for (const [args, message] of cases) {
    const { code, stderr } = mst(...args);
    assert.equal(code, 1, args.join(' '));
    assert.match(stderr, message);
  }
  assert.deepEqual(readdirSync(dir).filter((f) => /^[a-e](\.wav)?$|\.tmp$/.test(f)), []);
});

test('mst eval scores a trained model at its own strength, or once per --strength (or --refiner-guidance) value', () => {
  const own = evaluationSystems(`${model},identity`);
  assert.deepEqual(own.systems.map((s) => s.name), ['model', 'identity']);
  assert.equal(own.models.get('model')!.sampling.strength, 0.7, "the seed config's default");
  const swept = evaluationSystems(model, { strength: [0.3, 0.5], steps: 4 });
  assert.deepEqual(swept.systems.map((s) => s.name), ['model@0.3', 'model@0.5']);
  assert.deepEqual([...swept.models.values()].map((m) => [m.sampling.strength, m.sampling.steps]), [[0.3, 4], [0.5, 4]]);
  const unrefined = evaluationSystems(`${model},${join(repoRoot, 'models', 'default')}`, { refine: false });
  assert.deepEqual(unrefined.systems.map((s) => s.name), ['model', 'default@unrefined'], 'only a model with a refiner is scored without it');
  assert.deepEqual([...unrefined.models.values()].map((m) => m.sampling.refine), [undefined, false]);
  for (const m of unrefined.models.values()) m.model.dispose();
  const refinerGuided = evaluationSystems(`${model},${join(repoRoot, 'models', 'default')}`, { refinerGuidance: [1, 2] });
  assert.deepEqual(refinerGuided.systems.map((s) => s.name), ['model', 'default@rg1', 'default@rg2'], 'only a refiner that reads the reference is guided');
  assert.deepEqual([...refinerGuided.models.values()].map((m) => m.sampling.refinerGuidance), [1, 1, 2]);
  for (const m of refinerGuided.models.values()) m.model.dispose();
  const ceiling = evaluationSystems(model, { autoencoded: true });
  assert.deepEqual(ceiling.systems.map((s) => s.name), ['model@autoencoded', 'model']);
  const trained = ceiling.models.get('model')!.model;
  tidy(() => {
    const target = rand([2, 1, 128, 128]).mul(2).sub(1);
    const batch = { content: target.neg(), style: target, target, targetInstrument: ['piano', 'guitar'] };
    const output = ceiling.systems[0]!.transfer(batch); // leaves the model in eval mode
    assert.equal(output.sub(trained.decodeLatent(trained.encodeLatent(target)).clamp(-1, 1)).abs().amax().item(), 0, 'the true target, encoded and decoded');
  });
  trained.dispose();
  assert.throws(() => evaluationSystems('identity,nonsense'), (e: Error) => e instanceof RangeError && /Expected one of identity, oracle, envelope or a model .safetensors file or folder but received nonsense/.test(e.message));
  for (const m of [...own.models.values(), ...swept.models.values()]) m.model.dispose();
  const lonely = mst('eval', 'reconstruction', '--model', join(dir, 'untrained.safetensors'));
  assert.equal(lonely.code, 1);
  assert.match(lonely.stderr, /no loss network beside .*untrained\.safetensors: expected .*features\.safetensors \(mst train features\)/);
  const badSplit = mst('eval', 'reconstruction', '--split', 'train');
  assert.equal(badSplit.code, 1);
  assert.match(badSplit.stderr, /--split: Expected validation or test but received train/);
  const badPhase = mst('eval', 'run', '--phase', 'zero');
  assert.equal(badPhase.code, 1);
  assert.match(badPhase.stderr, /option '--phase <start>' argument 'zero' is invalid\. Allowed choices are input, random/);
  const badIterations = mst('eval', 'run', '--iterations', '0');
  assert.equal(badIterations.code, 1);
  assert.match(badIterations.stderr, /option '--iterations <n>' argument '0' is invalid\. Expected an integer in \[1, 1000\] but received 0/);
});

test('mst stream turns raw PCM on stdin into as much PCM on stdout', () => {
  const samples = 3 * 16000 + 123;
  const input = Buffer.alloc(2 * samples);
  for (let i = 0; i < samples; i++) input.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 16000)), 2 * i);
  const { code, stderr } = mstWithInput(input, 'stream', '-s', 'piano', '-m', model, '--steps', '2', '--verbose');
  assert.equal(code, 0, stderr);
  assert.match(stderr, /each sample waits at most 2\.\d+ s/);
  const raw = spawnSync(process.execPath, [join(repoRoot, 'bin', 'mst.js'), 'stream', '-s', 'piano', '-m', model, '--steps', '2', '--rate', '44100', '--format', 'f32le', '--phase', 'random'], { input: Buffer.alloc(4 * 44100) });
  assert.equal(raw.status, 0, raw.stderr.toString());
  assert.equal(raw.stdout.length, 4 * 44100);
  const s16 = spawnSync(process.execPath, [join(repoRoot, 'bin', 'mst.js'), 'stream', '-s', 'piano', '-m', model, '--steps', '2'], { input });
  assert.equal(s16.stdout.length, input.length);
});

test('mst stream stops by itself when its reader goes away, though its input never ends', async () => {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'mst.js'), 'stream', '-s', 'piano', '-m', model, '--steps', '2'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.on('error', () => {}); // it may stop reading at any moment
  const second = Buffer.alloc(2 * 16000);
  for (let i = 0; i < 16000; i++) second.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 16000)), 2 * i);
  const feeding = setInterval(() => child.stdin.writable && child.stdin.write(second), 100); // endless input
  child.stdout.once('data', () => child.stdout.destroy()); // the reader takes a little and leaves
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(feeding);
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|Error/);
});

test('a dataset build stopped by SIGTERM leaves a manifest of every shard it wrote, for runs that start before it ends', async () => {
  const out = join(dir, 'stopped-build');
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'mst.js'), 'dataset', 'build', '--config', 'small', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const shardsOnDisk = () => ['train', 'validation', 'test'].flatMap((split) => (existsSync(join(out, 'shards', split)) ? readdirSync(join(out, 'shards', split)).filter((f) => f.endsWith('.safetensors')).map((f) => `shards/${split}/${f}`) : [])).sort();
  // two shards written, long before the build's first periodic manifest (every 2 minutes)
  for (let waited = 0; shardsOnDisk().length < 2 && waited < 120000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 143, stderr);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { complete: boolean; shards: { file: string }[] };
  assert.equal(manifest.complete, false);
  assert.ok(shardsOnDisk().length >= 2);
  assert.deepEqual(manifest.shards.map((s) => s.file).sort(), shardsOnDisk());
});

test('an interrupted transfer leaves no file behind, by Ctrl-C or SIGTERM', async () => {
  const long = join(dir, 'long.wav');
  writeWav(long, Float32Array.from({ length: 16000 * 240 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 330 * i) / 16000)), 16000);
  for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    const out = join(dir, 'interrupted.wav');
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'mst.js'), 'transfer', long, '-s', 'violin', '-m', model, '-o', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // wait until the output is being written, then interrupt
    for (let waited = 0; !readdirSync(dir).some((f) => f.startsWith('.interrupted.wav.')) && waited < 60000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    child.kill(signal);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, status, stderr);
    assert.match(stderr, new RegExp(`interrupted \\(${signal}\\); no partial output was kept`));
    assert.equal(existsSync(out), false);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('interrupted.wav')), []);
  }
});
