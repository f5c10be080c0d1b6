/**
 * Running an external synthesizer (fluidsynth, timidity, stk-demo, eas-render) as a child
 * process in a scratch folder, the error every renderer raises when one is missing or fails, and
 * the clean-up of both when the program is stopped by a signal mid-render.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The synthesizers running now and the scratch folders of the renders in flight: what abortRenders cleans up. */
const running = new Set<ChildProcess>();
const scratchFolders = new Set<string>();

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
    running.add(child);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (error: NodeJS.ErrnoException) => {
      running.delete(child);
      reject(error.code === 'ENOENT' ? new RenderError(`${command} was not found; install it (Debian: apt-get install ${install}, or run scripts/setup.sh)`) : error);
    });
    child.on('close', (code) => {
      running.delete(child);
      resolve({ code, stderr });
    });
  });
}

/** Runs `work` in a fresh folder under the system's temporary folder (`mst-<name>-…`), removed when it ends or by abortRenders. */
export async function inRenderFolder<T>(name: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `mst-${name}-`));
  scratchFolders.add(dir);
  try {
    return await work(dir);
  } finally {
    scratchFolders.delete(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Kills the synthesizers still running and removes the scratch folders of the renders in flight,
 * for a program about to exit on a signal (whose pending `finally` blocks never run): without it
 * they would render on to the end and leave their folders behind.
 */
export function abortRenders(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
  for (const dir of scratchFolders) rmSync(dir, { recursive: true, force: true });
  scratchFolders.clear();
}
