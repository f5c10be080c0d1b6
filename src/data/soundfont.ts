/**
 * Reading a SoundFont 2 file far enough to know which samples each General MIDI program plays,
 * so that two fonts can be compared sample for sample: a "different" font that plays another
 * font's recordings teaches a judge nothing new about that instrument.
 *
 * SoundFont 2.01 layout (RIFF 'sfbk'): LIST 'sdta' holds 'smpl', 16-bit mono sample data; LIST
 * 'pdta' holds the preset table — phdr (38-byte records) → pbag (4) → pgen (4; generator 41 names
 * an instrument) → inst (22) → ibag (4) → igen (4; generator 53 names a sample) → shdr (46: name,
 * start and end in sample points). Each table ends with a terminal record.
 */
import { createHash } from 'node:crypto';
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';

const GEN_INSTRUMENT = 41;
const GEN_SAMPLE_ID = 53;

export class SoundFontError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SoundFontError';
  }
}

/** Offsets and sizes of a RIFF file's chunks, by four-character id, inside its LISTs too. */
interface Chunk {
  offset: number;
  size: number;
}

function readChunks(fd: number, size: number, path: string): Map<string, Chunk> {
  const header = Buffer.alloc(12);
  readSync(fd, header, 0, 12, 0);
  if (header.toString('latin1', 0, 4) !== 'RIFF' || header.toString('latin1', 8, 12) !== 'sfbk') throw new SoundFontError(`${path} is not a SoundFont 2 file (no RIFF sfbk header)`);
  const chunks = new Map<string, Chunk>();
  const walk = (start: number, end: number) => {
    const head = Buffer.alloc(12);
    for (let at = start; at + 8 <= end;) {
      readSync(fd, head, 0, 12, at);
      const id = head.toString('latin1', 0, 4);
      const length = head.readUInt32LE(4);
      if (id === 'LIST') walk(at + 12, Math.min(end, at + 8 + length));
      else chunks.set(id, { offset: at + 8, size: length });
      at += 8 + length + (length & 1);
    }
  };
  walk(12, size);
  return chunks;
}

/** For each (bank 0) program present, the SHA-1 of every sample it can play. */
export interface SoundFontSamples {
  path: string;
  programs: Map<number, Set<string>>;
}

export function readSoundFontSamples(path: string): SoundFontSamples {
  const fd = openSync(path, 'r');
  try {
    const chunks = readChunks(fd, fstatSync(fd).size, path);
    const read = (id: string): Buffer => {
      const chunk = chunks.get(id);
      if (!chunk) throw new SoundFontError(`${path}: no '${id}' chunk; the file is damaged or not a SoundFont 2`);
      const buffer = Buffer.alloc(chunk.size);
      readSync(fd, buffer, 0, chunk.size, chunk.offset);
      return buffer;
    };
    const [phdr, pbag, pgen, inst, ibag, igen, shdr] = ['phdr', 'pbag', 'pgen', 'inst', 'ibag', 'igen', 'shdr'].map(read) as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer];
    const smpl = chunks.get('smpl');
    if (!smpl) throw new SoundFontError(`${path}: no 'smpl' chunk (a compressed .sf3 font is not read here)`);

    /** Generator amounts of `oper` in the bags [first, last) of a bag table over a generator table. */
    const amounts = (bags: Buffer, gens: Buffer, first: number, last: number, oper: number): number[] => {
      const out: number[] = [];
      for (let b = first; b < last; b++) {
        const [from, to] = [bags.readUInt16LE(4 * b), bags.readUInt16LE(4 * (b + 1))];
        for (let g = from; g < to; g++) if (gens.readUInt16LE(4 * g) === oper) out.push(gens.readUInt16LE(4 * g + 2));
      }
      return out;
    };
    const sampleHash = new Map<number, string>();
    const hashOf = (sample: number): string => {
      let hash = sampleHash.get(sample);
      if (hash === undefined) {
        const [start, end] = [shdr.readUInt32LE(46 * sample + 20), shdr.readUInt32LE(46 * sample + 24)];
        const bytes = Buffer.alloc(Math.max(0, end - start) * 2);
        readSync(fd, bytes, 0, bytes.length, smpl.offset + 2 * start);
        hash = createHash('sha1').update(bytes).digest('hex');
        sampleHash.set(sample, hash);
      }
      return hash;
    };
    const programs = new Map<number, Set<string>>();
    const presets = phdr.length / 38 - 1; // the last record is the terminal one
    for (let p = 0; p < presets; p++) {
      const [program, bank] = [phdr.readUInt16LE(38 * p + 20), phdr.readUInt16LE(38 * p + 22)];
      if (bank !== 0 || programs.has(program)) continue;
      const samples = new Set<string>();
      for (const instrument of amounts(pbag, pgen, phdr.readUInt16LE(38 * p + 24), phdr.readUInt16LE(38 * (p + 1) + 24), GEN_INSTRUMENT)) {
        const [first, last] = [inst.readUInt16LE(22 * instrument + 20), inst.readUInt16LE(22 * (instrument + 1) + 20)];
        for (const sample of amounts(ibag, igen, first, last, GEN_SAMPLE_ID)) samples.add(hashOf(sample));
      }
      programs.set(program, samples);
    }
    return { path, programs };
  } finally {
    closeSync(fd);
  }
}

/**
 * The share of `program`'s samples in font `a` that font `b` also holds, under any program
 * (0: its own recordings; 1: all borrowed); NaN where `a` lacks the program.
 */
export function sharedSampleShare(a: SoundFontSamples, b: SoundFontSamples, program: number): number {
  const mine = a.programs.get(program);
  if (!mine || mine.size === 0) return NaN;
  const theirs = new Set([...b.programs.values()].flatMap((s) => [...s]));
  return [...mine].filter((h) => theirs.has(h)).length / mine.size;
}
