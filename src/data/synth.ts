/**
 * Running an external synthesizer (fluidsynth, timidity, stk-demo) as a child process, and the
 * error every renderer raises when one is missing or fails.
 */
import { spawn } from 'node:child_process';

/** Raised when the synthesizer or a SoundFont is missing, or the synthesizer fails. */
export class RenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RenderError';
  }
}

/** Runs a synthesizer; a missing one is a RenderError naming the Debian package (`install`) that brings it. */
export function runSynth(command: string, args: string[], install: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new RenderError(`${command} was not found; install it (Debian: apt-get install ${install}, or run scripts/setup.sh)`) : error);
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}
