/**
 * The evaluation report: Markdown and HTML with the figures of every system, a matrix of style
 * accuracy by instrument pair for each system (PNG), and worked examples — piano → guitar,
 * violin → cello, flute → clarinet by default — as spectrogram pictures and WAV files of the
 * content, the style reference, each system's output and the true target.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import { tidy, keep, type Tensor } from '../engine/index.js';
import { PairLoader, disposeBatch } from '../data/loader.js';
import type { Split } from '../data/build.js';
import { MelFrontEnd } from '../audio/mel.js';
import { synthesise } from '../audio/synthesis.js';
import { ColumnPool, colourOf, renderSpectrograms } from '../audio/image.js';
import { writeWav } from '../audio/wav.js';
import { writeFileAtomic } from '../engine/files.js';
import type { AnalysisConfig } from '../audio/config.js';
import type { TransferSystem } from './baselines.js';
import type { EvaluationReport, Figures } from './evaluate.js';


/** One worked example: tiles [nMels, frames] of the inputs and of each system's output. */
export interface Example {
  content: string;
  target: string;
  source: string;
  tiles: { label: string; tile: Tensor }[];
}

/**
 * Worked examples: for each (content, target) pair, the first test group (in a seeded order)
 * whose content is clearly audible and whose notes both instruments can play, transferred by
 * every system.
 */
export async function transferExamples(
  systems: TransferSystem[],
  datasetDir: string,
  pairs: [string, string][],
  { split = 'test' as Split, seed = 0, font = undefined as string | undefined, targetFont = undefined as string | undefined } = {},
): Promise<Example[]> {
  const examples: Example[] = [];
  for (const [content, target] of pairs) {
    // strictly in range: only tiles whose notes both instruments can play
    const loader = new PairLoader(datasetDir, { split, batchSize: 1, seed, contentInstruments: [content], targetInstruments: [target], inRange: 'strict', ...(font ? { font } : {}), ...(targetFont ? { targetFont } : {}) });
    const rangeOf = new Map(loader.manifest.shards.map((s) => [s.file, s.pitchRanges]));
    const hasNotes = (file: string, group: number) => (rangeOf.get(file)?.[group]?.[0] ?? -1) >= 0;
    for await (const batch of loader.epoch(0)) {
      const found = hasNotes(batch.source[0]!.file, batch.source[0]!.group) && batch.content.amax().item() > -0.2;
      if (found) {
        const tile = (t: Tensor) => keep(t.reshape(t.shape[2]!, t.shape[3]!));
        examples.push({
          content,
          target,
          source: `${batch.source[0]!.file} group ${batch.source[0]!.group}`,
          tiles: [
            { label: `content (${content})`, tile: tile(batch.content) },
            { label: `style reference (${target}, another piece)`, tile: tile(batch.style) },
            ...systems.map((s) => ({ label: `${s.name} output`, tile: tidy(() => tile(s.transfer({ ...batch }))) })),
            { label: `true target (${target})`, tile: tile(batch.target) },
          ],
        });
      }
      disposeBatch(batch);
      if (found) break; // the loader frees the shards it still holds
    }
  }
  return examples;
}

/** A heatmap of a value in [0, 1] per (content, target) instrument pair; returns PNG bytes. */
export function pairMatrixPng(title: string, instruments: string[], value: (content: string, target: string) => number): Buffer {
  const cell = 34;
  const left = 78;
  const top = 92;
  const n = instruments.length;
  const canvas = createCanvas(Math.max(left + n * cell + 20, 400), top + n * cell + 40);
  const g = canvas.getContext('2d');
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.fillStyle = '#000000';
  g.font = '13px DejaVu Sans';
  g.fillText(title, 8, 18);
  g.font = '11px DejaVu Sans';
  g.fillText('rows: content, columns: target', 8, 36);
  instruments.forEach((name, j) => {
    g.save();
    g.translate(left + j * cell + cell / 2 + 4, top - 6);
    g.rotate(-Math.PI / 3);
    g.fillText(name, 0, 0);
    g.restore();
  });
  instruments.forEach((content, i) => {
    g.fillStyle = '#000000';
    g.fillText(content, 8, top + i * cell + cell / 2 + 4);
    instruments.forEach((target, j) => {
      const v = content === target ? NaN : value(content, target);
      const [r, gr, b] = Number.isFinite(v) ? colourOf(v) : [235, 235, 235];
      g.fillStyle = `rgb(${r},${gr},${b})`;
      g.fillRect(left + j * cell, top + i * cell, cell - 1, cell - 1);
      if (Number.isFinite(v)) {
        g.fillStyle = v > 0.6 ? '#000000' : '#ffffff';
        g.fillText(v.toFixed(2).replace(/^0/, ''), left + j * cell + 5, top + i * cell + cell / 2 + 4);
      }
    });
  });
  g.fillStyle = '#000000';
  g.fillText('grey: no test pair drawn (or the same instrument)', 8, top + n * cell + 24);
  return canvas.toBuffer('image/png');
}

