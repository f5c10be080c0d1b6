/**
 * Training pairs from a built dataset: for each tile group of a split, a content instrument and a
 * different target instrument playing the same notes, plus a style reference — a tile of the
 * target instrument from a different piece where the split has one. Seeded and shuffled per
 * epoch; shards are read in the background while the current ones are served, and a window of a
 * few shards is kept in memory (shuffling within the window).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Tensor, tidy, keep, stack, loadSafetensorsAsync } from '../engine/index.js';
import { shuffle, pick } from '../random.js';
import { epochRandom, drawReference } from './draw.js';
import { instrument } from './instruments.js';
import type { Manifest, Split } from './build.js';

export interface PairBatch {
  /** [B, 1, nMels, tileFrames] float32 in [-1, 1]. */
  content: Tensor;
  target: Tensor;
  /** [B·k, 1, nMels, tileFrames]: each item's reference, k = PairLoaderOptions.referenceTiles tiles one after another. */
  style: Tensor;
  contentInstrument: string[];
  targetInstrument: string[];
  /** Lowest and highest MIDI note sounding in each content/target tile ([-1, -1]: none). */
  pitchRanges: [number, number][];
  /** False where the notes are unknown (a user's own audio): pitchRanges then says nothing. */
  pitchKnown?: boolean;
  /** Where each item came from: shard file and group index, for content/target and for style. */
  source: { file: string; group: number }[];
  styleSource: { file: string; group: number }[];
  /** The sound set each content, reference and target tile was rendered with (differs from the font where PairLoaderOptions.otherRenders supplied it). */
  contentSet?: string[];
  styleSet?: string[];
  targetSet?: string[];
}

export interface PairLoaderOptions {
  split: Split;
  batchSize: number;
  seed?: number;
  /** Which SoundFont's renders (default: the training font). */
  font?: string;
  /**
   * The SoundFont of the target and style tiles, when it differs from the content's: transfer to
   * a sound the model never heard (only shards rendered with both fonts are used).
   */
  targetFont?: string;
  /** Instruments that may be content and target (default: all in the dataset). */
  contentInstruments?: string[];
  targetInstruments?: string[];
  /** Shards held in memory at once, shuffled together (default 4). */
  window?: number;
  /** Keep a last, smaller batch (default false). */
  keepLast?: boolean;
  /**
   * Draw content and target only among instruments whose usual range holds every note of the
   * tile (a flute asked to play a bass line sounds like no flute); when fewer than two do, any
   * instrument may be drawn — or, with 'strict', the tile is left out. Default false.
   */
  inRange?: boolean | 'strict';
  /**
   * Other renders of the same pieces (datasets built with another sound set, e.g. the judge's
   * corpora under data/judge): where one holds an item's group (same shard name and offset) and
   * instrument, its render replaces the content tile, and the reference's, with probability
   * `otherRenderShare` — so a model learns to read the notes whatever plays them and to hear the
   * instrument in any reference. Targets stay in the target font unless `otherTargetShare` says
   * otherwise. Default none.
   */
  otherRenders?: string[];
  /** Chance that an item's content (and, apart, its reference) comes from another render where one exists (default 0.5). */
  otherRenderShare?: number;
  /**
   * Chance that an item's target *and* its reference come from one of `otherRenders` (the same
   * set for both), where that set holds the item's group in the target instrument and another
   * piece in the window has a render in it (default 0: targets in the target font). A model then
   * learns to play what the reference sounds like, not one font's instrument of that name.
   */
  otherTargetShare?: number;
  /**
   * Tiles of each style reference (default 1): the drawn tile and the groups after it in the same
   * piece (wrapping round), as a clip of several seconds, in the drawn tile's sound set where it
   * holds them. The others follow without drawing, so the pairs are those of one tile.
   */
  referenceTiles?: number;
}

/** A shard's render in another sound set: its tiles, and where each of the main shard's groups and instruments sit in them. */
interface OtherRender {
  set: string;
  tiles: Tensor; // [groups', instruments', nMels, tileFrames] float16
  groupOf: Map<number, number>; // main group → group here (only groups both hold)
  instrumentOf: number[]; // main instrument index → index here, -1 where this set lacks it
}

/** A dataset of other renders (PairLoaderOptions.otherRenders): its sound set, instruments and the split's shards by file name. */
interface OtherSet {
  dir: string;
  set: string;
  instruments: string[];
  shards: Map<string, Manifest['shards'][number]>;
}

/** Where an item's tile is read: the tiles, group and instrument. */
interface TileAt {
  set: string;
  tiles: Tensor;
  group: number;
  instrument: number;
}

