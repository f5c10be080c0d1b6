/**
 * Spectrogram pictures (PNG) for reports and the CLI: one or more log-mel panels with a colour
 * map, a time axis in seconds, a frequency axis in Hz at the mel bands' centres, and a colour bar
 * in dB. Drawn with @napi-rs/canvas.
 */
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import type { AnalysisConfig } from './config.js';
import { melBandCentres } from './mel.js';

/** Colour map anchors (dark violet → orange → pale yellow, perceptually ordered), interpolated linearly. */
const ANCHORS: [number, number, number][] = [
  [0, 0, 4], [28, 16, 68], [79, 18, 123], [129, 37, 129], [181, 54, 122],
  [229, 80, 100], [251, 135, 97], [254, 194, 135], [252, 253, 191],
];

/** Colour of v ∈ [0, 1] as [r, g, b]. */
export function colourOf(v: number): [number, number, number] {
  const x = Math.max(0, Math.min(1, v)) * (ANCHORS.length - 1);
  const i = Math.min(Math.floor(x), ANCHORS.length - 2);
  const f = x - i;
  const [a, b] = [ANCHORS[i]!, ANCHORS[i + 1]!];
  return [0, 1, 2].map((c) => Math.round(a[c]! + (b[c]! - a[c]!) * f)) as [number, number, number];
}

/**
 * Normalised log-mel columns of any length, pooled (max over time) so that at most `maxColumns`
 * remain: when the count doubles past the limit, neighbouring columns merge. Memory stays
 * bounded by 2·maxColumns columns.
 */
export class ColumnPool {
  #columns: Float32Array[] = [];
  #carry: Float32Array | null = null;
  #framesPerColumn = 1;
  #inCarry = 0;
  #frames = 0;

  constructor(readonly nMels: number, readonly maxColumns = 1600) {}

  get frames(): number {
    return this.#frames;
  }
  get framesPerColumn(): number {
    return this.#framesPerColumn;
  }

  /** Adds frames given row-major [nMels, k] (as Tensor.toFloat32Array of a [nMels, k] tensor). */
  push(values: Float32Array, k: number): void {
    for (let t = 0; t < k; t++) {
      const column = new Float32Array(this.nMels);
      for (let m = 0; m < this.nMels; m++) column[m] = values[m * k + t]!;
      this.#add(column);
      this.#frames++;
    }
  }

