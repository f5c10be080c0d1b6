#!/usr/bin/env node
// The mst command line; the commands live in dist/src/cli (built from src/cli).
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('mst: not built yet. Run scripts/setup.sh (or npm install && npm run build) first.');
  process.exit(1);
}
const { run } = await import(main.href);
await run(process.argv);
