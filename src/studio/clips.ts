/**
 * Audio that enters the studio, an upload or a bundled example, made into a clip: validated as
 * the CLI validates its inputs (probeAudio, the decoder's checks, the style reference's), cut off
 * at the studio's duration limit, and converted once to the model's rate (mono 32-bit float WAV),
 * which both the page's player and the transfer read. The upload itself is removed.
 */
import { basename } from 'node:path';
import { rmSync } from 'node:fs';
import { probeAudio, streamAudio } from '../audio/decode.js';
import { AudioError } from '../audio/errors.js';
import { WavStreamWriter } from '../audio/wav.js';
import type { AnalysisConfig } from '../audio/config.js';
import { styleTile } from '../transfer/style.js';
import type { Workspace } from './workspace.js';

/** A clip's use: the music to transfer, or a reference of the instrument to sound like. */
export type ClipRole = 'content' | 'reference';

export interface Clip {
  id: string;
  /** The name the user gave the file (for display and download names only, never a path). */
  name: string;
  role: ClipRole;
  /** Duration, s. */
  seconds: number;
  /** The converted WAV inside the workspace. */
  wav: string;
  /** What the decoder said about a readable but odd file (a WAV cut short). */
  warnings: string[];
}

/** A request the studio refuses, with the HTTP status it answers and a message for the page. */
export class StudioError extends Error {
  override name = 'StudioError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A display name from an uploaded file's name: its last path part, printable, at most 80 characters. */
export function displayName(filename: string | undefined): string {
  const name = basename((filename ?? '').replace(/\\/g, '/')).replace(/[\u0000-\u001f\u007f"]/g, '').trim();
  return (name || 'upload').slice(0, 80);
}

/**
 * Validates and converts the audio file `source` (inside the workspace) into clip `id`; the
 * caller's `source` is removed either way. Errors name the file by `name`, not by its path here.
 */
export async function importClip(workspace: Workspace, source: string, id: string, name: string, role: ClipRole, limits: { maxSeconds: number }, analysis: AnalysisConfig): Promise<Clip> {
  const wav = workspace.file(id, '.wav');
  const rate = analysis.sampleRate;
  let writer: WavStreamWriter | null = null;
  try {
    probeAudio(source);
    writer = new WavStreamWriter(wav, rate, 'float32');
    const warnings: string[] = [];
    const onWarning = (message: string) => warnings.push(`${name}${message.slice(source.length)}`);
    for await (const chunk of streamAudio(source, { sampleRate: rate, onWarning })) {
      if (writer.samples + chunk.length > limits.maxSeconds * rate) {
        throw new StudioError(413, `${name}: longer than the studio's limit of ${limits.maxSeconds} s; trim it, or start the studio with a higher --max-seconds`);
      }
      writer.write(chunk);
    }
    if (writer.samples === 0) throw new AudioError('EMPTY', source, 'holds no audio samples');
    const seconds = writer.samples / rate;
    // refused now rather than in the queue: content shorter than one analysis window, a reference too short or silent
    if (writer.samples < analysis.nFft) throw new AudioError('TOO_SHORT', source, `${(seconds * 1000).toFixed(1)} ms of audio is too short to transfer; give at least ${Math.ceil((analysis.nFft / rate) * 1000)} ms`);
    writer.close();
    if (role === 'reference') (await styleTile(wav, analysis)).dispose();
    return { id, name, role, seconds, wav, warnings };
  } catch (error) {
    writer?.abort();
    rmSync(wav, { force: true });
    if (error instanceof AudioError) throw new StudioError(400, `${name}: ${error.message.slice(error.path.length + 2)}`);
    throw error;
  } finally {
    rmSync(source, { force: true });
  }
}