const FIGURE_COLUMNS: [string, (f: Figures & Partial<EvaluationReport['systems'][number]['overall']>) => string][] = [
  ['MSE', (o) => o.mse.toFixed(4)],
  ['mel LSD (dB)', (o) => o.melLsdDb.toFixed(2)],
  ['resynth. LSD (dB)', (o) => o.resynthMelLsdDb.toFixed(2)],
  ['style accuracy', (o) => o.styleAccuracy.toFixed(3)],
  ['style acc. resynth.', (o) => o.resynthStyleAccuracy.toFixed(3)],
  ['labelled as content', (o) => o.contentInstrumentRate.toFixed(3)],
  ['Fréchet judge dist.', (o) => (o.frechetJudgeDistance === undefined ? '' : o.frechetJudgeDistance.toFixed(2))],
  ['F1 to score 50 ms', (o) => o.scoreF1At50ms.toFixed(3)],
  ['F1 to score 100 ms', (o) => o.scoreF1At100ms.toFixed(3)],
  ['onset F1 50 ms', (o) => o.contentF1At50ms.toFixed(3)],
  ['onset F1 100 ms', (o) => o.contentF1At100ms.toFixed(3)],
  ['pitch-class dist.', (o) => o.pitchClassDistance.toFixed(3)],
  ['chroma sim.', (o) => o.chromaSimilarity.toFixed(3)],
  ['s / tile', (o) => (o.secondsPerTile === undefined ? '' : o.secondsPerTile.toExponential(2))],
  ['× real time', (o) => (o.realTimeFactor === undefined ? '' : o.realTimeFactor.toFixed(0))],
];

/** The overall figures of every system as a Markdown table; the style accuracy's header gives its ceiling. */
export function markdownTable(report: EvaluationReport): string {
  const ceiling = ` (of ${report.judgeOnTargets.overall.toFixed(3)}: the judge on the true targets)`;
  return [
    `| system | ${FIGURE_COLUMNS.map(([name]) => (name === 'style accuracy' ? name + ceiling : name)).join(' | ')} |`,
    `|---|${FIGURE_COLUMNS.map(() => '---:').join('|')}|`,
    ...report.systems.map((s) => `| ${s.name} | ${FIGURE_COLUMNS.map(([, f]) => f(s.overall)).join(' | ')} |`),
  ].join('\n');
}

