/**
 * Writing a SoundFont 2.01 file from recorded notes, so that FluidSynth can play a set of single
 * recordings (one or a few notes per instrument, transposed across the keyboard as every
 * SoundFont does) like any General MIDI font. The reader is soundfont.ts; the layout is the same:
 *
 *   RIFF 'sfbk'
 *     LIST 'INFO': ifil (version 2.01), isng (target engine), INAM (the font's name)
 *     LIST 'sdta': smpl (16-bit mono samples, each followed by 46 zero points)
 *     LIST 'pdta': phdr pbag pmod pgen inst ibag imod igen shdr (each table ends with a terminal record)
 *
 * One preset per program (bank 0), one instrument per preset, one zone per recording.
 */
import { writeFileAtomic } from '../engine/files.js';

/** Generator numbers of the SoundFont 2.01 specification (section 8.1.2). */
const GEN = {
  releaseVolEnv: 38, // timecents: 1200·log2(seconds)
  instrument: 41,
  keyRange: 43, // low byte the lowest key, high byte the highest
  sampleID: 53,
  sampleModes: 54, // 1: loop continuously while the key is held and through the release
} as const;

/** Zero points after each sample, as the specification asks (room for interpolation). */
const SAMPLE_GAP = 46;

export interface RecordedZone {
  /** Mono samples in [-1, 1] (clipped there when written as 16-bit). */
  samples: Float32Array;
  sampleRate: number;
  /** The MIDI key the recording plays, and the cents to add to it to reach its true pitch (−50 … 50). */
  rootKey: number;
  centsAbove: number;
  /** Loop points (sample indices, end exclusive) of a sustained recording; absent: played once. */
  loop?: { start: number; end: number };
  /** The keys this recording plays, inclusive (default: all). */
  keyRange?: [number, number];
}

export interface RecordedInstrument {
  /** General MIDI program (bank 0). */
  program: number;
  /** Up to 20 characters. */
  name: string;
  zones: RecordedZone[];
  /** Fade after the key is released, seconds. */
  releaseSeconds: number;
}

/** A fixed-length, zero-padded latin1 name field. */
function nameField(name: string, length = 20): Buffer {
  const field = Buffer.alloc(length);
  field.write(name.slice(0, length - 1), 'latin1');
  return field;
}

/** A RIFF chunk: id, little-endian size, data, and a pad byte where the size is odd. */
function chunk(id: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'latin1');
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, data, Buffer.alloc(data.length & 1)]);
}

function list(kind: string, chunks: Buffer[]): Buffer {
  return chunk('LIST', Buffer.concat([Buffer.from(kind, 'latin1'), ...chunks]));
}

/** A zero-terminated string of even length (INFO's text fields). */
function text(value: string): Buffer {
  const bytes = Buffer.from(value + '\0', 'latin1');
  return bytes.length & 1 ? Buffer.concat([bytes, Buffer.alloc(1)]) : bytes;
}

/** A generator record: its number and a signed amount. */
function gen(oper: number, amount: number): Buffer {
  const record = Buffer.alloc(4);
  record.writeUInt16LE(oper, 0);
  record.writeInt16LE(amount, 2);
  return record;
}

/** The keyRange generator: the lowest and highest key, one byte each. */
function keyRange(low: number, high: number): Buffer {
  const record = Buffer.alloc(4);
  record.writeUInt16LE(GEN.keyRange, 0);
  record.writeUInt8(low, 2);
  record.writeUInt8(high, 3);
  return record;
}

/** A bag record: where its zone's generators start (no zone here has modulators: index 0). */
function bag(genIndex: number): Buffer {
  const record = Buffer.alloc(4);
  record.writeUInt16LE(genIndex, 0);
  return record;
}

/** A header record (inst: 22 bytes, phdr: 38) named `name`, pointing at its first bag. */
function headerRecord(size: number, name: string, bagIndexAt: number, bagIndex: number): Buffer {
  const header = Buffer.alloc(size);
  nameField(name).copy(header, 0);
  header.writeUInt16LE(bagIndex, bagIndexAt);
  return header;
}

/** Ends a header table and its bag and generator tables with their terminal records. */
function closeTables(headers: Buffer[], size: number, name: string, bagIndexAt: number, bags: Buffer[], gens: Buffer[]): void {
  headers.push(headerRecord(size, name, bagIndexAt, bags.length));
  bags.push(bag(gens.length));
  gens.push(Buffer.alloc(4));
}

