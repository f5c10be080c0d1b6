/**
 * A corpus of what a careless or hostile user may hand mst — inputs, options, model folders,
 * outputs, signals, library calls — each with the error it must raise (class, code and message)
 * or the result it must give; and afterwards, every input, device and protected file exactly as it
 * was, and no temporary file left behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSafetensors, saveSafetensors, readSafetensorsHeader, zeros, tidy } from './engine/index.js';
import { OutputPathError } from './engine/files.js';
import { AudioError } from './audio/errors.js';
import { writeWav } from './audio/wav.js';
import { readAudio } from './audio/decode.js';
import { processFile } from './audio/pipeline.js';
import { TileProcessor, TileTransformError } from './audio/processor.js';
import { ModelLoadError } from './model/load-error.js';
import { loadModel, transfer, transferStream, resolveStyle, StyleError, type TransferOptions, type StyleTransferModel } from './transfer/index.js';
import { untrainedModelFolder, FIXTURE_AUDIO } from './testing/model-folder.js';
import { temporaryDirectory } from './testing/helpers.js';

const dir = temporaryDirectory('mst-hostile-');
const out = join(dir, 'out.wav');
const piano = join(FIXTURE_AUDIO, 'phrase-piano.flac');
const rate = 16000;

/** A WAV of `samples` written as 32-bit float (any value, even NaN). */
function floatWav(name: string, samples: Float32Array): string {
  const path = join(dir, name);
  writeWav(path, samples, rate, 'float32');
  return path;
}
const tone = (seconds: number, level = 0.3) => Float32Array.from({ length: Math.round(seconds * rate) }, (_, i) => level * Math.sin((2 * Math.PI * 440 * i) / rate));

// the inputs
const folderInput = join(dir, 'folder.wav');
mkdirSync(folderInput);
writeFileSync(join(dir, 'empty.mp3'), '');
writeFileSync(join(dir, 'notes.txt'), 'these are not samples');
writeFileSync(join(dir, 'cut.mp3'), readFileSync(join(FIXTURE_AUDIO, 'tone.mp3')).subarray(0, 300));
const nanWav = floatWav('nan.wav', Float32Array.from(tone(1), (x, i) => (i === 5000 ? NaN : x)));
const hugeWav = floatWav('huge.wav', tone(1, 1e20));
const tinyWav = floatWav('tiny.wav', tone(0.005));
const silentWav = floatWav('silent.wav', new Float32Array(3 * rate));
const blipWav = floatWav('blip.wav', tone(0.1));
const rate0 = join(dir, 'rate0.wav');
{
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + 3200, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(0, 24); // 0 Hz
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(3200, 40);
  writeFileSync(rate0, Buffer.concat([header, Buffer.alloc(3200)]));
}

// the outputs that must not be replaced
const readOnly = join(dir, 'read-only.wav');
writeFileSync(readOnly, 'keep me');
chmodSync(readOnly, 0o444);
const fifo = join(dir, 'pipe.wav');
execFileSync('mkfifo', [fifo]);
const dangling = join(dir, 'dangling.wav');
symlinkSync(join(dir, 'nowhere.wav'), dangling);
const linkTarget = join(dir, 'link-target.wav');
writeFileSync(linkTarget, 'old');
const link = join(dir, 'link.wav');
symlinkSync(linkTarget, link);

