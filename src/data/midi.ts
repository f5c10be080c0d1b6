/**
 * MIDI scores for rendering: parse Standard MIDI Files (midi-file) and write them back, and the rewrites
 * that make one piece playable by any instrument with the same notes — one General MIDI program
 * forced on every melodic channel, drums (channel 10) dropped, bank selects and effect sends
 * removed — plus transposition and the statistics the manifest records.
 *
 * Times are kept in absolute ticks while rewriting and turned back into delta times on writing.
 */
import { parseMidi, type MidiData, type MidiEvent } from 'midi-file';

/** Raised for a file that is not a readable MIDI file, with the path and what is wrong. */
export class MidiError extends Error {
  constructor(readonly path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = 'MidiError';
  }
}

type Timed = MidiEvent & { tick: number };

export interface Score {
  format: 0 | 1 | 2;
  ticksPerBeat: number;
  /** Events of each track with absolute times; each track ends with endOfTrack. */
  tracks: Timed[][];
}

/** General MIDI channel 10 (index 9) is percussion. */
export const DRUM_CHANNEL = 9;
const BANK_SELECT = new Set([0, 32]);
const EFFECT_SENDS = new Set([91, 93]); // reverb and chorus send levels

/** Parses SMF bytes. Errors: MidiError for empty, corrupt or tempo-less (SMPTE) files. */
export function parseScore(bytes: Uint8Array, path = 'MIDI data'): Score {
  if (bytes.length === 0) throw new MidiError(path, 'the file is empty');
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  const headerLength = bytes.length >= 8 ? ((bytes[4]! << 24) | (bytes[5]! << 16) | (bytes[6]! << 8) | bytes[7]!) >>> 0 : 0;
  if (bytes.length < 8 + headerLength + 8 || ascii(0, 4) !== 'MThd' || headerLength < 6 || ascii(8 + headerLength, 12 + headerLength) !== 'MTrk') {
    throw new MidiError(path, 'not a readable MIDI file (no MThd header followed by an MTrk track)');
  }
  let data: MidiData;
  try {
    data = parseMidi(bytes);
  } catch (error) {
    throw new MidiError(path, `not a readable MIDI file (${(error as Error).message})`);
  }
  const ticksPerBeat = data.header.ticksPerBeat;
  if (!ticksPerBeat) throw new MidiError(path, 'SMPTE time division is not supported');
  const tracks = data.tracks.map((track) => {
    let tick = 0;
    return track.map((event) => {
      tick += event.deltaTime;
      return { ...event, tick } as Timed;
    });
  });
  return { format: data.header.format as 0 | 1 | 2, ticksPerBeat, tracks };
}

/** Status nibbles of the channel events and the data bytes each carries. */
const CHANNEL_EVENTS: Record<string, { status: number; data: (e: Record<string, number>) => number[] }> = {
  noteOff: { status: 0x80, data: (e) => [e.noteNumber!, e.velocity!] },
  noteOn: { status: 0x90, data: (e) => [e.noteNumber!, e.velocity!] },
  noteAftertouch: { status: 0xa0, data: (e) => [e.noteNumber!, e.amount!] },
  controller: { status: 0xb0, data: (e) => [e.controllerType!, e.value!] },
  programChange: { status: 0xc0, data: (e) => [e.programNumber!] },
  channelAftertouch: { status: 0xd0, data: (e) => [e.amount!] },
  pitchBend: { status: 0xe0, data: (e) => [(e.value! + 8192) & 0x7f, ((e.value! + 8192) >> 7) & 0x7f] },
};

function varInt(n: number): number[] {
  const out = [n & 0x7f];
  for (n >>>= 7; n > 0; n >>>= 7) out.unshift((n & 0x7f) | 0x80);
  return out;
}

/**
 * Writes a score as a Standard MIDI File with the events that make sound: channel events,
 * tempo changes and track ends (other meta events and system exclusives are left out — a GM
 * render wants no device-specific setup). Written here because midi-file's writer appends every
 * byte with Array.concat, quadratic in the number of events.
 */
export function scoreToBytes(score: Score): Uint8Array {
  const chunks: number[] = [];
  const u32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  chunks.push(...[0x4d, 0x54, 0x68, 0x64], ...u32(6), 0, score.format === 0 && score.tracks.length > 1 ? 1 : score.format, 0, score.tracks.length, (score.ticksPerBeat >> 8) & 0xff, score.ticksPerBeat & 0xff);
  for (const track of score.tracks) {
    const bytes: number[] = [];
    let last = 0;
    const sorted = [...track].sort((a, b) => a.tick - b.tick);
    const end = sorted.reduce((m, e) => Math.max(m, e.tick), 0);
    for (const e of sorted) {
      const event = e as unknown as Record<string, number> & { type: string; tick: number; channel: number };
      let body: number[] | null = null;
      const channelEvent = CHANNEL_EVENTS[event.type];
      if (channelEvent) body = [channelEvent.status | event.channel, ...channelEvent.data(event)];
      else if (event.type === 'setTempo') body = [0xff, 0x51, 0x03, (event.microsecondsPerBeat! >> 16) & 0xff, (event.microsecondsPerBeat! >> 8) & 0xff, event.microsecondsPerBeat! & 0xff];
      else if (event.type === 'endOfTrack') continue; // written once, last
      if (body === null) continue;
      for (const b of varInt(event.tick - last)) bytes.push(b);
      for (const b of body) bytes.push(b);
      last = event.tick;
    }
    for (const b of [...varInt(end - last), 0xff, 0x2f, 0x00]) bytes.push(b);
    chunks.push(0x4d, 0x54, 0x72, 0x6b, ...u32(bytes.length));
    for (const b of bytes) chunks.push(b);
  }
  return Uint8Array.from(chunks);
}

