/**
 * Checks on output paths, so that no command overwrites its input or writes into nowhere.
 */
import { existsSync, statSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { OutputPathError, replaceableTarget } from '../engine/files.js';

export { OutputPathError };

function canonical(path: string): string {
  return existsSync(path) ? realpathSync(path) : resolve(path);
}

/**
 * Throws OutputPathError, before any work, if `output` is a directory, one of `inputs`, in a
 * folder that does not exist, or something mst does not replace (files.ts: a device, a pipe, a
 * read-only file, a dangling link).
 */
export function checkOutputPath(output: string, inputs: readonly string[] = []): void {
  if (existsSync(output) && statSync(output).isDirectory()) {
    throw new OutputPathError(output, 'is a directory; give a file name for the output');
  }
  const target = canonical(output);
  if (inputs.some((input) => canonical(input) === target)) {
    throw new OutputPathError(output, 'is also an input; mst never overwrites its inputs, choose another output name');
  }
  const folder = dirname(resolve(output));
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new OutputPathError(output, `the folder ${folder} does not exist`);
  }
  replaceableTarget(output);
}