// the model folders
const good = untrainedModelFolder(mkdtempSync(join(dir, 'good-')));
const emptyFolder = join(dir, 'empty-model');
mkdirSync(emptyFolder);
const garbage = join(dir, 'garbage-model');
mkdirSync(garbage);
writeFileSync(join(garbage, 'model.safetensors'), 'not a checkpoint');
const badAnalysis = join(dir, 'bad-analysis');
mkdirSync(badAnalysis);
copyFileSync(join(good, 'model.safetensors'), join(badAnalysis, 'model.safetensors'));
writeFileSync(join(badAnalysis, 'analysis.json'), '{ sampleRate: 16000');
const missingPreset = join(dir, 'missing-preset');
mkdirSync(missingPreset);
copyFileSync(join(good, 'model.safetensors'), join(missingPreset, 'model.safetensors'));
writeFileSync(join(missingPreset, 'styles.json'), JSON.stringify([{ name: 'violin', file: 'styles/violin.wav', description: '' }]));
const nanModel = join(dir, 'nan-model');
mkdirSync(nanModel);
{
  // the same weights, every one NaN: a checkpoint damaged in a way no header check sees
  const path = join(good, 'model.safetensors');
  const { tensors } = loadSafetensors(path);
  const poisoned = new Map([...tensors].map(([name, t]) => [name, tidy(() => t.mul(NaN))]));
  saveSafetensors(join(nanModel, 'model.safetensors'), poisoned, readSafetensorsHeader(path).metadata);
  for (const t of [...tensors.values(), ...poisoned.values()]) t.dispose();
}

/** Every file the corpus must leave as it found it: its kind, mode, size and bytes. */
const protectedPaths = [piano, nanWav, hugeWav, silentWav, rate0, readOnly, fifo, dangling, '/dev/null', join(good, 'model.safetensors')];
function fingerprint(path: string): string {
  const stats = lstatSync(path);
  const kind = stats.isSymbolicLink() ? 'link' : stats.isFIFO() ? 'fifo' : stats.isCharacterDevice() ? 'char' : stats.isFile() ? 'file' : 'other';
  const bytes = kind === 'file' ? createHash('sha256').update(readFileSync(path)).digest('hex') : '';
  return `${kind} ${(stats.mode & 0o7777).toString(8)} ${kind === 'file' ? stats.size : ''} ${bytes}`;
}
const before = new Map(protectedPaths.map((p) => [p, fingerprint(p)]));

let model: StyleTransferModel;
const options = (extra: Record<string, unknown>) => ({ style: 'violin', steps: 2, ...extra }) as unknown as TransferOptions;

type Expectation = { error: new (...args: never[]) => Error; message: RegExp; code?: string } | { check: (result: unknown) => void };
interface Case {
  kind: 'input' | 'option' | 'model folder' | 'output' | 'signal' | 'API';
  name: string;
  run: () => unknown;
  expect: Expectation;
}

const fails = (error: new (...args: never[]) => Error, message: RegExp, code?: string): Expectation => ({ error, message, ...(code ? { code } : {}) });

