#!/usr/bin/env bash
# Builds the engine against a CUDA-enabled pip torch and checks it on a GPU machine that has
# Python with torch, compilers and a GPU but no Node.js and no network.
#
#   scripts/gpu-check.sh --pack      here: puts Node, npm, Node's headers and node-addon-api in
#                                    .devcarry/ (git-ignored) and builds dist/
#   scripts/gpu-check.sh [OUT_DIR]   there, in a copy of the repository holding .devcarry/ and
#                                    dist/: builds native/ against that torch
#                                    (MST_LIBTORCH = torch's package folder), runs the engine's
#                                    tests (the CUDA ones included) and the engine-vs-PyTorch
#                                    benchmark on the GPU; logs go to OUT_DIR (default ./gpu-check).
#   scripts/gpu-check.sh OUT_DIR train   the same build, then the model's tests, `mst train all`
#                                    on data/small (carry it too) with --device=cuda, and the
#                                    training-phase benchmarks on the GPU, at float32 and at the
#                                    precision mst train chooses there.
set -euo pipefail
cd "$(dirname "$0")/.."
carry=.devcarry

if [[ "${1:-}" == --pack ]]; then
  mkdir -p "$carry"
  xz -T0 -6 -c "$(command -v node)" >"$carry/node.xz"
  npm_root=$(dirname "$(readlink -f "$(command -v npm)")") # …/npm/bin
  tar cJf "$carry/npm.tar.xz" -C "$(dirname "$(dirname "$npm_root")")" npm
  tar cJf "$carry/nodeinc.tar.xz" -C /usr include/node
  rm -rf "$carry/node-addon-api" && cp -r node_modules/node-addon-api "$carry/"
  # the packages `mst train` needs at run time (the whole CLI would need far more)
  tar cJf "$carry/train-modules.tar.xz" -C node_modules commander cli-progress string-width emoji-regex \
    is-fullwidth-code-point strip-ansi ansi-regex @napi-rs/canvas @napi-rs/canvas-linux-x64-gnu
  npm run --silent build
  du -sh "$carry" dist
  exit 0
fi

out=${1:-gpu-check}
mkdir -p "$out"
tools=/tmp/mst-node
mkdir -p "$tools/bin" "$tools/nodedir"
xz -dc "$carry/node.xz" >"$tools/bin/node" && chmod +x "$tools/bin/node"
tar xJf "$carry/npm.tar.xz" -C "$tools"
tar xJf "$carry/nodeinc.tar.xz" -C "$tools/nodedir"
mkdir -p node_modules && rm -rf node_modules/node-addon-api && cp -r "$carry/node-addon-api" node_modules/
export PATH="$tools/bin:$PATH" npm_config_nodedir="$tools/nodedir"
MST_PYTHON=$(command -v python3)
MST_LIBTORCH=$("$MST_PYTHON" -c 'import os, torch; print(os.path.dirname(torch.__file__))')
export MST_PYTHON MST_LIBTORCH
echo "node $(node --version); torch $("$MST_PYTHON" -c 'import torch; print(torch.__version__, torch.version.cuda)') at $MST_LIBTORCH"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true

node native/torch-config.mjs --summary | tee "$out/torch-config.json"
start=$SECONDS
node "$tools/npm/bin/npm-cli.js" run build:native >"$out/build.log" 2>&1 || { tail -60 "$out/build.log"; exit 1; }
echo "native build: $((SECONDS - start)) s"
node -e "import('./dist/src/engine/index.js').then((e) => console.log(JSON.stringify(e.engineInfo())))" | tee "$out/engine-info.json"

if [[ "${2:-}" == train ]]; then
  node --test --test-reporter=spec dist/src/model/ >"$out/model-tests.log" 2>&1 && status=0 || status=$?
  grep -E '^ℹ (tests|pass|fail|skipped)|^✖' "$out/model-tests.log" | head -20
  tar xJf "$carry/train-modules.tar.xz" -C node_modules
  start=$SECONDS
  node -e "import('./dist/src/cli/train.js').then((m) => m.trainCommand().parseAsync(process.argv.slice(1), { from: 'user' }))" -- all --data=data/small --run="$out/run" --device=cuda --steps=300 --batchSize=16 --checkpointEvery=100 \
    --validateEvery=100 --validationBatches=2 >"$out/train.log" 2>&1 || { tail -40 "$out/train.log"; exit 1; }
  echo "mst train all (3 × 300 steps) on the GPU: $((SECONDS - start)) s"
  grep '^{' "$out/train.log"
  node dist/bench/run.js --device cuda --cases phase1_step,phase2_step --rounds 10 --iterations 10 | tee "$out/bench-train-cuda.jsonl"
  node dist/bench/precision.js --device cuda | tee "$out/bench-precision-cuda.jsonl" # bf16 where the GPU runs it natively
  exit "$status"
fi

node --test --test-reporter=spec dist/src/engine/ >"$out/engine-tests.log" 2>&1 && status=0 || status=$?
grep -E '^ℹ (tests|pass|fail|skipped)|^✖' "$out/engine-tests.log" | head -40
echo "engine tests exit status: $status"

node dist/bench/run.js --device cuda --rounds 10 --iterations 10 | tee "$out/bench-cuda.jsonl"
exit "$status"
