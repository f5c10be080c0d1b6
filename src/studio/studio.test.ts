/**
 * The studio's server through HTTP, as the page uses it: clips in, a transfer queued and
 * finished, its files out; the server answering while a 60 s transfer runs; and every request it
 * must refuse (paths out of its folder, oversized, non-audio, silent references) refused with a
 * message, the server still up. The page itself is tested in a real browser (page.test.ts).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { readAudio } from '../audio/decode.js';
import { writeWav } from '../audio/wav.js';
import { configure } from '../engine/index.js';
import { loadModel } from '../transfer/bundle.js';
import { repoRoot, temporaryDirectory } from '../testing/helpers.js';
import { FIXTURE_AUDIO } from '../testing/model-folder.js';
import { startStudio, type Studio } from './server.js';

configure({ threads: 2 });
const dir = temporaryDirectory('mst-studio-test-');
const example = join(repoRoot, 'examples', 'piano.wav'); // 6 s
const model = loadModel();
const studio = await startStudio({ model, port: 0, maxUploadBytes: 4 * 1024 * 1024, workParent: dir });
after(() => studio.close());

/** One request; the answer's status and body (JSON where it is JSON). */
async function call(path: string, init: RequestInit = {}, base: Studio = studio): Promise<{ status: number; body: any; bytes: Buffer; type: string }> {
  const response = await fetch(new URL(path, base.url), init);
  const bytes = Buffer.from(await response.arrayBuffer());
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, body: type.includes('json') ? JSON.parse(bytes.toString()) : null, bytes, type };
}

/** A multipart upload of `bytes` as `name`. */
function upload(bytes: Uint8Array, name: string, role: 'content' | 'reference' = 'content', base: Studio = studio) {
  const form = new FormData();
  form.append('file', new Blob([bytes]), name);
  return call(`/api/clips?role=${role}`, { method: 'POST', body: form }, base);
}

