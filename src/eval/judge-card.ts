/**
 * The instrument judge's card: a README.md beside the judge, written from its training report
 * (what it heard, for how long, how well it hears each font and instrument) and from the reports
 * of judges trained with one font left out, found beside it (`without-<font>.json`, written by
 * `mst eval train-judge --without <font>`): the leave-one-font-out table, an estimate of how it
 * hears a synth nobody rendered for it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SOUND_SETS } from '../data/fonts.js';
import { writeFileAtomic } from '../engine/files.js';
import { MODEL_FONT, type JudgeReport, type JudgeScore } from './train-judge.js';

/** A confusion matrix as aligned text: rows are the true instruments, columns the judge's labels. */
export function confusionTable(instruments: string[], score: JudgeScore): string {
  const width = Math.max(6, ...instruments.map((n) => n.length)) + 1;
  const head = ''.padEnd(width) + instruments.map((n) => n.slice(0, 5).padStart(6)).join('');
  const rows = instruments.map((name, i) => name.padEnd(width) + score.confusion[i]!.map((c) => String(c).padStart(6)).join(''));
  return [head, ...rows].join('\n');
}

/** Each instrument's recall in a score (NaN where the font holds none of it). */
export function recallByInstrument(score: JudgeScore): number[] {
  return score.confusion.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total ? row[i]! / total : NaN;
  });
}

/** The path of the report a judge was saved with (`judge.safetensors` → `judge.json`). */
export const reportPathOf = (judgePath: string) => judgePath.replace(/\.safetensors$/, '') + '.json';

/** The reports of the judges trained with one font left out, beside `judgePath`, by the font. */
export function leaveOneOutReports(judgePath: string): Map<string, JudgeReport> {
  const dir = dirname(judgePath);
  const reports = new Map<string, JudgeReport>();
  for (const file of readdirSync(dir).sort()) {
    const match = /^without-(.+)\.json$/.exec(file);
    if (match) reports.set(match[1]!, JSON.parse(readFileSync(join(dir, file), 'utf8')) as JudgeReport);
  }
  return reports;
}

const percent = (x: number) => (Number.isNaN(x) ? '–' : x.toFixed(3));

function setRow(font: string): string {
  const set = (SOUND_SETS as Record<string, (typeof SOUND_SETS)[keyof typeof SOUND_SETS]>)[font];
  if (!set) return `| ${font} | – | – | – | – |`;
  const leftOut = Object.entries(set.leftOut as Record<string, string>).map(([name, why]) => `${name} (${why})`).join(', ');
  return `| ${font} | ${set.package} | ${set.licence} | ${set.origin} | ${leftOut || 'none'} |`;
}

/** A panel network's file name in the card's commands: its view, numbered where two share one. */
function networkFiles(networks: JudgeReport[]): string[] {
  const views = networks.map((n) => n.trainedOn.view ?? 'centred');
  return views.map((view, i) => (views.filter((v) => v === view).length > 1 ? `${view}${i + 1}` : view) + '.safetensors');
}

/** The data a judge trained on, as `--data` names it: its corpora and data/full (where FluidR3 is scored). */
const dataOf = (trainedOn: JudgeReport['trainedOn']) => [...trainedOn.fonts.map((f) => `data/judge/${f}`), ...(trainedOn.kin ?? []).map((f) => `data/judge/${f}-kin`), 'data/full'].join(',');

