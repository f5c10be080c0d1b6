/**
 * How mst writes files: under a temporary name beside the output, every byte checked, synced, then
 * renamed into place, so a file appears whole or not at all. The policy for an existing output:
 *
 * - a writable regular file is replaced;
 * - a symbolic link is written through: the file it points to is replaced, the link stays;
 * - a read-only file, a device, a pipe, a socket or a folder is refused, never replaced;
 * - a full disk (or a file-size limit) is an error, and the partial file is removed.
 *
 * Temporary files are named `.<name>.<pid>.tmp`; those of processes no longer running (killed
 * mid-write) are removed when the same output is written again.
 */
import { openSync, writeSync, fsyncSync, closeSync, renameSync, rmSync, lstatSync, statSync, realpathSync, readdirSync, existsSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Raised for an output path that cannot or must not be written; the message names the way out. */
export class OutputPathError extends Error {
  /** `code`: the system's error code where one caused it (ENOSPC for a full disk). */
  constructor(readonly path: string, problem: string, readonly code?: string) {
    super(`${path}: ${problem}`);
    this.name = 'OutputPathError';
  }
}

const kindOf = (stats: Stats) =>
  stats.isCharacterDevice() || stats.isBlockDevice() ? 'a device' : stats.isFIFO() ? 'a pipe' : stats.isSocket() ? 'a socket' : stats.isDirectory() ? 'a directory' : 'not a regular file';

/**
 * The file that writing `path` replaces: `path` itself, or the file a symbolic link there points
 * to. Throws OutputPathError for what must not be replaced (see the module's policy).
 */
export function replaceableTarget(path: string): string {
  let link;
  try {
    link = lstatSync(path);
  } catch {
    return path; // nothing there yet
  }
  let target = path;
  if (link.isSymbolicLink()) {
    if (!existsSync(path)) throw new OutputPathError(path, 'is a symbolic link to a file that does not exist; remove the link or give another output name');
    target = realpathSync(path);
  }
  const stats = statSync(target);
  if (!stats.isFile()) {
    const way = stats.isDirectory() ? 'give a file name for the output' : 'mst writes regular files only; give a file name';
    throw new OutputPathError(path, `is ${kindOf(stats)}, which mst never replaces; ${way}`);
  }
  if ((stats.mode & 0o222) === 0) throw new OutputPathError(path, 'is read-only, so mst leaves it as it is; make it writable (chmod u+w) or give another output name');
  return target;
}

/** The temporary name a process writes `target` under. */
export function temporaryPath(target: string, pid = process.pid): string {
  return join(dirname(target), `.${basename(target)}.${pid}.tmp`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/** Removes the temporary files of `target` left by processes that no longer run. */
export function removeStaleTemporaries(target: string): void {
  const prefix = `.${basename(target)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(target));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length, -'.tmp'.length));
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isRunning(pid)) rmSync(join(dirname(target), name), { force: true });
  }
}

/** A write error as what it means for the output (a full disk), or as it is. */
function writeError(path: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new OutputPathError(path, 'the disk is full; nothing was written. Free some space or write to another disk', code);
  if (code === 'EFBIG') return new OutputPathError(path, 'the file would exceed the largest file allowed here (ulimit -f or the file system); nothing was written. Write to another disk or raise the limit', code);
  return error as Error;
}

/** Writes all of `bytes` at `position` (or the file's current offset), however many calls it takes. */
export function writeFully(fd: number, bytes: Uint8Array, path: string, position: number | null = null): void {
  let written = 0;
  try {
    while (written < bytes.byteLength) {
      const n = writeSync(fd, bytes, written, bytes.byteLength - written, position === null ? null : position + written);
      if (n <= 0) throw Object.assign(new Error('no bytes written'), { code: 'ENOSPC' });
      written += n;
    }
  } catch (error) {
    throw writeError(path, error);
  }
}

/**
 * A file being written under its temporary name: `write` appends, `close` syncs and renames it
 * into place, `abort` removes it and leaves the output as it was.
 */
export class AtomicFile {
  readonly target: string;
  readonly temporary: string;
  #fd: number | null;

  constructor(readonly path: string) {
    this.target = replaceableTarget(path);
    removeStaleTemporaries(this.target);
    this.temporary = temporaryPath(this.target);
    this.#fd = openSync(this.temporary, 'w');
  }

  get open(): boolean {
    return this.#fd !== null;
  }

  write(bytes: Uint8Array, position: number | null = null): void {
    if (this.#fd === null) throw new Error(`${this.path}: already closed`);
    writeFully(this.#fd, bytes, this.path, position);
  }

  close(): void {
    if (this.#fd === null) return;
    const fd = this.#fd;
    this.#fd = null;
    try {
      try {
        fsyncSync(fd); // a full disk may first show here
      } finally {
        closeSync(fd);
      }
      renameSync(this.temporary, this.target);
    } catch (error) {
      rmSync(this.temporary, { force: true });
      throw writeError(this.path, error);
    }
  }

  abort(): void {
    if (this.#fd !== null) {
      try {
        closeSync(this.#fd);
      } catch {
        // already closed
      }
      this.#fd = null;
    }
    rmSync(this.temporary, { force: true });
  }
}

/** Writes `chunks` to `path` atomically, following the module's policy. */
export function writeFileAtomic(path: string, chunks: readonly Uint8Array[]): void {
  const file = new AtomicFile(path);
  try {
    for (const chunk of chunks) file.write(chunk);
    file.close();
  } catch (error) {
    file.abort();
    throw error;
  }
}
