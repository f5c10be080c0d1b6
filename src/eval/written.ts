/**
 * The notes actually written for a dataset tile: the shard names its piece, transposition and
 * the tile's offset, so the score is found again (the same discovery as the build) and cut to
 * the tile. A transcription of a rendering can then be scored against the notes themselves,
 * not only against another transcription.
 */
import { piecesOf, type Manifest } from '../data/build.js';
import type { Piece } from '../data/sources.js';
import { transpose, notesOf, type Note } from '../data/midi.js';
import { tileSeconds } from '../audio/config.js';
import type { TimedNote } from './content.js';

export class WrittenNotes {
  #notes = new Map<string, Note[]>(); // by piece and transposition
  readonly #byFile: Map<string, Manifest['shards'][number]>;
  #pieces: Map<string, Piece> | null = null;

  constructor(readonly manifest: Manifest) {
    this.#byFile = new Map(manifest.shards.map((s) => [s.file, s]));
  }

  /**
   * Notes sounding in tile `group` of shard `file`, times in seconds from the tile's start (a note
   * begun before the tile starts at a negative time); null when the piece cannot be found here.
   */
  ofTile(file: string, group: number): TimedNote[] | null {
    const shard = this.#byFile.get(file);
    if (!shard) return null;
    const key = `${shard.piece}~${shard.transposition}`;
    if (!this.#notes.has(key)) {
      this.#pieces ??= new Map(piecesOf(this.manifest.config).map((p) => [p.id, p]));
      const piece = this.#pieces.get(shard.piece);
      if (!piece) return null;
      this.#notes.set(key, notesOf(transpose(piece.score, shard.transposition)));
    }
    const begin = shard.offsets[group]!;
    const end = begin + tileSeconds(this.manifest.config.analysis);
    return this.#notes.get(key)!.filter((n) => n.start < end && n.end > begin).map((n) => ({ start: n.start - begin, end: n.end - begin, pitch: n.pitch }));
  }
}
