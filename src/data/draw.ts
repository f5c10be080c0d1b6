/**
 * What the two data loaders (loader.ts over built shards, folder.ts over a folder of recordings)
 * draw the same way: each epoch's generator, and the style reference of an item.
 */
import { seededRandom, pick } from '../random.js';

/** The generator of an epoch: its order depends on the loader's seed and the epoch only. */
export function epochRandom(seed: number, epoch: number): () => number {
  return seededRandom(seed * 7919 + epoch);
}

/**
 * A style reference for item `index` of `source`: an item of one of `others` (sources of the same
 * instrument from other pieces or clips), drawn at random; where there are none, another item of
 * `source` itself (the same one only when it has no other).
 */
export function drawReference<S>(source: S, index: number, others: readonly S[], itemsOf: (s: S) => number, random: () => number): { source: S; index: number } {
  const from = others.length > 0 ? pick(others, random) : source;
  const items = itemsOf(from);
  let drawn = Math.floor(random() * items);
  if (from === source && items > 1 && drawn === index) drawn = (index + 1) % items;
  return { source: from, index: drawn };
}
