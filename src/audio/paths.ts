/**
 * Checks on output paths, so that no command overwrites its input or writes into nowhere.
 */
import { existsSync, statSync, realpathSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { OutputPathError, replaceableTarget } from '../engine/files.js';

export { OutputPathError };

function canonical(path: string): string {
  return existsSync(path) ? realpathSync(path) : resolve(path);
}

/** What mst writes, by the file name endings that may name it. */
export const OUTPUT_KINDS = { wav: ['.wav', '.wave'], png: ['.png'] } as const;

/**
 * Throws OutputPathError, before any work, if `output` is a directory, one of `inputs`, in a
 * folder that does not exist, something mst does not replace (files.ts: a device, a pipe, a
 * read-only file, a dangling link), or named for another format than the `kind` written there
 * (`out.mp3` for a WAV: mst does not encode MP3, and a WAV under that name would mislead).
 */
export function checkOutputPath(output: string, inputs: readonly string[] = [], kind?: keyof typeof OUTPUT_KINDS): void {
  if (existsSync(output) && statSync(output).isDirectory()) {
    throw new OutputPathError(output, 'is a directory; give a file name for the output');
  }
  const target = canonical(output);
  if (inputs.some((input) => canonical(input) === target)) {
    throw new OutputPathError(output, 'is also an input; mst never overwrites its inputs, choose another output name');
  }
  const ending = extname(output).toLowerCase();
  if (kind && ending !== '' && !(OUTPUT_KINDS[kind] as readonly string[]).includes(ending)) {
    throw new OutputPathError(output, `mst writes ${kind.toUpperCase()} here, not ${ending.slice(1)}; name the output ${basename(output, extname(output))}${OUTPUT_KINDS[kind][0]} (convert it afterwards if you need another format)`);
  }
  const folder = dirname(resolve(output));
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new OutputPathError(output, `the folder ${folder} does not exist`);
  }
  replaceableTarget(output);
}