const isChannelEvent = (e: Timed): e is Timed & { channel: number } => 'channel' in e && e.type !== 'channelPrefix';

/**
 * The same notes for one instrument: drums removed, every program change, bank select and
 * reverb/chorus send removed, and `program` (GM 0–127) set at tick 0 on every channel that plays.
 */
export function forInstrument(score: Score, program: number): Score {
  if (!Number.isInteger(program) || program < 0 || program > 127) throw new RangeError(`forInstrument: Expected a GM program in [0, 127] but received ${program}`);
  const channels = new Set<number>();
  const tracks = score.tracks.map((track) =>
    track.filter((e) => {
      if (!isChannelEvent(e)) return true;
      if (e.channel === DRUM_CHANNEL) return false;
      if (e.type === 'programChange') return false;
      if (e.type === 'controller') {
        const c = (e as { controllerType: number }).controllerType;
        if (BANK_SELECT.has(c) || EFFECT_SENDS.has(c)) return false;
      }
      if (e.type === 'noteOn') channels.add(e.channel);
      return true;
    }),
  );
  const programs: Timed[] = [...channels].sort((a, b) => a - b).map((channel) => ({ type: 'programChange', channel, programNumber: program, deltaTime: 0, tick: 0 }) as Timed);
  tracks[0] = [...programs, ...(tracks[0] ?? [])];
  return { ...score, tracks };
}

/** The melodic channels that play notes, with their note counts, most notes at once and median MIDI pitch. */
export function channelsOf(score: Score): { channel: number; notes: number; maxPolyphony: number; medianPitch: number }[] {
  const byChannel = new Map<number, Note[]>();
  for (const note of notesOf(score)) byChannel.set(note.channel, [...(byChannel.get(note.channel) ?? []), note]);
  return [...byChannel]
    .map(([channel, notes]) => {
      const pitches = notes.map((n) => n.pitch).sort((a, b) => a - b);
      return { channel, notes: notes.length, maxPolyphony: polyphony(notes), medianPitch: pitches[pitches.length >> 1]! };
    })
    .sort((a, b) => a.channel - b.channel);
}

/** Keeps the channel events of `channels` only (meta events stay). */
export function onlyChannels(score: Score, channels: ReadonlySet<number>): Score {
  return { ...score, tracks: score.tracks.map((track) => track.filter((e) => !isChannelEvent(e) || channels.has(e.channel))) };
}

/** Shifts every note by `semitones`, dropping notes that leave 0–127. Drums are not shifted. */
export function transpose(score: Score, semitones: number): Score {
  if (semitones === 0) return score;
  const tracks = score.tracks.map((track) =>
    track.flatMap((e) => {
      if ((e.type === 'noteOn' || e.type === 'noteOff' || e.type === 'noteAftertouch') && (e as { channel: number }).channel !== DRUM_CHANNEL) {
        const n = (e as { noteNumber: number }).noteNumber + semitones;
        return n < 0 || n > 127 ? [] : [{ ...e, noteNumber: n } as Timed];
      }
      return [e];
    }),
  );
  return { ...score, tracks };
}

/** Tick → seconds through the score's tempo map (default 120 bpm). */
export function tempoMap(score: Score): (tick: number) => number {
  const changes = score.tracks
    .flat()
    .filter((e) => e.type === 'setTempo')
    .map((e) => ({ tick: e.tick, usPerBeat: (e as { microsecondsPerBeat: number }).microsecondsPerBeat }))
    .sort((a, b) => a.tick - b.tick);
  const segments: { tick: number; seconds: number; usPerBeat: number }[] = [{ tick: 0, seconds: 0, usPerBeat: 500000 }];
  for (const change of changes) {
    const last = segments[segments.length - 1]!;
    const seconds = last.seconds + ((change.tick - last.tick) * last.usPerBeat) / 1e6 / score.ticksPerBeat;
    if (change.tick === last.tick) segments[segments.length - 1] = { ...last, usPerBeat: change.usPerBeat };
    else segments.push({ tick: change.tick, seconds, usPerBeat: change.usPerBeat });
  }
  return (tick: number) => {
    let s = segments[0]!;
    for (const segment of segments) if (segment.tick <= tick) s = segment;
    return s.seconds + ((tick - s.tick) * s.usPerBeat) / 1e6 / score.ticksPerBeat;
  };
}