const cases: Case[] = [
  // inputs
  { kind: 'input', name: 'a missing file', run: () => readAudio(join(dir, 'missing.wav'), { sampleRate: rate }), expect: fails(AudioError, /missing\.wav: no such file/, 'NOT_FOUND') },
  { kind: 'input', name: 'a folder', run: () => readAudio(folderInput, { sampleRate: rate }), expect: fails(AudioError, /is not a file/, 'NOT_A_FILE') },
  { kind: 'input', name: 'an empty file', run: () => readAudio(join(dir, 'empty.mp3'), { sampleRate: rate }), expect: fails(AudioError, /empty \(0 bytes\)/, 'EMPTY') },
  { kind: 'input', name: 'text', run: () => readAudio(join(dir, 'notes.txt'), { sampleRate: rate }), expect: fails(AudioError, /not supported; use WAV, FLAC, MP3, Ogg Vorbis, Opus or M4A/, 'UNSUPPORTED') },
  { kind: 'input', name: 'a cut MP3', run: () => readAudio(join(dir, 'cut.mp3'), { sampleRate: rate }), expect: fails(AudioError, /damaged or truncated/, 'CORRUPT') },
  { kind: 'input', name: 'a NaN sample', run: () => readAudio(nanWav, { sampleRate: rate }), expect: fails(AudioError, /sample 5000 \(0\.313 s\) is NaN/, 'NOT_FINITE') },
  { kind: 'input', name: 'samples of 1e20', run: () => readAudio(hugeWav, { sampleRate: rate }), expect: fails(AudioError, /sample 1 \(0\.000 s\) is 1\.72e\+19, 385 dB over full scale: samples belong in \[-1, 1\]/, 'ABSURD_LEVEL') },
  { kind: 'input', name: 'a 0 Hz header', run: () => readAudio(rate0, { sampleRate: rate }), expect: fails(AudioError, /sample rate of 0 Hz/, 'CORRUPT') },
  { kind: 'input', name: '5 ms of audio', run: () => processFile(tinyWav, out), expect: fails(AudioError, /at least 513 \(32 ms\) are needed/, 'TOO_SHORT') },
  {
    kind: 'input', name: 'silence goes through as silence', run: () => processFile(silentWav, join(dir, 'silent-out.wav')),
    expect: { check: () => assert.ok(readFileSync(join(dir, 'silent-out.wav')).length === 44 + 2 * 3 * rate) },
  },
  {
    kind: 'input', name: 'stereo at 44.1 kHz comes out mono at 16 kHz, the same length', run: () => processFile(join(FIXTURE_AUDIO, 'tone-stereo.wav'), join(dir, 'stereo-out.wav')),
    expect: { check: (r) => assert.equal((r as { outputSamples: number }).outputSamples, Math.round((r as { inputSeconds: number }).inputSeconds * rate)) },
  },
  // options of the library's transfer
  { kind: 'option', name: 'no options', run: () => transfer(model, piano, out, undefined as never), expect: fails(TypeError, /^transfer: Expected an object with at least a style/) },
  { kind: 'option', name: 'no style', run: () => transfer(model, piano, out, {} as never), expect: fails(TypeError, /for options\.style but received undefined/) },
  { kind: 'option', name: 'a numeric style', run: () => transfer(model, piano, out, options({ style: 42 })), expect: fails(TypeError, /for options\.style but received 42/) },
  { kind: 'option', name: 'steps as a string', run: () => transfer(model, piano, out, options({ steps: '10' })), expect: fails(TypeError, /Expected a number for options\.steps but received 10 of type string/) },
  { kind: 'option', name: 'steps 0', run: () => transfer(model, piano, out, options({ steps: 0 })), expect: fails(RangeError, /Expected steps in \[1, 700\]/) },
  { kind: 'option', name: 'steps 900', run: () => transfer(model, piano, out, options({ steps: 900 })), expect: fails(RangeError, /Expected steps in \[1, 700\] \(strength 0\.7 leaves 700/) },
  { kind: 'option', name: 'strength 0', run: () => transfer(model, piano, out, options({ strength: 0 })), expect: fails(RangeError, /strength/) },
  { kind: 'option', name: 'eta 2', run: () => transfer(model, piano, out, options({ eta: 2 })), expect: fails(RangeError, /Expected eta in \[0, 1\]/) },
  { kind: 'option', name: 'guidance -1', run: () => transfer(model, piano, out, options({ guidance: -1 })), expect: fails(RangeError, /Expected guidance ≥ 0/) },
  { kind: 'option', name: 'seed -1', run: () => transfer(model, piano, out, options({ seed: -1 })), expect: fails(RangeError, /Expected a non-negative integer seed/) },
  { kind: 'option', name: 'batch 0', run: () => transfer(model, piano, out, options({ batchSize: 0 })), expect: fails(RangeError, /an integer in \[1, 256\] for options\.batchSize/) },
  { kind: 'option', name: 'format mp3', run: () => transfer(model, piano, out, options({ format: 'mp3' })), expect: fails(RangeError, /one of pcm16, float32 \(mst writes WAV\) for options\.format/) },
  { kind: 'option', name: 'spectrogram names not strings', run: () => transfer(model, piano, out, options({ spectrogramNames: { input: 3 } })), expect: fails(TypeError, /an object of strings \(\{ input, output, style \}\) for options\.spectrogramNames/) },
  { kind: 'option', name: 'iterations 0', run: () => transfer(model, piano, out, options({ iterations: 0 })), expect: fails(RangeError, /an integer in \[1, 1000\] for options\.iterations/) },
  { kind: 'option', name: 'an unknown preset', run: () => transfer(model, piano, out, options({ style: 'kazoo' })), expect: fails(StyleError, /no style preset or file named "kazoo"; presets: violin, piano/) },
  { kind: 'option', name: 'a silent reference', run: () => transfer(model, piano, out, options({ style: silentWav })), expect: fails(AudioError, /the style reference is silent/, 'SILENT') },
  { kind: 'option', name: 'a 0.1 s reference', run: () => transfer(model, piano, out, options({ style: blipWav })), expect: fails(AudioError, /the style reference is 0\.10 s long; give at least 0\.5 s/, 'TOO_SHORT') },
  // model folders
  { kind: 'model folder', name: 'missing', run: () => loadModel(join(dir, 'no-model')), expect: fails(ModelLoadError, /no-model: no such model/) },
  { kind: 'model folder', name: 'empty', run: () => loadModel(emptyFolder), expect: fails(ModelLoadError, /a folder without model\.safetensors/) },
  { kind: 'model folder', name: 'weights that are not a checkpoint', run: () => loadModel(garbage), expect: fails(ModelLoadError, /garbage-model.*model\.safetensors/) },
  { kind: 'model folder', name: 'analysis.json that is not JSON', run: () => loadModel(badAnalysis), expect: fails(ModelLoadError, /analysis\.json: not readable JSON/) },
  { kind: 'model folder', name: "a preset whose clip is missing", run: () => loadModel(missingPreset), expect: fails(ModelLoadError, /the violin preset's clip .* is missing/) },
  {
    kind: 'model folder', name: 'weights that are all NaN', expect: fails(TileTransformError, /the model returned NaN or infinite values for tile 0/),
    run: async () => {
      const damaged = loadModel(nanModel);
      try {
        await transfer(damaged, piano, out, { style: piano, steps: 2 });
      } finally {
        damaged.dispose();
      }
    },
  },
  // outputs
  { kind: 'output', name: 'the input itself', run: () => transfer(model, piano, piano, options({})), expect: fails(OutputPathError, /is also an input/) },
  { kind: 'output', name: 'a folder', run: () => transfer(model, piano, dir, options({})), expect: fails(OutputPathError, /is a directory/) },
  { kind: 'output', name: 'in a missing folder', run: () => transfer(model, piano, join(dir, 'no', 'out.wav'), options({})), expect: fails(OutputPathError, /does not exist/) },
  { kind: 'output', name: 'named .mp3', run: () => transfer(model, piano, join(dir, 'out.mp3'), options({})), expect: fails(OutputPathError, /mst writes WAV here, not mp3; name the output out\.wav/) },
  { kind: 'output', name: '/dev/null', run: () => transfer(model, piano, '/dev/null', options({})), expect: fails(OutputPathError, /is a device, which mst never replaces/) },
  { kind: 'output', name: 'a pipe', run: () => transfer(model, piano, fifo, options({})), expect: fails(OutputPathError, /is a pipe, which mst never replaces/) },
  { kind: 'output', name: 'a read-only file', run: () => transfer(model, piano, readOnly, options({})), expect: fails(OutputPathError, /is read-only, so mst leaves it as it is/) },
  { kind: 'output', name: 'a dangling link', run: () => transfer(model, piano, dangling, options({})), expect: fails(OutputPathError, /symbolic link to a file that does not exist/) },
  {
    kind: 'output', name: 'a link is written through', run: () => transfer(model, piano, link, options({})),
    expect: { check: () => assert.ok(lstatSync(link).isSymbolicLink() && readFileSync(linkTarget).subarray(0, 4).toString() === 'RIFF') },
  },
  { kind: 'output', name: 'a spectrogram named .wav', run: () => transfer(model, piano, out, options({ spectrogram: join(dir, 'picture.wav') })), expect: fails(OutputPathError, /mst writes PNG here, not wav/) },
  // signals into a live stream, and the stream API
  {
    kind: 'signal', name: 'NaN in a stream', expect: fails(AudioError, /sample 100 \(0\.006 s\) is NaN/, 'NOT_FINITE'),
    run: () => withStream((stream) => stream.push(Float32Array.from(tone(0.5), (x, i) => (i === 100 ? NaN : x)))),
  },
  { kind: 'signal', name: '1e30 in a stream', expect: fails(AudioError, /sample 1 \(0\.000 s\) is 1\.72e\+29, 585 dB over full scale/, 'ABSURD_LEVEL'), run: () => withStream((stream) => stream.push(tone(0.5, 1e30))) },
  {
    kind: 'signal', name: 'a model returning silence for sound', expect: fails(TileTransformError, /the output is silent .* where the input was not/),
    run: () => {
      const processor = new TileProcessor({ transformTiles: (tiles) => tiles.mul(0).sub(1) });
      processor.push(tone(3));
      return processor.finish();
    },
  },
  { kind: 'API', name: 'a stream with a style name, not a resolved style', run: () => transferStream(model, 'violin' as never), expect: fails(TypeError, /^transferStream: Expected a style from resolveStyle/) },
  { kind: 'API', name: 'a stream with a numeric option', run: async () => withStream(() => undefined, { steps: 'two' }), expect: fails(TypeError, /Expected a number for options\.steps/) },
  { kind: 'API', name: 'a tensor sent to a device that does not exist', run: () => tidy(() => zeros([2]).to('gpu')), expect: fails(RangeError, /^to: Expected cpu or cuda/) },
];

/** Runs `use` on a live stream of the violin preset, freeing everything afterwards. */
async function withStream(use: (stream: TileProcessor) => unknown, extra: Record<string, unknown> = {}): Promise<unknown> {
  const style = await resolveStyle('violin', model.presets, model.analysis);
  try {
    const stream = transferStream(model, style, { steps: 2, ...extra } as never);
    try {
      return use(stream);
    } finally {
      stream.dispose();
    }
  } finally {
    style.tile.dispose();
  }
}

test(`a corpus of ${cases.length} hostile inputs, options, model folders, outputs, signals and API calls: each refused by name or handled`, async () => {
  assert.ok(cases.length >= 40);
  model = loadModel(good);
  const wrong: string[] = [];
  try {
    for (const c of cases) {
      const label = `${c.kind}: ${c.name}`;
      let result: unknown;
      let thrown: unknown = null;
      try {
        result = await c.run();
      } catch (error) {
        thrown = error;
      }
      if ('error' in c.expect) {
        const { error, message, code } = c.expect;
        if (!(thrown instanceof error)) wrong.push(`${label}: expected ${error.name}, got ${thrown === null ? 'success' : `${(thrown as Error).name}: ${(thrown as Error).message}`}`);
        else if (!message.test(thrown.message)) wrong.push(`${label}: message "${thrown.message}" does not match ${message}`);
        else if (code !== undefined && (thrown as AudioError).code !== code) wrong.push(`${label}: code ${(thrown as AudioError).code}, expected ${code}`);
      } else if (thrown !== null) {
        wrong.push(`${label}: ${(thrown as Error).name}: ${(thrown as Error).message}`);
      } else {
        try {
          c.expect.check(result);
        } catch (error) {
          wrong.push(`${label}: ${(error as Error).message}`);
        }
      }
    }
  } finally {
    model.dispose();
  }
  assert.deepEqual(wrong, [], wrong.join('\n'));
  for (const path of protectedPaths) assert.equal(fingerprint(path), before.get(path), `${path} changed`);
  assert.ok(!existsSync(out), 'no output from a refused call');
  const leftovers = readdirSync(dir).filter((name) => name.endsWith('.tmp'));
  assert.deepEqual(leftovers, [], 'no temporary files');
});
