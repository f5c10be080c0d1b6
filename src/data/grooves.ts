/**
 * Accompaniment from MMA's groove library: for every groove file (a style such as "50sRock" or
 * "BossaNova", each defining several variants), a chord chart of three 8-bar sections in up to
 * three of its variants, over chord progressions, keys and tempi chosen by a hash of the style's
 * name — so the same library gives the same charts, and MMA (with a fixed random seed) the same
 * MIDI. Drums are dropped later with every other channel 10.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createHash } from 'node:crypto';

/** Eight bars each, written in C (the chart transposes them). */
const PROGRESSIONS: readonly string[][] = [
  ['C', 'Am', 'F', 'G7', 'C', 'Am', 'Dm7', 'G7'],
  ['Dm7', 'G7', 'Cmaj7', 'A7', 'Dm7', 'G7', 'C6', 'C6'],
  ['C', 'F', 'C', 'G', 'Am', 'F', 'G7', 'C'],
  ['Am', 'Dm', 'E7', 'Am', 'F', 'Dm', 'E7', 'Am'],
  ['C', 'C7', 'F', 'Fm', 'C', 'A7', 'D7', 'G7'],
  ['Em', 'Am', 'D7', 'G', 'C', 'F#m7b5', 'B7', 'Em'],
];
const TEMPI = [80, 96, 112, 128, 144];

/** Variants that are not a style's body: intros, endings, fills, metronome clicks. */
const NOT_A_BODY = /intro|end|fill|break|metronome|count/i;

/** The body variants a groove file defines (DefGroove lines), in order. */
export function grooveVariants(text: string): string[] {
  const names = [...text.matchAll(/^\s*DefGroove\s+(\S+)/gim)].map((m) => m[1]!);
  return [...new Set(names)].filter((n) => !NOT_A_BODY.test(n));
}

/** A number fixed by `text`. */
function hashOf(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

/** The chart for one style: up to three of its variants, 8 bars each. */
export function grooveChart(style: string, variants: string[]): string {
  const h = hashOf(style);
  const lines = [
    `// ${style}: a chord chart written by mst (src/data/grooves.ts) over MMA's groove library`,
    'RndSeed 1',
    `Tempo ${TEMPI[h % TEMPI.length]}`,
    `Transpose ${(h >>> 8) % 12 - 5}`,
  ];
  variants.slice(0, 3).forEach((variant, i) => {
    lines.push(`Groove ${variant}`, ...PROGRESSIONS[(hashOf(`${style}:${i}`) >>> 4) % PROGRESSIONS.length]!);
  });
  return lines.join('\n') + '\n';
}

/** The charts of every groove file with a body variant in `directory`, sorted by style. */
export function grooveCharts(directory: string): { style: string; chart: string; path: string }[] {
  return readdirSync(directory)
    .filter((f) => f.endsWith('.mma'))
    .sort()
    .flatMap((file) => {
      const path = join(directory, file);
      const variants = grooveVariants(readFileSync(path, 'latin1'));
      const style = basename(file, '.mma');
      return variants.length ? [{ style, chart: grooveChart(style, variants), path }] : [];
    });
}