  #add(column: Float32Array): void {
    if (this.#carry === null) this.#carry = column;
    else for (let m = 0; m < this.nMels; m++) this.#carry[m] = Math.max(this.#carry[m]!, column[m]!);
    if (++this.#inCarry < this.#framesPerColumn) return;
    this.#columns.push(this.#carry);
    this.#carry = null;
    this.#inCarry = 0;
    if (this.#columns.length >= 2 * this.maxColumns) {
      const merged: Float32Array[] = [];
      for (let i = 0; i + 1 < this.#columns.length; i += 2) {
        const [a, b] = [this.#columns[i]!, this.#columns[i + 1]!];
        merged.push(a.map((v, m) => Math.max(v, b[m]!)));
      }
      this.#columns = merged;
      this.#framesPerColumn *= 2;
    }
  }

  /** The pooled columns, the unfinished one included. */
  columns(): Float32Array[] {
    return this.#carry === null ? [...this.#columns] : [...this.#columns, this.#carry];
  }
}

export interface Panel {
  title: string;
  pool: ColumnPool;
}

const MARGIN = { left: 64, right: 72, top: 28, bottom: 40 };
const ROW_PX = 2;

/** Draws the panels one above the other; returns PNG bytes. */
export function renderSpectrograms(panels: Panel[], config: AnalysisConfig): Buffer {
  const widest = Math.max(...panels.map((p) => p.pool.columns().length), 1);
  const plotWidth = Math.max(widest, 320);
  const plotHeight = config.nMels * ROW_PX;
  const panelHeight = MARGIN.top + plotHeight + MARGIN.bottom;
  const canvas = createCanvas(MARGIN.left + plotWidth + MARGIN.right, panelHeight * panels.length);
  const g = canvas.getContext('2d');
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  panels.forEach((panel, i) => drawPanel(g, panel, config, i * panelHeight, plotWidth, plotHeight));
  return canvas.toBuffer('image/png');
}

function drawPanel(g: SKRSContext2D, panel: Panel, config: AnalysisConfig, top: number, plotWidth: number, plotHeight: number): void {
  const x0 = MARGIN.left;
  const y0 = top + MARGIN.top;
  const columns = panel.pool.columns();
  const stretch = plotWidth / Math.max(columns.length, 1);
  const image = g.createImageData(plotWidth, plotHeight);
  for (let px = 0; px < plotWidth; px++) {
    const column = columns[Math.min(columns.length - 1, Math.floor(px / stretch))];
    for (let py = 0; py < plotHeight; py++) {
      const band = config.nMels - 1 - Math.floor(py / ROW_PX); // low frequencies at the bottom
      const [r, gr, b] = colourOf(column ? (column[band]! + 1) / 2 : 0);
      const at = 4 * (py * plotWidth + px);
      image.data[at] = r;
      image.data[at + 1] = gr;
      image.data[at + 2] = b;
      image.data[at + 3] = 255;
    }
  }
  g.putImageData(image, x0, y0);
  g.fillStyle = '#000000';
  g.strokeStyle = '#000000';
  g.font = '13px sans-serif';
  g.fillText(panel.title, x0, top + 18);
  g.font = '11px sans-serif';
  // time axis
  const seconds = (panel.pool.frames * config.hop) / config.sampleRate;
  const step = niceStep(seconds / 8);
  for (let s = 0; s <= seconds + 1e-9; s += step) {
    const x = x0 + (s / Math.max(seconds, 1e-9)) * plotWidth;
    g.fillRect(x, y0 + plotHeight, 1, 4);
    g.fillText(`${+s.toFixed(2)}`, x - 8, y0 + plotHeight + 16);
  }
  g.fillText('time (s)', x0 + plotWidth / 2 - 20, y0 + plotHeight + 32);
  // frequency axis at the mel bands' centres
  const centres = melBandCentres(config);
  let lastY = Infinity;
  for (const hz of [100, 250, 500, 1000, 2000, 4000, 8000, 16000]) {
    const band = centres.findIndex((c) => c >= hz);
    if (band < 0 || hz < centres[0]!) continue;
    const y = y0 + plotHeight - (band + 0.5) * ROW_PX;
    if (lastY - y < 14) continue; // keep labels apart
    lastY = y;
    g.fillRect(x0 - 4, y, 4, 1);
    g.fillText(hz >= 1000 ? `${hz / 1000}k` : `${hz}`, x0 - 30, y + 4);
  }
  g.save();
  g.translate(14, y0 + plotHeight / 2 + 24);
  g.rotate(-Math.PI / 2);
  g.fillText('frequency (Hz)', 0, 0);
  g.restore();
  // colour bar in dB
  const barX = x0 + plotWidth + 12;
  for (let py = 0; py < plotHeight; py++) {
    const [r, gr, b] = colourOf(1 - py / plotHeight);
    g.fillStyle = `rgb(${r},${gr},${b})`;
    g.fillRect(barX, y0 + py, 12, 1);
  }
  g.fillStyle = '#000000';
  g.fillText(`${config.maxDb} dB`, barX + 16, y0 + 8);
  g.fillText(`${config.minDb} dB`, barX + 16, y0 + plotHeight);
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-6)));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
}

/**
 * A grid of tiles (normalised log-mel [nMels × tileFrames], row-major, values in [-1, 1]): one
 * labelled row per entry, one titled column per tile. Returns PNG bytes.
 */
export function tileGrid(rows: { label: string; tiles: Float32Array[] }[], columns: string[], config: Pick<AnalysisConfig, 'nMels' | 'tileFrames'>): Buffer {
  const { nMels, tileFrames } = config;
  const [left, top, gap] = [320, 24, 6];
  const canvas = createCanvas(left + columns.length * (tileFrames + gap), top + rows.length * (nMels + gap));
  const g = canvas.getContext('2d');
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.fillStyle = '#000000';
  g.font = '12px sans-serif';
  columns.forEach((name, c) => g.fillText(name, left + c * (tileFrames + gap), 16));
  rows.forEach(({ label, tiles }, r) => {
    const y0 = top + r * (nMels + gap);
    g.fillStyle = '#000000';
    g.fillText(label, 4, y0 + nMels / 2);
    tiles.forEach((values, c) => {
      const image = g.createImageData(tileFrames, nMels);
      for (let m = 0; m < nMels; m++) {
        for (let t = 0; t < tileFrames; t++) {
          const [cr, cg, cb] = colourOf((values[m * tileFrames + t]! + 1) / 2);
          const at = 4 * ((nMels - 1 - m) * tileFrames + t); // low frequencies at the bottom
          image.data[at] = cr;
          image.data[at + 1] = cg;
          image.data[at + 2] = cb;
          image.data[at + 3] = 255;
        }
      }
      g.putImageData(image, left + c * (tileFrames + gap), y0);
    });
  });
  return canvas.toBuffer('image/png');
}