/** The card's Markdown. */
export function judgeCard(judgePath: string, report: JudgeReport, withoutOne: Map<string, JudgeReport>): string {
  const { trainedOn, instruments, scores, networks = [] } = report;
  const unheard = scores.filter((s) => !trainedOn.fonts.includes(s.font)).map((s) => s.font);
  const files = networkFiles(networks);
  /** A network's own accuracy on the renders a panel's score is of (the same font in the same dataset). */
  const alone = (network: JudgeReport, of: JudgeScore) => network.scores.find((s) => s.font === of.font && s.dataset === of.dataset)?.accuracy.toFixed(3) ?? '–';
  const modelScore = scores.find((s) => s.font === MODEL_FONT);
  const lines = [
    '# The instrument judge',
    '',
    `\`${basename(judgePath)}\` tells which of ${instruments.length} instruments plays a 128-frame log-mel tile (about 2 s): ${instruments.join(', ')}.`,
    "It is mst's ruler for style accuracy (`mst eval run`, `mst eval report`) and answers `mst eval classify <audio…>`.",
    ...(networks.length
      ? [`It is a panel of ${networks.length} networks trained apart (\`src/eval/judge-panel.ts\`): it hears a tile with the mean of their probabilities, and its embedding (the Fréchet distance's space) is theirs side by side. They hear tiles differently (${networks.map((n) => n.trainedOn.view ?? 'centred').join(', ')}: \`centred\` without each tile's long-term spectrum, \`raw\` as it is), so they err on different tiles.`]
      : []),
    'Its architecture (`src/eval/judge.ts`) is a time-delay network over the mel bins, unlike the VGGish-style loss network the model trains against.',
    `It was trained here, from scratch, on sound sets the style-transfer model never learns from; it never heard ${MODEL_FONT}, the model's own set.`,
    '',
    '## What it heard',
    '',
    '| sound set | Debian package | licence | origin | instruments left out |',
    '|---|---|---|---|---|',
    ...trainedOn.fonts.map(setRow),
    '',
    ...(unheard.length ? [`Not heard in training (scored only): ${unheard.join(', ')}.`, ''] : []),
    ...(networks.length
      ? [
        '| network | hears | sets | steps | tiles a step | training | accuracy alone on ' + MODEL_FONT + ' |',
        '|---|---|---|---:|---:|---|---:|',
        ...networks.map((n, i) => `| \`${files[i]}\` | ${n.trainedOn.view ?? 'centred'} | ${n.trainedOn.fonts.join(', ')}${n.trainedOn.kin?.length ? ` (kin: ${n.trainedOn.kin.join(', ')})` : ''} | ${n.trainedOn.steps} | ${n.trainedOn.batchTiles} | ${(n.trainedOn.seconds / 60).toFixed(1)} min${n.trainedOn.processor ? ` on ${n.trainedOn.processor}` : ''} | ${modelScore ? alone(n, modelScore) : '–'} |`),
        '',
        "- Each network: AdamW (cosine schedule), every step an equal share from every corpus; the training split of mst's full dataset's pieces (`mst dataset build --config judge-<set>`), never a validation or test piece.",
      ]
      : [`- ${trainedOn.steps} steps of AdamW (cosine schedule), each on ${trainedOn.batchTiles} tiles, an equal share from every corpus; the training split of mst's full dataset's pieces (\`mst dataset build --config judge-<set>\`), never a validation or test piece.`]),
    ...(trainedOn.kin?.length ? [`- A second corpus of ${trainedOn.kin.join(', ')} (\`--programVariants=true\`), where each instrument plays, piece by piece, one of its kin programs that the set defines (\`src/data/instruments.ts\`: viola and fiddle for violin, contrabass for cello, the saxophone family, …), so that it hears more than one recording of each instrument in each set.`] : []),
    ...(trainedOn.groups ? [`- Training tile groups per set (each group: one tile per instrument): ${Object.entries(trainedOn.groups).map(([f, g]) => `${f} ${g}`).join(', ')}.`] : []),
    `- Augmentation: ${trainedOn.augmentation ?? (networks.length ? 'each network\'s own (their reports)' : 'none')}.`,
    ...(networks.length ? [] : [`- ${(trainedOn.seconds / 60).toFixed(1)} min of training${trainedOn.processor ? ` on ${trainedOn.processor}` : ''}.`]),
    '',
    '## Accuracy on the validation split',
    '',
    `Content and target tiles of every validation group (pieces the judge never trained on), per sound set${networks.length ? '; the panel, then each network alone' : ''}:`,
    '',
    `| sound set | heard in training | tiles | accuracy |${networks.map((_, i) => ` ${files[i]} alone |`).join('')}`,
    `|---|---|---:|---:|${networks.map(() => '---:|').join('')}`,
    ...scores.map((s) => `| ${s.font} | ${trainedOn.fonts.includes(s.font) ? 'yes' : 'no'} | ${s.tiles} | ${s.accuracy.toFixed(3)} |${networks.map((n) => ` ${alone(n, s)} |`).join('')}`),
    '',
    'Per instrument (its recall: the share of its tiles labelled as it; – where a set does not play it):',
    '',
    `| instrument | ${scores.map((s) => s.font).join(' | ')} |`,
    `|---|${scores.map(() => '---:').join('|')}|`,
    ...instruments.map((name, i) => `| ${name} | ${scores.map((s) => percent(recallByInstrument(s)[i]!)).join(' | ')} |`),
    '',
    '### Confusion per sound set',
    '',
    'Rows: the instrument playing; columns: the judge\'s label (tiles).',
    '',
    ...scores.flatMap((s) => [`${s.font} (${s.tiles} tiles, accuracy ${s.accuracy.toFixed(3)}):`, '', '```', confusionTable(instruments, s), '```', '']),
    '## Leave one font out',
    '',
  ];
  if (withoutOne.size === 0) {
    lines.push('Not measured yet: run `mst eval train-judge --without <set>` for each set it heard.', '');
  } else {
    lines.push(
      `The same training without one set${networks.length ? ' (of a centred network alone, not the panel)' : ''}; its accuracy on that set (validation) is the honest estimate of how the judge hears a synth nobody rendered for it.`,
      '',
      `| left out | steps | accuracy on it | accuracy on ${MODEL_FONT} |`,
      '|---|---:|---:|---:|',
      ...[...withoutOne].map(([font, r]) => {
        const on = (f: string) => r.scores.find((s) => s.font === f)?.accuracy;
        return `| ${font} | ${r.trainedOn.steps} | ${on(font)?.toFixed(3) ?? '–'} | ${on(MODEL_FONT)?.toFixed(3) ?? '–'} |`;
      }),
      '',
    );
  }
  const kin = trainedOn.kin ?? [];
  const scoredOnly = unheard.filter((f) => f !== MODEL_FONT); // corpora built after it was trained (score-judge)
  const centred = networks.find((n) => (n.trainedOn.view ?? 'centred') === 'centred')?.trainedOn ?? trainedOn; // the leave-one-out judges' recipe
  const trainCommand = (on: JudgeReport['trainedOn'], more: string) => `./bin/mst.js eval train-judge --data ${dataOf(on)}${on.view && on.view !== 'centred' ? ` --view ${on.view}` : ''} --steps ${on.steps} --batch ${on.batchTiles / 3}${more}`;
  lines.push(
    '## Reproduce',
    '',
    '```',
    ...trainedOn.fonts.map((f) => `./bin/mst.js dataset build --config judge-${f} --out data/judge/${f}`),
    ...scoredOnly.map((f) => `./bin/mst.js dataset build --config judge-${f} --out data/judge/${f} --splits validation   # scored only`),
    ...kin.map((f) => `./bin/mst.js dataset build --config judge-${f} --out data/judge/${f}-kin --programVariants=true`),
    './bin/mst.js dataset build   # data/full: the FluidR3 renders it is scored on',
    ...(networks.length
      ? [
        ...networks.map((n, i) => trainCommand(n.trainedOn, ` --out ${join(dirname(judgePath), files[i]!)}`)),
        `./bin/mst.js eval join-judges ${files.map((f) => join(dirname(judgePath), f)).join(' ')} --out ${judgePath} --data ${[...new Set(scores.flatMap((s) => s.dataset ?? []))].join(',')}`,
      ]
      : [trainCommand(trainedOn, '')]),
    ...[...withoutOne].map(([font, r]) => trainCommand({ ...centred, steps: r.trainedOn.steps, batchTiles: r.trainedOn.batchTiles }, ` --without ${font}`)),
    ...(scoredOnly.length ? [`./bin/mst.js eval score-judge --judge ${judgePath} --data ${scoredOnly.map((f) => `data/judge/${f}`).join(',')}`] : []),
    '```',
    '',
  );
  return lines.join('\n');
}

/** Rewrites the card of the judge of `path`'s folder (its judge.safetensors) if that judge has a report there; null if not. */
export function rewriteFolderCard(path: string): string | null {
  const judge = join(dirname(path), 'judge.safetensors');
  return existsSync(reportPathOf(judge)) ? writeJudgeCard(judge) : null;
}

/** Writes README.md beside the judge from its report and the leave-one-out reports there. */
export function writeJudgeCard(judgePath: string): string {
  const reportPath = reportPathOf(judgePath);
  if (!existsSync(reportPath)) throw new Error(`no report at ${reportPath}: the card is written from the report mst eval train-judge saves beside the judge`);
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as JudgeReport;
  const card = judgeCard(judgePath, report, leaveOneOutReports(judgePath));
  const path = join(dirname(judgePath), 'README.md');
  writeFileAtomic(path, [Buffer.from(card)]);
  return path;
}
