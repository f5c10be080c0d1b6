/**
 * The studio's working folder: every file a request makes (uploads, converted clips, outputs,
 * spectrograms) lives here, under a name the studio chose. Requests name things by id only (16
 * hex digits, checked before any lookup), so no request can reach a path outside this folder.
 * The folder is removed when the studio closes, and when the process exits by any road.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ID = /^[0-9a-f]{16}$/;

/** Whether `id` has the shape of a studio id (anything else is refused before a lookup). */
export function isStudioId(id: unknown): id is string {
  return typeof id === 'string' && ID.test(id);
}

export class Workspace {
  readonly folder: string;
  #removed = false;
  readonly #onExit = () => this.remove();

  /** Makes a fresh folder under `parent` (default: the system's temporary folder). */
  constructor(parent: string = tmpdir()) {
    this.folder = mkdtempSync(join(parent, 'mst-studio-'));
    process.once('exit', this.#onExit);
  }

  /** A new id: 64 random bits as 16 hex digits. */
  newId(): string {
    return randomBytes(8).toString('hex');
  }

  /** The path of the studio's file `<id><suffix>` (suffix like '.wav' or '-out.wav'); ids only. */
  file(id: string, suffix: string): string {
    if (!isStudioId(id)) throw new Error(`studio: not a studio id: ${JSON.stringify(id)}`);
    return join(this.folder, `${id}${suffix}`);
  }

  /** Removes the folder and everything in it (again: nothing). */
  remove(): void {
    if (this.#removed) return;
    this.#removed = true;
    process.removeListener('exit', this.#onExit);
    rmSync(this.folder, { recursive: true, force: true });
  }
}
