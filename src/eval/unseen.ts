/**
 * Zero-shot references: what a system does with a reference of an instrument no training data
 * plays. Content tiles come from a paired dataset's test split; references from a dataset of the
 * same split's pieces played by instruments the model never trained on (`mst dataset build
 * --config unseen`: an oboe and a French horn, UNSEEN_INSTRUMENTS), always of another piece than
 * the content's. A transfer counts as moving towards the reference when its judge embedding is
 * nearer (Euclidean) the reference's than the content's; `identity` never is, which makes it the
 * floor. The judge cannot name an oboe (it knows the model's instruments), so what it hears in the
 * references and in the outputs is reported beside.
 */
import { join } from 'node:path';
import { tidy, keep, stack, loadSafetensors, type Tensor } from '../engine/index.js';
import { PairLoader, readManifest, disposeBatch } from '../data/loader.js';
import { seededRandom } from '../random.js';
import type { Judge } from './judge.js';
import type { TransferSystem } from './baselines.js';
import { EVERY_SHARD } from './evaluate.js';

export interface UnseenOptions {
  /** The paired dataset the content tiles come from (its test split). */
  datasetDir: string;
  /** The dataset of unseen instruments (mst dataset build --config unseen): the references. */
  unseenDir: string;
  judge: Judge;
  /** Content tiles per system (default 128), shared out among the unseen instruments in turn. */
  groups?: number;
  seed?: number;
  batchSize?: number;
  /** The sound set of the references (default the unseen dataset's own font, FluidR3). */
  referenceFont?: string;
  onProgress?: (message: string) => void;
}

export interface UnseenSystemReport {
  name: string;
  /** Share of outputs whose judge embedding is nearer the reference's than the content's. */
  nearerReference: number;
  byInstrument: Record<string, number>;
  /** What the judge hears in the outputs, per unseen instrument: {instrument it names: share}. */
  heardAs: Record<string, Record<string, number>>;
}

export interface UnseenReport {
  dataset: string;
  unseen: string;
  referenceFont: string;
  groups: number;
  instruments: string[];
  /** What the judge hears in the references themselves, per unseen instrument. */
  referencesHeardAs: Record<string, Record<string, number>>;
  systems: UnseenSystemReport[];
}

/** Shares of each name in `names`, largest first. */
function shares(names: string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]).map(([n, c]) => [n, c / names.length]));
}

export async function unseenReferences(systems: TransferSystem[], options: UnseenOptions): Promise<UnseenReport> {
  const { datasetDir, unseenDir, judge, groups = 128, seed = 0, batchSize = 16 } = options;
  const say = options.onProgress ?? (() => {});
  const unseen = readManifest(unseenDir);
  const font = options.referenceFont ?? unseen.config.trainFont.name;
  const instruments = unseen.config.instruments;
  const shards = unseen.shards.filter((s) => s.split === 'test' && s.groups > 0 && s.fonts.includes(font));
  if (shards.length < 2) throw new RangeError(`${unseenDir}: Expected test renders of at least 2 pieces in ${font} but found ${shards.length}; build them with mst dataset build --config unseen --splits test --out ${unseenDir}`);

  // the content side: the paired dataset's test tiles, as the evaluation draws them
  const loader = new PairLoader(datasetDir, { split: 'test', batchSize, seed, keepLast: true, window: EVERY_SHARD, inRange: false });
  const pieceOf = new Map(loader.manifest.shards.map((s) => [s.file, s.piece]));
  const contents: { tile: Tensor; piece: string }[] = [];
  for await (const batch of loader.epoch(0)) {
    batch.source.forEach((src, i) => {
      if (contents.length < groups) contents.push({ tile: keep(batch.content.select(0, i)), piece: pieceOf.get(src.file)! });
    });
    disposeBatch(batch);
    if (contents.length >= groups) break;
  }

  // the reference side: for each content tile, an unseen instrument in turn and a tile of it from another piece
  const random = seededRandom(seed + 1);
  const loaded = shards.map((s) => {
    const { tensors } = loadSafetensors(join(unseenDir, s.file));
    const tiles = keep(tensors.get(font)!);
    for (const t of tensors.values()) if (t !== tiles) t.dispose();
    return { piece: s.piece, tiles };
  });
  const items = contents.map((content, i) => {
    const instrument = i % instruments.length;
    const others = loaded.filter((s) => s.piece !== content.piece);
    const shard = others[Math.floor(random() * others.length)]!;
    const group = Math.floor(random() * shard.tiles.shape[0]!);
    return { content: content.tile, instrument, reference: keep(tidy(() => shard.tiles.select(0, group).select(0, instrument).unsqueeze(0).float())) };
  });
  for (const s of loaded) s.tiles.dispose();
  say(`${items.length} test tiles of ${datasetDir} with references of ${instruments.join(', ')} (${font}) from other pieces of ${unseenDir}`);

  const batches = Array.from({ length: Math.ceil(items.length / batchSize) }, (_, k) => items.slice(k * batchSize, (k + 1) * batchSize));
  const embed = (tiles: Tensor) => tidy(() => judge.forward(tiles).embedding);
  const referencesHeard: string[][] = instruments.map(() => []);
  for (const batch of batches) {
    const heard = tidy(() => judge.predict(stack(batch.map((it) => it.reference), 0)));
    heard.forEach((name, i) => referencesHeard[batch[i]!.instrument]!.push(name));
  }

  const reports: UnseenSystemReport[] = [];
  for (const system of systems) {
    const nearer: number[][] = instruments.map(() => []);
    const heardAs: string[][] = instruments.map(() => []);
    for (const batch of batches) {
      tidy(() => {
        const content = stack(batch.map((it) => it.content), 0); // [B, 1, M, T]
        const reference = stack(batch.map((it) => it.reference), 0);
        const output = system.transfer({ content, style: reference, target: content, targetInstrument: batch.map((it) => instruments[it.instrument]!) });
        const [out, ref, own] = [embed(output), embed(reference), embed(content)];
        const towards = out.sub(ref).pow(2).sum([1]).lt(out.sub(own).pow(2).sum([1])).float().toArray();
        const names = judge.predict(output);
        batch.forEach((it, i) => {
          nearer[it.instrument]!.push(towards[i] ? 1 : 0);
          heardAs[it.instrument]!.push(names[i]!);
        });
      });
    }
    const all = nearer.flat();
    reports.push({
      name: system.name,
      nearerReference: all.reduce((a, b) => a + b, 0) / all.length,
      byInstrument: Object.fromEntries(instruments.map((name, k) => [name, nearer[k]!.reduce((a, b) => a + b, 0) / nearer[k]!.length])),
      heardAs: Object.fromEntries(instruments.map((name, k) => [name, shares(heardAs[k]!)])),
    });
    say(`${system.name}: done`);
  }
  for (const it of items) {
    it.content.dispose();
    it.reference.dispose();
  }
  return {
    dataset: datasetDir,
    unseen: unseenDir,
    referenceFont: font,
    groups: items.length,
    instruments,
    referencesHeardAs: Object.fromEntries(instruments.map((name, k) => [name, shares(referencesHeard[k]!)])),
    systems: reports,
  };
}
