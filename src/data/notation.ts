/**
 * Music written in other notations, turned into MIDI by the programs that read them: ABC tunes
 * by `abc2midi` (Debian abcmidi), MuseScore scores by `mscore3` (musescore3) and MMA chord charts
 * by `mma`. Each program runs on a copy of its input in a fresh temporary folder (abc2midi writes
 * beside its input), with a time limit; the same input gives the same bytes.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';

/** One MIDI file made from a piece of notation. */
export interface ConvertedMidi {
  /** Short name of the piece, unique within its source. */
  name: string;
  bytes: Uint8Array;
  /** Where the notation came from (file, or file and tune number). */
  path: string;
}

/** A converter program that is not installed: names the package that brings it. */
export class ConverterMissingError extends Error {
  constructor(readonly program: string, readonly debianPackage: string) {
    super(`${program} is not installed (apt-get install ${debianPackage}, or run scripts/setup.sh)`);
    this.name = 'ConverterMissingError';
  }
}

const PROGRAMS = { abc2midi: 'abcmidi', mscore3: 'musescore3', mma: 'mma' } as const;
type Program = keyof typeof PROGRAMS;

/** Runs `program` in a fresh folder; `work(dir, run)` copies inputs there and collects outputs. */
function inScratchFolder<T>(program: Program, work: (dir: string, run: (args: string[]) => void) => T): T {
  const dir = mkdtempSync(join(tmpdir(), `mst-${program}-`));
  const run = (args: string[]) => {
    try {
      execFileSync(program, args, {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 120_000,
        env: { ...process.env, QT_QPA_PLATFORM: 'offscreen' }, // mscore3 without a display
      });
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { stderr?: Buffer; stdout?: Buffer };
      if (e.code === 'ENOENT') throw new ConverterMissingError(program, PROGRAMS[program]);
      const said = `${e.stderr?.toString() ?? ''}${e.stdout?.toString() ?? ''}`.trim().split('\n').slice(-2).join(' ');
      throw new Error(`${program} ${args.join(' ')} failed: ${said || e.message}`);
    }
  };
  try {
    return work(dir, run);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The reference numbers (X: fields) of the tunes in an ABC file, in order. */
export function abcTuneNumbers(text: string): number[] {
  return [...text.matchAll(/^X:\s*(\d+)/gm)].map((m) => Number(m[1]));
}

/**
 * Every tune of an ABC file as MIDI, named `<file>-<X>`. Guitar-chord symbols are not played
 * (`-NGUI`): they are accompaniment hints, and abc2midi's rendering of them is mechanical.
 */
export function abcToMidi(file: string): ConvertedMidi[] {
  const numbers = abcTuneNumbers(readFileSync(file, 'latin1'));
  const base = basename(file, extname(file));
  return inScratchFolder('abc2midi', (dir, run) => {
    copyFileSync(file, join(dir, 'tunes.abc'));
    return numbers.map((x) => {
      run(['tunes.abc', String(x), '-o', 'tune.mid', '-quiet', '-silent', '-NGUI']);
      const bytes = readFileSync(join(dir, 'tune.mid'));
      rmSync(join(dir, 'tune.mid'));
      return { name: `${base}-${x}`, bytes, path: `${file}#X:${x}` };
    });
  });
}

/** A MuseScore score (.mscx or .mscz) as MIDI, played as MuseScore plays it. */
export function musescoreToMidi(file: string): ConvertedMidi {
  return inScratchFolder('mscore3', (dir, run) => {
    const input = join(dir, `score${extname(file)}`);
    copyFileSync(file, input);
    run(['-o', 'score.mid', input]);
    if (!existsSync(join(dir, 'score.mid'))) throw new Error(`mscore3 wrote no MIDI for ${file}`);
    return { name: basename(file, extname(file)), bytes: readFileSync(join(dir, 'score.mid')), path: file };
  });
}

/** An MMA chord chart (the text of a .mma file) as MIDI. */
export function mmaToMidi(chart: string, name: string, path: string): ConvertedMidi {
  return inScratchFolder('mma', (dir, run) => {
    writeFileSync(join(dir, 'chart.mma'), chart);
    run(['-f', 'chart.mid', 'chart.mma']);
    return { name, bytes: readFileSync(join(dir, 'chart.mid')), path };
  });
}