/** The bytes of a SoundFont 2.01 file holding `instruments`. */
export function soundFontBytes(fontName: string, instruments: readonly RecordedInstrument[]): Buffer {
  const programs = new Set<number>();
  for (const instrument of instruments) {
    if (!Number.isInteger(instrument.program) || instrument.program < 0 || instrument.program > 127) throw new RangeError(`soundfont: program ${instrument.program} of ${instrument.name} is not 0–127`);
    if (programs.has(instrument.program)) throw new RangeError(`soundfont: program ${instrument.program} is given twice`);
    programs.add(instrument.program);
    if (instrument.zones.length === 0) throw new RangeError(`soundfont: ${instrument.name} has no recording`);
  }

  const pcm: Buffer[] = [];
  const shdr: Buffer[] = [];
  let point = 0;
  const zonesOf = instruments.map((instrument) => instrument.zones.map((zone) => {
    const { samples, loop } = zone;
    if (samples.length === 0) throw new RangeError(`soundfont: a recording of ${instrument.name} is empty`);
    if (loop && !(loop.start >= 0 && loop.end <= samples.length && loop.end - loop.start >= 32)) throw new RangeError(`soundfont: the loop ${loop.start}–${loop.end} of ${instrument.name} does not lie in its ${samples.length} samples`);
    if (!(Math.abs(zone.centsAbove) <= 50)) throw new RangeError(`soundfont: a pitch correction of ${zone.centsAbove} cents (${instrument.name}) is outside ±50`);
    const data = Buffer.alloc(2 * (samples.length + SAMPLE_GAP));
    for (let i = 0; i < samples.length; i++) data.writeInt16LE(Math.round(32767 * Math.max(-1, Math.min(1, samples[i]!))), 2 * i);
    pcm.push(data);
    const header = Buffer.alloc(46);
    nameField(`${instrument.name}${shdr.length}`).copy(header, 0);
    header.writeUInt32LE(point, 20);
    header.writeUInt32LE(point + samples.length, 24);
    header.writeUInt32LE(point + (loop?.start ?? 0), 28);
    header.writeUInt32LE(point + (loop?.end ?? samples.length), 32);
    header.writeUInt32LE(zone.sampleRate, 36);
    header.writeUInt8(zone.rootKey, 40);
    header.writeInt8(-Math.round(zone.centsAbove), 41); // the correction to apply: down by what it is sharp
    header.writeUInt16LE(0, 42);
    header.writeUInt16LE(1, 44); // monoSample
    point += samples.length + SAMPLE_GAP;
    shdr.push(header);
    return { index: shdr.length - 1, zone };
  }));
  const eos = Buffer.alloc(46);
  nameField('EOS').copy(eos, 0);
  shdr.push(eos);

  // instruments: one zone per recording (keyRange first, sampleID last, as the specification orders)
  const inst: Buffer[] = [];
  const ibag: Buffer[] = [];
  const igen: Buffer[] = [];
  instruments.forEach((instrument, i) => {
    inst.push(headerRecord(22, instrument.name, 20, ibag.length));
    const release = Math.round(1200 * Math.log2(Math.max(0.001, instrument.releaseSeconds)));
    for (const { index, zone } of zonesOf[i]!) {
      ibag.push(bag(igen.length));
      if (zone.keyRange) igen.push(keyRange(zone.keyRange[0], zone.keyRange[1]));
      igen.push(gen(GEN.releaseVolEnv, release));
      if (zone.loop) igen.push(gen(GEN.sampleModes, 1));
      igen.push(gen(GEN.sampleID, index));
    }
  });
  closeTables(inst, 22, 'EOI', 20, ibag, igen);

  // presets: one per program, one zone naming its instrument
  const phdr: Buffer[] = [];
  const pbag: Buffer[] = [];
  const pgen: Buffer[] = [];
  instruments.forEach((instrument, i) => {
    const header = headerRecord(38, instrument.name, 24, pbag.length);
    header.writeUInt16LE(instrument.program, 20); // bank 0
    phdr.push(header);
    pbag.push(bag(pgen.length));
    pgen.push(gen(GEN.instrument, i));
  });
  closeTables(phdr, 38, 'EOP', 24, pbag, pgen);

  const version = Buffer.alloc(4);
  version.writeUInt16LE(2, 0);
  version.writeUInt16LE(1, 2);
  const body = Buffer.concat([
    Buffer.from('sfbk', 'latin1'),
    list('INFO', [chunk('ifil', version), chunk('isng', text('EMU8000')), chunk('INAM', text(fontName))]),
    list('sdta', [chunk('smpl', Buffer.concat(pcm))]),
    list('pdta', [
      chunk('phdr', Buffer.concat(phdr)), chunk('pbag', Buffer.concat(pbag)), chunk('pmod', Buffer.alloc(10)), chunk('pgen', Buffer.concat(pgen)),
      chunk('inst', Buffer.concat(inst)), chunk('ibag', Buffer.concat(ibag)), chunk('imod', Buffer.alloc(10)), chunk('igen', Buffer.concat(igen)),
      chunk('shdr', Buffer.concat(shdr)),
    ]),
  ]);
  return chunk('RIFF', body);
}

/** Writes the font atomically to `path`. */
export function writeSoundFont(path: string, fontName: string, instruments: readonly RecordedInstrument[]): void {
  writeFileAtomic(path, [soundFontBytes(fontName, instruments)]);
}