export interface Note {
  /** Onset and release, seconds. */
  start: number;
  end: number;
  pitch: number;
  velocity: number;
  channel: number;
}

/** The notes of the melodic channels, sorted by onset. */
export function notesOf(score: Score): Note[] {
  const seconds = tempoMap(score);
  const open = new Map<string, { tick: number; velocity: number }[]>();
  const notes: Note[] = [];
  for (const event of score.tracks.flat().sort((a, b) => a.tick - b.tick)) {
    if (event.type !== 'noteOn' && event.type !== 'noteOff') continue;
    const e = event as Timed & { channel: number; noteNumber: number; velocity: number };
    if (e.channel === DRUM_CHANNEL) continue;
    const key = `${e.channel}:${e.noteNumber}`;
    if (e.type === 'noteOn' && e.velocity > 0) {
      open.set(key, [...(open.get(key) ?? []), { tick: e.tick, velocity: e.velocity }]);
    } else {
      const started = open.get(key)?.shift();
      if (started) notes.push({ start: seconds(started.tick), end: seconds(e.tick), pitch: e.noteNumber, velocity: started.velocity, channel: e.channel });
    }
  }
  return notes.sort((a, b) => a.start - b.start || a.pitch - b.pitch);
}

export interface ScoreStats {
  /** Time of the last note's release, seconds. */
  seconds: number;
  notes: number;
  lowest: number;
  highest: number;
  /** Most notes sounding at once. */
  maxPolyphony: number;
}

/** Most notes sounding at once (a release at the same instant as an onset does not overlap it). */
function polyphony(notes: readonly Note[]): number {
  const edges = notes.flatMap((n) => [{ t: n.start, d: 1 }, { t: n.end, d: -1 }]).sort((a, b) => a.t - b.t || a.d - b.d);
  let sounding = 0;
  let most = 0;
  for (const edge of edges) most = Math.max(most, (sounding += edge.d));
  return most;
}

export function scoreStats(score: Score): ScoreStats {
  const notes = notesOf(score);
  return {
    seconds: notes.reduce((m, n) => Math.max(m, n.end), 0),
    notes: notes.length,
    lowest: notes.reduce((m, n) => Math.min(m, n.pitch), 127),
    highest: notes.reduce((m, n) => Math.max(m, n.pitch), 0),
    maxPolyphony: polyphony(notes),
  };
}

/** Drops notes that start after `seconds` (notes already sounding keep their release). */
export function cutScore(score: Score, seconds: number): Score {
  const time = tempoMap(score);
  return {
    ...score,
    tracks: score.tracks.map((track) => track.filter((e) => !(e.type === 'noteOn' && time(e.tick) > seconds))),
  };
}

/** Ticks per second of the fixed tempo that `retime` uses: 480 per beat at 120 bpm. */
export const FIXED_TICKS_PER_SECOND = 960;

/**
 * The same score at a fixed tempo (120 bpm, 480 ticks per beat): every event moves to the tick
 * of its time in seconds, and tempo changes disappear — so that copies can be laid end to end at
 * offsets that are exact in seconds.
 */
export function retime(score: Score): Score {
  const seconds = tempoMap(score);
  const tracks = score.tracks.map((track) =>
    track.filter((e) => e.type !== 'setTempo').map((e) => ({ ...e, tick: Math.round(seconds(e.tick) * FIXED_TICKS_PER_SECOND) }) as Timed),
  );
  tracks[0] = [{ type: 'setTempo', microsecondsPerBeat: 500000, deltaTime: 0, tick: 0 } as Timed, ...(tracks[0] ?? [])];
  return { format: 1, ticksPerBeat: 480, tracks };
}

/**
 * Lays scores end to end, score i starting at i·`periodSeconds`, each preceded by a reset of all
 * controllers on its channels. All must be retimed (fixed tempo) first.
 */
export function concatenate(scores: readonly Score[], periodSeconds: number): Score {
  const period = Math.round(periodSeconds * FIXED_TICKS_PER_SECOND);
  const tracks: Timed[][] = [];
  scores.forEach((score, i) => {
    const offset = i * period;
    const channels = new Set(score.tracks.flat().filter(isChannelEvent).map((e) => e.channel));
    const resets = [...channels].map((channel) => ({ type: 'controller', channel, controllerType: 121, value: 0, deltaTime: 0, tick: offset }) as Timed);
    score.tracks.forEach((track, t) => {
      const shifted = track.filter((e) => e.type !== 'endOfTrack' && (i === 0 || e.type !== 'setTempo')).map((e) => ({ ...e, tick: e.tick + offset }) as Timed);
      tracks[t] = [...(tracks[t] ?? []), ...(t === 0 ? resets : []), ...shifted];
    });
  });
  const end = scores.length * period;
  return {
    format: 1,
    ticksPerBeat: 480,
    tracks: tracks.map((track) => [...track.sort((a, b) => a.tick - b.tick), { type: 'endOfTrack', deltaTime: 0, tick: end } as Timed]),
  };
}