/** A GET of `path` exactly as written (fetch would resolve its dot segments first). */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  const url = new URL(studio.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Resolves with the job's final view, polling the job list. */
async function finished(id: string): Promise<any> {
  for (;;) {
    const job = (await call('/api/jobs')).body.find((j: { id: string }) => j.id === id);
    if (job.state === 'done' || job.state === 'failed') return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

test('a clip uploaded and transferred by preset: the output has the input\'s length, a spectrogram and a download name', async () => {
  const clip = await upload(readFileSync(example), 'my piano.wav');
  assert.equal(clip.status, 201, JSON.stringify(clip.body));
  assert.equal(clip.body.name, 'my piano.wav');
  assert.ok(Math.abs(clip.body.seconds - 6) < 1e-3, `seconds ${clip.body.seconds}`);
  const job = await call('/api/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content: clip.body.id, style: { preset: 'violin' }, seed: 3 }) });
  assert.equal(job.status, 202, JSON.stringify(job.body));
  assert.deepEqual(job.body.settings, { guidance: 1, guidanceFrom: 'nothing', ...model.model.config.sampling, seed: 3 }, "the model's own sampling settings (guidance 1 and from nothing where it gives none)");
  const done = await finished(job.body.id);
  assert.equal(done.state, 'done', done.error);
  const output = await call(`/api/jobs/${done.id}/output`);
  assert.equal(output.type, 'audio/wav');
  const input = await call(`/api/clips/${clip.body.id}/audio`);
  const header = (wav: Buffer) => ({ rate: wav.readUInt32LE(24), bytesPerSample: wav.readUInt16LE(34) / 8, frames: wav.readUInt32LE(40) / (wav.readUInt16LE(34) / 8) });
  assert.equal(header(output.bytes).frames, header(input.bytes).frames, 'output and input lengths');
  assert.equal(header(output.bytes).frames, 6 * 16000);
  const samples = new Int16Array(output.bytes.buffer, output.bytes.byteOffset + 44, header(output.bytes).frames);
  const rms = Math.sqrt(samples.reduce((s, x) => s + (x / 32768) ** 2, 0) / samples.length);
  assert.ok(rms > 0.01, `output rms ${rms}`);
  const picture = await call(`/api/jobs/${done.id}/spectrogram`);
  assert.equal(picture.type, 'image/png');
  assert.deepEqual([...picture.bytes.subarray(1, 4)], [...Buffer.from('PNG')]);
  const download = await fetch(new URL(`/api/jobs/${done.id}/output`, studio.url));
  assert.equal(download.headers.get('content-disposition'), 'attachment; filename="my_piano-violin.wav"');
});

test('a style from an uploaded reference clip (FLAC): the job names it, and the output comes', async () => {
  const content = await upload(readFileSync(join(FIXTURE_AUDIO, 'phrase-piano.flac')), 'phrase.flac');
  const reference = await upload(readFileSync(join(FIXTURE_AUDIO, 'phrase-violin.flac')), 'my violin.flac', 'reference');
  assert.equal(reference.status, 201, JSON.stringify(reference.body));
  assert.equal(reference.body.role, 'reference');
  const job = await call('/api/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content: content.body.id, style: { reference: reference.body.id } }) });
  assert.equal(job.body.style, 'my violin.flac');
  const done = await finished(job.body.id);
  assert.equal(done.state, 'done', done.error);
  assert.equal((await call(`/api/jobs/${done.id}/output`)).bytes.readUInt32LE(40), Math.round(content.body.seconds * 16000) * 2);
});

test('the server answers within 100 ms while a 60 s transfer runs (median of 20)', async (t) => {
  const six = await readAudio(example, { sampleRate: 16000 });
  const sixty = new Float32Array(six.length * 10);
  for (let i = 0; i < 10; i++) sixty.set(six, i * six.length);
  const long = join(dir, 'sixty.wav');
  writeWav(long, sixty, 16000);
  const clip = await upload(readFileSync(long), 'sixty.wav');
  assert.equal(clip.status, 201, JSON.stringify(clip.body));
  const job = await call('/api/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content: clip.body.id, style: { preset: 'flute' } }) });
  const times: number[] = [];
  while (times.length < 20) {
    const start = performance.now();
    const health = await call('/api/health');
    const ms = performance.now() - start;
    if (!health.body.running) break;
    times.push(ms);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(times.length, 20, `the transfer ended after ${times.length} health checks; it must still run for 20`);
  t.diagnostic(`health answers during the transfer: median ${median(times).toFixed(1)} ms, slowest ${Math.max(...times).toFixed(1)} ms`);
  assert.ok(median(times) <= 100, `median health answer ${median(times).toFixed(1)} ms`);
  assert.equal((await finished(job.body.id)).state, 'done');
});

test('paths from requests never leave the working folder', async () => {
  const secret = readFileSync('/etc/passwd', 'utf8').slice(0, 20);
  for (const path of ['/../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/api/clips/..%2F..%2F..%2Fetc%2Fpasswd/audio', '/api/clips/%2Fetc%2Fpasswd/audio', '/api/jobs/..%2F..%2Fetc%2Fpasswd/output', '/api/jobs/%2Fetc%2Fpasswd/spectrogram', '/vendor/..%2F..%2Fpackage.json']) {
    const answer = await rawGet(path);
    assert.ok(answer.status === 403 || answer.status === 404, `${path}: status ${answer.status}`);
    assert.ok(!answer.body.includes(secret), `${path} served /etc/passwd`);
    assert.match(JSON.parse(answer.body).error, /is outside the studio's page|^no (clip|finished transfer)|^nothing here/, path);
  }
  const bundled = await call('/api/examples/..%2F..%2Fpackage.json', { method: 'POST' });
  assert.equal(bundled.status, 404);
  assert.match(bundled.body.error, /no bundled example named "\.\.\/\.\.\/package\.json"; the examples are piano\.wav/);
  // an uploaded file's name is a display name only: the file lands in the working folder under an id
  const clip = await upload(readFileSync(example), '../../../../tmp/evil.wav');
  assert.equal(clip.status, 201);
  assert.equal(clip.body.name, 'evil.wav');
  assert.ok(!existsSync(join(dir, 'evil.wav')) && !existsSync('/tmp/evil.wav'));
  assert.ok(readdirSync(studio.workspace.folder).every((f) => /^[0-9a-f]{16}/.test(f)), readdirSync(studio.workspace.folder).join(' '));
});

test('bad uploads and settings get their message, and the server stays up', async () => {
  const tooBig = await upload(new Uint8Array(5 * 1024 * 1024), 'big.wav');
  assert.equal(tooBig.status, 413);
  assert.match(tooBig.body.error, /larger than the studio's limit of 4 MB; .*--max-upload-mb/);
  const text = await upload(Buffer.from('these are my notes, not audio\n'), 'notes.wav');
  assert.equal(text.status, 400);
  assert.match(text.body.error, /^notes\.wav: this is not audio mst can read/);
  const empty = await upload(new Uint8Array(0), 'empty.wav');
  assert.match(empty.body.error, /^empty\.wav: the file is empty \(0 bytes\)/);
  const silence = join(dir, 'silence.wav');
  writeWav(silence, new Float32Array(3 * 16000), 16000);
  const reference = await upload(readFileSync(silence), 'silence.wav', 'reference');
  assert.equal(reference.status, 400);
  assert.match(reference.body.error, /^silence\.wav: the style reference is silent; give a clip in which the instrument plays/);
  const clip = await upload(readFileSync(example), 'piano.wav');
  const job = (body: object) => call('/api/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content: clip.body.id, ...body }) });
  assert.match((await job({ style: { preset: 'kazoo' } })).body.error, /no style preset named "kazoo"; this model's presets are piano, guitar/);
  assert.match((await job({ style: {} })).body.error, /choose a style/);
  assert.match((await job({ style: { preset: 'violin' }, steps: 'ten' })).body.error, /options\.steps/);
  assert.match((await job({ style: { preset: 'violin' }, steps: 5000 })).body.error, new RegExp(`Expected steps in \\[1, ${Math.round(model.model.config.sampling.strength * 1000)}\\].*received 5000`));
  assert.match((await job({ style: { reference: clip.body.id } })).body.error, /uploaded as a content clip, not as a reference/);
  assert.deepEqual((await call('/api/health')).body.ok, true);
});

test('a clip over the duration limit is refused; closing the studio removes its working folder', async (t) => {
  const other = await startStudio({ model, port: 0, workParent: dir, maxSeconds: 5 });
  t.after(() => other.close()); // (again, should an assertion fail first: an open server would hold the test process)
  const long = await upload(readFileSync(example), 'piano.wav', 'content', other);
  assert.equal(long.status, 413);
  assert.match(long.body.error, /^piano\.wav: longer than the studio's limit of 5 s; trim it, or start the studio with a higher --max-seconds/);
  await upload(readFileSync(join(FIXTURE_AUDIO, 'phrase-piano.flac')), 'phrase.flac', 'content', other); // 4.5 s
  assert.ok(readdirSync(other.workspace.folder).length > 0);
  await other.close();
  assert.ok(!existsSync(other.workspace.folder));
  await assert.rejects(fetch(new URL('/api/health', other.url)));
});
