#!/usr/bin/env bash
# Checks mst as a package: `npm pack` of this folder, installed into an empty folder (which builds
# the native addon against the libtorch found here, as any install does), then a program there
# imports 'mst' and transfers one of the bundled model's own clips. CI runs it after the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball=$(npm pack --silent --pack-destination "$work" | tail -1)
echo "pack-check: $tarball ($(du -h "$work/$tarball" | cut -f1)), installing into an empty folder" >&2
mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "$work/$tarball" >&2
cat > check.mjs <<'JS'
import { loadModel, transfer } from 'mst';
import { statSync } from 'node:fs';
const model = loadModel();
const clip = model.presets.find((p) => p.name === 'piano').file;
const result = await transfer(model, clip, 'piano-as-violin.wav', { style: 'violin' });
model.dispose();
const bytes = statSync('piano-as-violin.wav').size;
if (!(result.seconds > 1 && bytes > 44 + 2 * 16000 * result.seconds * 0.99)) throw new Error(`pack-check: a short output (${JSON.stringify(result)}, ${bytes} bytes)`);
console.log(`pack-check: the installed package transferred ${result.seconds.toFixed(2)} s of the bundled piano clip in ${result.wallSeconds.toFixed(2)} s`);
JS
node check.mjs
# the installed command serves the studio's page and its player script from the package
./node_modules/.bin/mst studio --port 0 > studio.log 2>&1 &
studio=$!
for _ in $(seq 1 60); do grep -q '^mst studio: http' studio.log && break; sleep 0.5; done
url=$(sed -n 's/^mst studio: \(http[^ ]*\).*/\1/p' studio.log)
[ -n "$url" ] || { cat studio.log >&2; kill "$studio"; echo "pack-check: the studio did not start" >&2; exit 1; }
node -e '
const url = process.argv[1];
const page = await (await fetch(url)).text();
const player = await fetch(url + "vendor/wavesurfer.esm.js");
const health = await (await fetch(url + "api/health")).json();
if (!page.includes("<title>mst studio</title>") || !player.ok || health.ok !== true) throw new Error("the installed studio did not serve its page");
' --input-type=module "$url" || { kill "$studio"; echo "pack-check: the installed studio did not serve its page" >&2; exit 1; }
kill "$studio"
echo "pack-check: the installed studio served its page at $url"