interface LoadedShard {
  file: string;
  piece: string;
  pitchRanges: [number, number][];
  tiles: Tensor; // [groups, instruments, nMels, tileFrames] float16
  targetTiles: Tensor; // the same in the target font (the same tensor when the fonts agree)
  others: OtherRender[]; // the same piece in other sound sets (PairLoaderOptions.otherRenders)
  remaining: number[]; // group indices not yet served this epoch
}

/** Frees a batch's tiles (content, target and style). */
export function disposeBatch(batch: Pick<PairBatch, 'content' | 'target' | 'style'>): void {
  for (const t of [batch.content, batch.target, batch.style]) t.dispose();
}

export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
}

export class PairLoader {
  readonly manifest: Manifest;
  readonly instruments: string[];
  readonly shards: Manifest['shards'];
  readonly font: string;
  readonly targetFont: string;
  /** Usual range (lowest, highest MIDI note) of each instrument, in dataset order. */
  readonly ranges: [number, number][];
  readonly #others: OtherSet[];

  constructor(readonly dir: string, readonly options: PairLoaderOptions) {
    this.manifest = readManifest(dir);
    this.instruments = this.manifest.config.instruments;
    this.ranges = this.instruments.map((name) => instrument(name).range);
    this.font = options.font ?? this.manifest.config.trainFont.name;
    this.targetFont = options.targetFont ?? this.font;
    this.shards = this.manifest.shards.filter((s) => s.split === options.split && s.groups > 0 && s.fonts.includes(this.font) && s.fonts.includes(this.targetFont));
    const fonts = [this.manifest.config.trainFont.name, this.manifest.config.heldOutFont.name];
    for (const [name, font] of [['font', this.font], ['targetFont', this.targetFont]]) {
      if (!fonts.includes(font!)) throw new RangeError(`PairLoader: Expected one of ${fonts.join(', ')} for ${name} but received ${font}`);
    }
    for (const name of [...(options.contentInstruments ?? []), ...(options.targetInstruments ?? [])]) {
      if (!this.instruments.includes(name)) throw new RangeError(`PairLoader: Expected one of ${this.instruments.join(', ')} for an instrument but received ${name}`);
    }
    if (this.shards.length === 0) throw new RangeError(`PairLoader: the ${options.split} split of ${dir} is empty`);
    const share = options.otherRenderShare ?? 0.5;
    if (!(share >= 0 && share <= 1)) throw new RangeError(`PairLoader: Expected otherRenderShare in [0, 1] but received ${share}`);
    const targetShare = options.otherTargetShare ?? 0;
    if (!(targetShare >= 0 && targetShare <= 1)) throw new RangeError(`PairLoader: Expected otherTargetShare in [0, 1] but received ${targetShare}`);
    if (targetShare > 0 && (options.otherRenders ?? []).length === 0) throw new RangeError('PairLoader: otherTargetShare needs otherRenders, the sound sets its targets come from');
    const k = options.referenceTiles ?? 1;
    if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`PairLoader: Expected referenceTiles, a whole number ≥ 1, but received ${k}`);
    this.#others = (options.otherRenders ?? []).map((other) => {
      if (!existsSync(join(other, 'manifest.json'))) throw new RangeError(`PairLoader: no built dataset at ${other} (otherRenders): build it with mst dataset build --config <its config> --out ${other}, or train without it (--otherRenders=[])`);
      const manifest = readManifest(other);
      const shards = manifest.shards.filter((s) => s.split === options.split && s.groups > 0);
      return { dir: other, set: manifest.config.trainFont.name, instruments: manifest.config.instruments, shards: new Map(shards.map((s) => [basename(s.file), s])) };
    });
  }

  /** Tile groups in the split (one pair each per epoch). */
  get groups(): number {
    return this.shards.reduce((n, s) => n + s.groups, 0);
  }

  /**
   * The batches of one epoch (the order depends on seed and epoch only). `skip` passes over the
   * first batches without assembling them: a resumed run picks up the epoch where it stopped.
   */
  async *epoch(epoch = 0, { skip = 0 } = {}): AsyncGenerator<PairBatch> {
    let served = 0;
    const random = epochRandom(this.options.seed ?? 0, epoch);
    const order = shuffle([...this.shards], random);
    const windowSize = this.options.window ?? 4;
    const contentPool = (this.options.contentInstruments ?? this.instruments).map((n) => this.instruments.indexOf(n));
    const targetPool = (this.options.targetInstruments ?? this.instruments).map((n) => this.instruments.indexOf(n));
    const loaded: LoadedShard[] = [];
    let next = 0;
    let pending: Promise<LoadedShard> | null = null;
    const startLoad = () => {
      if (next >= order.length) return null;
      const shard = order[next++]!;
      const others = Promise.all(this.#others.flatMap((other) => {
        const match = other.shards.get(basename(shard.file));
        return match ? [this.#loadOther(other, match, shard)] : [];
      }));
      return Promise.all([loadSafetensorsAsync(join(this.dir, shard.file)), others]).then(([{ tensors }, others]) => {
        const tiles = keep(tensors.get(this.font)!);
        const targetTiles = keep(tensors.get(this.targetFont)!);
        for (const [name, t] of tensors) if (name !== this.font && name !== this.targetFont) t.dispose();
        return { file: shard.file, piece: shard.piece, pitchRanges: shard.pitchRanges, tiles, targetTiles, others, remaining: [] as number[] };
      });
    };
    /** Adds a loaded shard to the window, shuffling its groups here, in the generator's own flow: a
     * load finishes whenever the disk says, and drawing from `random` then would make the order
     * depend on timing. */
    const enter = (shard: LoadedShard) => {
      shard.remaining = shuffle([...Array(shard.tiles.shape[0]!).keys()], random);
      loaded.push(shard);
    };
    pending = startLoad();
    const share = this.options.otherRenderShare ?? 0.5;
    const targetShare = this.options.otherTargetShare ?? 0;
    /** Where `other` holds `instrument` at the main shard's `group`. */
    const tileIn = (other: OtherRender, group: number, instrument: number): TileAt => ({ set: other.set, tiles: other.tiles, group: other.groupOf.get(group)!, instrument: other.instrumentOf[instrument]! });
    const holdingOf = (shard: LoadedShard, group: number, instrument: number) => shard.others.filter((o) => o.groupOf.has(group) && o.instrumentOf[instrument]! >= 0);
    /** The tile of `instrument` at `group` of `shard`: its own render, or another's with probability `share` where one holds it. */
    const renderOf = (shard: LoadedShard, own: Pick<TileAt, 'set' | 'tiles'>, group: number, instrument: number): TileAt => {
      const holding = holdingOf(shard, group, instrument);
      if (holding.length === 0 || share === 0 || random() >= share) return { ...own, group, instrument };
      return tileIn(pick(holding, random), group, instrument);
    };
    /**
     * With probability `targetShare`, the item's target in another sound set that holds it, and a
     * reference in that same set from another piece in the window (PairLoaderOptions.otherTargetShare);
     * null where none can be drawn (the item then keeps the target font).
     */
    const otherTargetOf = (shard: LoadedShard, group: number, target: number): Pick<Item, 'style' | 'styleAt' | 'targetAt'> | null => {
      if (targetShare === 0) return null;
      const holding = holdingOf(shard, group, target);
      if (holding.length === 0 || random() >= targetShare) return null;
      const other = pick(holding, random);
      const references = loaded.filter((s) => s.piece !== shard.piece).flatMap((s) => s.others.filter((o) => o.set === other.set && o.groupOf.size > 0).map((render) => ({ shard: s, render })));
      if (references.length === 0) return null;
      const reference = pick(references, random);
      const referenceGroup = pick([...reference.render.groupOf.keys()], random);
      return { style: { shard: reference.shard, group: referenceGroup }, styleAt: tileIn(reference.render, referenceGroup, target), targetAt: tileIn(other, group, target) };
    };
    let items: Item[] = [];
    try {
      while (true) {
        while (loaded.length < windowSize && pending !== null) {
          enter(await pending);
          pending = startLoad(); // read the next shard while this window is served
        }
        const live = loaded.filter((s) => s.remaining.length > 0);
        if (live.length === 0) break;
        const shard = live[Math.floor(random() * live.length)]!;
        const group = shard.remaining.pop()!;
        const [lo, hi] = shard.pitchRanges[group] ?? [-1, -1];
        const fits = (i: number) => lo < 0 || (this.ranges[i]![0] <= lo && hi <= this.ranges[i]![1]);
        let [contents, targetCandidates] = this.options.inRange ? [contentPool.filter(fits), targetPool.filter(fits)] : [contentPool, targetPool];
        const pairable = contents.some((c) => targetCandidates.some((t) => t !== c));
        if (!pairable && this.options.inRange === 'strict') continue; // no two instruments hold these notes: leave the tile out
        if (!pairable) [contents, targetCandidates] = [contentPool, targetPool]; // …or draw from all
        const withPartner = contents.filter((c) => targetCandidates.some((t) => t !== c));
        const content = withPartner[Math.floor(random() * withPartner.length)]!;
        const targets = targetCandidates.filter((t) => t !== content);
        const target = targets[Math.floor(random() * targets.length)]!;
        const elsewhere = otherTargetOf(shard, group, target);
        // otherwise a reference in the target font: a tile of another piece in the window, or another tile of this one when it is alone
        const reference = elsewhere === null ? drawReference(shard, group, loaded.filter((s) => s.piece !== shard.piece), (s) => s.tiles.shape[0]!, random) : null;
        const contentAt = renderOf(shard, { set: this.font, tiles: shard.tiles }, group, content); // drawn after the reference, before its render
        items.push({
          shard,
          group,
          content,
          target,
          contentAt,
          ...(reference === null
            ? elsewhere!
            : {
                style: { shard: reference.source, group: reference.index },
                styleAt: renderOf(reference.source, { set: this.targetFont, tiles: reference.source.targetTiles }, reference.index, target),
                targetAt: { set: this.targetFont, tiles: shard.targetTiles, group, instrument: target },
              }),
        });
        if (items.length === this.options.batchSize) {
          if (served++ >= skip) yield this.#assemble(items);
          items = [];
        }
        for (let i = loaded.length - 1; i >= 0; i--) {
          // a finished shard leaves the window once no queued item still needs it
          if (loaded[i]!.remaining.length === 0 && !items.some((it) => it.shard === loaded[i] || it.style.shard === loaded[i])) {
            disposeShard(loaded[i]!);
            loaded.splice(i, 1);
          }
        }
      }
      if (items.length > 0 && this.options.keepLast && served >= skip) yield this.#assemble(items);
    } finally {
      for (const s of loaded) disposeShard(s);
      if (pending) disposeShard(await pending);
    }
  }

  /** Where an item's reference tiles are read (PairLoaderOptions.referenceTiles): the drawn one, then the groups after it in its piece. */
  #referenceTiles({ style, styleAt, target }: Item): TileAt[] {
    const groups = style.shard.tiles.shape[0]!;
    const own: TileAt = { set: this.targetFont, tiles: style.shard.targetTiles, group: 0, instrument: target };
    const render = style.shard.others.find((o) => o.set === styleAt.set);
    return [...Array(this.options.referenceTiles ?? 1).keys()].map((i) => {
      if (i === 0) return styleAt;
      const group = (style.group + i) % groups;
      const there = render?.groupOf.get(group);
      return there === undefined ? { ...own, group } : { ...styleAt, group: there };
    });
  }

  /** The other render of `shard` in `other`'s sound set, with the groups and instruments the two share mapped. */
  async #loadOther(other: OtherSet, match: Manifest['shards'][number], shard: Manifest['shards'][number]): Promise<OtherRender> {
    const { tensors } = await loadSafetensorsAsync(join(other.dir, match.file));
    const tiles = keep(tensors.get(other.set)!);
    for (const [name, t] of tensors) if (t !== tiles) t.dispose();
    const at = new Map(match.offsets.map((offset, g) => [offset, g]));
    const groupOf = new Map(shard.offsets.flatMap((offset, g) => (at.has(offset) ? [[g, at.get(offset)!] as [number, number]] : [])));
    return { set: other.set, tiles, groupOf, instrumentOf: this.instruments.map((name) => other.instruments.indexOf(name)) };
  }

  #assemble(items: Item[]): PairBatch {
    return tidy(() => {
      const tileOf = ({ tiles, group, instrument }: TileAt) => tiles.select(0, group).select(0, instrument).unsqueeze(0); // [1, nMels, tileFrames]
      const batch = (f: (it: Item) => Tensor) => stack(items.map(f), 0).to('float32'); // [B, 1, nMels, tileFrames]
      return {
        content: batch((it) => tileOf(it.contentAt)),
        target: batch((it) => tileOf(it.targetAt)),
        style: stack(items.flatMap((it) => this.#referenceTiles(it).map(tileOf)), 0).to('float32'),
        contentInstrument: items.map((it) => this.instruments[it.content]!),
        targetInstrument: items.map((it) => this.instruments[it.target]!),
        pitchRanges: items.map((it) => it.shard.pitchRanges[it.group] ?? [-1, -1]),
        source: items.map((it) => ({ file: it.shard.file, group: it.group })),
        styleSource: items.map((it) => ({ file: it.style.shard.file, group: it.style.group })),
        contentSet: items.map((it) => it.contentAt.set),
        styleSet: items.map((it) => it.styleAt.set),
        targetSet: items.map((it) => it.targetAt.set),
      };
    });
  }
}

/** One pair of a batch: the group and instruments drawn, the reference's shard and group, and where content, reference and target tiles are read. */
interface Item {
  shard: LoadedShard;
  group: number;
  content: number;
  target: number;
  style: { shard: LoadedShard; group: number };
  contentAt: TileAt;
  styleAt: TileAt;
  targetAt: TileAt;
}

function disposeShard(shard: LoadedShard): void {
  shard.tiles.dispose();
  if (shard.targetTiles !== shard.tiles) shard.targetTiles.dispose();
  for (const other of shard.others) other.tiles.dispose();
}