/** The seed's own figures of the trained models (empty when none has them), next to the seed's claim. */
export function seedTable(report: EvaluationReport): string {
  const rows = report.systems.flatMap((s) => (s.seed ?? []).map((f) => `| ${s.name} | ${f.split} | ${f.tiles} | ${f.reconstructionMse.toFixed(4)} | ${f.perceptual.toFixed(4)} | ${f.kl.toFixed(4)} | ${f.styleLoss?.toFixed(4) ?? '–'} |`));
  if (rows.length === 0) return '';
  return [
    "The seed's own figures, with the model's loss network (the seed reports a validation MSE of 0.009):",
    '',
    '| model | split | groups | reconstruction MSE | perceptual | KL (latent penalty) | style loss |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

/** Rows of (system, texture) with the figures where texture matters most. */
export function textureTable(report: EvaluationReport): string {
  const pick = FIGURE_COLUMNS.filter(([name]) => ['mel LSD (dB)', 'style accuracy', 'F1 to score 50 ms', 'onset F1 50 ms', 'onset F1 100 ms', 'chroma sim.'].includes(name));
  return [
    `| system | content texture | tiles | ${pick.map(([name]) => name).join(' | ')} |`,
    `|---|---|---:|${pick.map(() => '---:').join('|')}|`,
    ...report.systems.flatMap((s) => Object.entries(s.textures).map(([texture, f]) => `| ${s.name} | ${texture} | ${f.tiles} | ${pick.map(([, g]) => g(f)).join(' | ')} |`)),
  ].join('\n');
}

/**
 * Style accuracy by target instrument: its tiles, the judge's accuracy on the true targets (the
 * ceiling), and each system's accuracy with the label the judge gave its outputs most often instead.
 */
export function targetTable(report: EvaluationReport): string {
  const targets = Object.keys(report.judgeOnTargets.targets);
  const cell = (s: EvaluationReport['systems'][number], target: string) => {
    const figures = s.targets[target];
    if (!figures) return '–';
    const [other, count] = Object.entries(s.heardAs[target] ?? {}).filter(([label]) => label !== target).sort(([, a], [, b]) => b - a)[0] ?? [];
    return `${figures.styleAccuracy.toFixed(2)}${other ? ` (${other} ${count})` : ''}`;
  };
  return [
    'Style accuracy by target instrument, with the label the judge gave most often instead (tiles):',
    '',
    `| target | tiles | true targets | ${report.systems.map((s) => s.name).join(' | ')} |`,
    `|---|---:|---:|${report.systems.map(() => '---').join('|')}|`,
    ...targets.map((t) => `| ${t} | ${report.systems[0]?.targets[t]?.tiles ?? 0} | ${report.judgeOnTargets.targets[t]!.toFixed(2)} | ${report.systems.map((s) => cell(s, t)).join(' | ')} |`),
  ].join('\n');
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A Markdown table (and any text lines before it) as HTML: the report's tables in both formats from one source. */
export function markdownTableHtml(markdown: string): string {
  const lines = markdown.split('\n').filter((l) => l.trim() !== '');
  const text = lines.filter((l) => !l.startsWith('|')).map((l) => `<p>${escapeHtml(l)}</p>`);
  const cells = (l: string) => l.slice(1, -1).split('|').map((c) => escapeHtml(c.trim()));
  const rows = lines.filter((l) => l.startsWith('|') && !/^\|[-:|\s]+\|$/.test(l));
  const [head, ...body] = rows;
  if (!head) return text.join('\n');
  return `${text.join('\n')}\n<table><tr>${cells(head).map((c) => `<th>${c}</th>`).join('')}</tr>\n${body.map((r) => `<tr>${cells(r).map((c, i) => (i === 0 ? `<th>${c}</th>` : `<td>${c}</td>`)).join('')}</tr>`).join('\n')}</table>`;
}

/** Writes report.md, report.html, report.json (every figure), figures/ and audio/ into `outDir`; returns the Markdown. */
export function writeReport(outDir: string, report: EvaluationReport, examples: Example[], config: AnalysisConfig, context: { command: string; judge: string }): string {
  mkdirSync(join(outDir, 'figures'), { recursive: true });
  mkdirSync(join(outDir, 'audio'), { recursive: true });
  const instruments = report.judge.instruments;
  const ceiling = report.judgeOnTargets;
  const matrices = report.systems.map((s) => {
    const file = `figures/style-accuracy-${s.name}.png`;
    writeFileSync(join(outDir, file), pairMatrixPng(`${s.name}: style accuracy by pair (judge on true targets: ${ceiling.overall.toFixed(2)})`, instruments, (c, t) => s.pairs[`${c}→${t}`]?.styleAccuracy ?? NaN));
    return { system: s.name, file };
  });
  // the ceiling by pair, beside the systems' matrices
  writeFileSync(join(outDir, 'figures/style-accuracy-ceiling.png'), pairMatrixPng('the judge on the true targets, by pair (the ceiling)', instruments, (c, t) => ceiling.pairs[`${c}→${t}`] ?? NaN));
  matrices.unshift({ system: 'the judge on the true targets', file: 'figures/style-accuracy-ceiling.png' });
  const frontEnd = new MelFrontEnd(config);
  const worked = examples.map((example) => {
    const slug = `${example.content}-to-${example.target}`;
    const picture = `figures/example-${slug}.png`;
    const panels = example.tiles.map(({ label, tile }) => {
      const pool = new ColumnPool(config.nMels, 4096);
      pool.push(tile.toFloat32Array(), tile.shape[1]!);
      return { title: label, pool };
    });
    writeFileSync(join(outDir, picture), renderSpectrograms(panels, config));
    const sounds = example.tiles.map(({ label, tile }, k) => {
      const file = `audio/${slug}-${k}-${label.split(' ')[0]}.wav`;
      writeWav(join(outDir, file), tidy(() => synthesise(frontEnd, tile)), config.sampleRate);
      return { label, file };
    });
    return { example, picture, sounds };
  });

  const md = [
    `# Evaluation: ${report.split} split of ${report.dataset}`,
    '',
    `Made by \`${context.command}\`. ${report.groups} ${report.split} pairs from ${report.shards} shards (content instrument, a different target instrument, ` +
      `a style reference clip of the target from another piece${report.inRange ? '; both instruments able to play the notes' : ''}), content rendered with ${report.font}, references and targets with ${report.targetFont}; ${report.audioGroups} of them ` +
      `resynthesised (Griffin-Lim, ${report.iterations} iterations, ${report.phase === 'input' ? "the outputs starting from the resynthesised content's phase, as mst transfer starts from its input's" : 'from random phase'}) and transcribed by basic-pitch. Instrument judge: \`${context.judge}\`. ` +
      `Tiles are ${report.tileSeconds.toFixed(2)} s. Peak resident memory of the run: ${(report.peakRssBytes / 2 ** 20).toFixed(0)} MiB.`,
    '',
    markdownTable(report),
    '',
    'Reading the table: "F1 to score" compares the transcription of the resynthesised output with the notes written for the tile; ' +
      'the other content figures compare it with the transcription of the resynthesised content ' +
      '(the same vocoder on both sides); the oracle row is the ceiling a perfect transfer reaches through this vocoder and transcriber. ' +
      'Style accuracy is the share of outputs the judge labels as the target instrument; "labelled as content" the share it labels as the content instrument.',
    '',
    ...(seedTable(report) ? ["## The seed's own figures", '', seedTable(report), ''] : []),
    '## By texture of the content',
    '',
    textureTable(report),
    '',
    '## By target instrument',
    '',
    targetTable(report),
    '',
    '## Style accuracy by instrument pair',
    '',
    ...matrices.map((m) => `![${m.system}](${m.file})`),
    '',
    '## Worked examples',
    '',
    ...worked.flatMap(({ example, picture, sounds }) => [
      `### ${example.content} → ${example.target}`,
      '',
      `From ${example.source}.`,
      '',
      `![${example.content} to ${example.target}](${picture})`,
      '',
      ...sounds.map((s) => `- [${s.label}](${s.file})`),
      '',
    ]),
  ].join('\n');
  writeFileAtomic(join(outDir, 'report.md'), [Buffer.from(md + '\n')]);
  writeFileAtomic(join(outDir, 'report.json'), [Buffer.from(JSON.stringify({ ...report, command: context.command, judgeFile: context.judge }, null, 2) + '\n')]);

  const seed = seedTable(report);
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mst evaluation</title>
<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.4}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{text-align:left}img{max-width:100%}figure{display:inline-block;margin:0 1em 1em 0}</style>
</head><body>
<h1>Evaluation: ${escapeHtml(report.split)} split of ${escapeHtml(report.dataset)}</h1>
<p>Made by <code>${escapeHtml(context.command)}</code>. ${report.groups} ${escapeHtml(report.split)} pairs from ${report.shards} shards, content rendered with ${escapeHtml(report.font)}, references and targets with ${escapeHtml(report.targetFont)}; ${report.audioGroups} resynthesised and transcribed. Judge: <code>${escapeHtml(context.judge)}</code>.</p>
${markdownTableHtml(markdownTable(report))}
${seed ? `<h2>The seed's own figures</h2>\n${markdownTableHtml(seed)}` : ''}
<h2>By texture of the content</h2>
${markdownTableHtml(textureTable(report))}
<h2>By target instrument</h2>
${markdownTableHtml(targetTable(report))}
<h2>Style accuracy by instrument pair</h2>
${matrices.map((m) => `<figure><img src="${m.file}" alt="${escapeHtml(m.system)}"></figure>`).join('\n')}
<h2>Worked examples</h2>
${worked.map(({ example, picture, sounds }) => `<h3>${escapeHtml(example.content)} → ${escapeHtml(example.target)}</h3>
<p>From ${escapeHtml(example.source)}.</p>
<img src="${picture}" alt="spectrograms">
<ul>${sounds.map((s) => `<li>${escapeHtml(s.label)}: <audio controls src="${s.file}"></audio></li>`).join('')}</ul>`).join('\n')}
</body></html>
`;
  writeFileAtomic(join(outDir, 'report.html'), [Buffer.from(html)]);
  for (const e of examples) for (const t of e.tiles) t.tile.dispose();
  return md;
}
