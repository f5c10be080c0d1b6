/**
 * The package's own folder (the one holding package.json above this file), where the native
 * engine, the shipped models and the bundled sources are found, however mst was installed.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`mst: cannot find the package root (package.json) above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}
