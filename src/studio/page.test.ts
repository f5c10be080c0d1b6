/**
 * The studio page in a real browser (Debian's chromium, headless, driven by playwright-core): a
 * clip uploaded, a style chosen, a transfer that plays and shows its spectrogram; a corrupt file's
 * message; two queued transfers that both finish. With MST_STUDIO_SCREENSHOTS=<folder> it also
 * saves the pictures the README shows.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { configure } from '../engine/index.js';
import { loadModel } from '../transfer/bundle.js';
import { repoRoot, temporaryDirectory } from '../testing/helpers.js';
import { startStudio, type Studio } from './server.js';

const CHROMIUM = process.env.MST_CHROMIUM ?? '/usr/bin/chromium';
const screenshots = process.env.MST_STUDIO_SCREENSHOTS;
const example = join(repoRoot, 'examples', 'piano.wav'); // 6 s
const skip = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (scripts/setup.sh installs Debian's chromium; MST_CHROMIUM names another)`;

let studio: Studio;
let browser: Browser;
let page: Page;
const workParent = temporaryDirectory('mst-page-test-'); // made here, not in before(): removed after the file's last test

before(async () => {
  if (skip) return;
  configure({ threads: 2 });
  studio = await startStudio({ model: loadModel(), port: 0, maxUploadBytes: 1024 * 1024, workParent });
  // --no-sandbox: CI runs as root, where Chromium's sandbox will not start; a container's small /dev/shm and no GPU must not matter either
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--autoplay-policy=no-user-gesture-required'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(studio.url);
  await page.waitForSelector('#style-preset option[value="violin"]', { state: 'attached' });
});
after(async () => {
  await browser?.close();
  await studio?.close();
});

async function shoot(name: string): Promise<void> {
  if (!screenshots) return;
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, name), fullPage: true });
}

test('a clip uploaded and transferred in the page: the output plays, as long as the input and not silent, and its spectrogram shows', { skip }, async () => {
  await page.setInputFiles('#content-file', example);
  await page.waitForFunction(`document.getElementById('content-clip').textContent.startsWith('piano.wav · 6.0 s')`);
  await page.selectOption('#style-preset', 'violin');
  await page.click('#transfer');
  await page.waitForSelector('#jobs li[data-state="done"]', { timeout: 120_000 });
  await page.waitForFunction(`document.querySelector('#spectrogram img').naturalWidth > 0`);
  await page.waitForFunction(`document.getElementById('output-audio').duration > 0`);
  // in the page: both players' durations, and the output decoded by the browser's own decoder
  const heard = (await page.evaluate(`(async () => {
    const input = document.getElementById('input-audio').duration;
    const output = document.getElementById('output-audio');
    const decoded = await new AudioContext().decodeAudioData(await (await fetch(output.src)).arrayBuffer());
    const samples = decoded.getChannelData(0);
    const rms = Math.sqrt(samples.reduce((s, x) => s + x * x, 0) / samples.length);
    return { input, output: output.duration, rms };
  })()`)) as { input: number; output: number; rms: number };
  assert.equal(heard.output, heard.input, 'output and input durations');
  assert.ok(Math.abs(heard.output - 6) < 1e-3, `output ${heard.output} s`);
  assert.ok(heard.rms > 0.01, `output rms ${heard.rms}`);
  await page.click('.play[data-which="output"]');
  await page.waitForFunction(`document.getElementById('output-audio').currentTime > 0.3`, undefined, { timeout: 10_000 });
  await page.click('.play[data-which="output"]'); // pause
  assert.match((await page.getAttribute('#download', 'href')) ?? '', /^\/api\/jobs\/[0-9a-f]{16}\/output$/);
  await shoot('studio.png');
});

test('a corrupt upload shows its message in the page', { skip }, async () => {
  await page.setInputFiles('#content-file', { name: 'broken.wav', mimeType: 'audio/wav', buffer: Buffer.from('RIFF\x24\x00\x00\x00WAVEjunk, not a wave file at all') });
  await page.waitForSelector('#error:not([hidden])');
  assert.match((await page.textContent('#error')) ?? '', /^broken\.wav: /);
  await shoot('studio-error.png');
});

test('an oversized upload, a non-audio file and a silent reference each show their message, and the studio keeps serving', { skip }, async () => {
  const refused = async (selector: string, file: { name: string; mimeType: string; buffer: Buffer }, message: RegExp) => {
    await page.evaluate(`document.getElementById('error').hidden = true`);
    await page.setInputFiles(selector, file);
    await page.waitForSelector('#error:not([hidden])');
    assert.match((await page.textContent('#error')) ?? '', message);
  };
  await refused('#content-file', { name: 'long.wav', mimeType: 'audio/wav', buffer: Buffer.alloc(2 * 1024 * 1024) }, /the upload is larger than the studio's limit of 1 MB/);
  await refused('#content-file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not audio\n') }, /^notes\.txt: this is not audio mst can read/);
  const silence = Buffer.alloc(44 + 3 * 16000 * 2);
  silence.write('RIFF', 0);
  silence.writeUInt32LE(silence.length - 8, 4);
  silence.write('WAVEfmt ', 8);
  silence.writeUInt32LE(16, 16);
  silence.writeUInt16LE(1, 20); // PCM
  silence.writeUInt16LE(1, 22); // mono
  silence.writeUInt32LE(16000, 24);
  silence.writeUInt32LE(32000, 28);
  silence.writeUInt16LE(2, 32);
  silence.writeUInt16LE(16, 34);
  silence.write('data', 36);
  silence.writeUInt32LE(3 * 16000 * 2, 40);
  await refused('#reference-file', { name: 'quiet.wav', mimeType: 'audio/wav', buffer: silence }, /^quiet\.wav: the style reference is silent/);
  assert.equal(((await (await fetch(new URL('/api/health', studio.url))).json()) as { ok: boolean }).ok, true);
  assert.match((await page.textContent('#content-clip')) ?? '', /^piano\.wav/, 'the clip chosen before the refused ones stays');
});

test('two transfers queued at once both finish', { skip }, async () => {
  await page.click('#examples button');
  await page.waitForFunction(`document.getElementById('content-clip').textContent.startsWith('piano.wav')`);
  const before = await page.locator('#jobs li').count();
  for (const seed of ['11', '12']) {
    await page.fill('#seed', seed);
    await page.click('#transfer');
    await page.waitForFunction(`document.querySelectorAll('#jobs li').length > ${before + (seed === '11' ? 0 : 1)}`);
  }
  await page.waitForFunction(`document.querySelectorAll('#jobs li[data-state="done"]').length >= ${before + 2}`, undefined, { timeout: 120_000 });
  const seeds = await page.locator('#jobs li[data-state="done"] .muted').allTextContents();
  assert.ok(seeds.some((s) => s.includes('seed 11')) && seeds.some((s) => s.includes('seed 12')), seeds.join(' | '));
  assert.equal(await page.locator('#jobs li[data-state="failed"]').count(), 0);
});
