#!/usr/bin/env node
// Tells node-gyp how to compile and link against libtorch.
//
// Default: Debian's libtorch-dev (headers in /usr/include, libraries on the system path).
// With MST_LIBTORCH=/path/to/torch (a pip torch package directory holding include/ and lib/,
// or an unpacked libtorch archive), it builds against that libtorch instead, CUDA included,
// and records an rpath so the addon finds those libraries at run time.
//
// Usage (from binding.gyp): node native/torch-config.mjs --include | --cflags | --libs | --summary
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.env.MST_LIBTORCH;

function torchVersion(includeDir) {
  // torch 2.9 and later keep the numbers in torch/headeronly/version.h, which version.h includes.
  const candidates = ['torch/version.h', 'torch/headeronly/version.h', 'torch/csrc/api/include/torch/version.h'];
  for (const candidate of candidates.map((c) => join(includeDir, c))) {
    if (!existsSync(candidate)) continue;
    const text = readFileSync(candidate, 'utf8');
    const major = /TORCH_VERSION_MAJOR (\d+)/.exec(text)?.[1];
    const minor = /TORCH_VERSION_MINOR (\d+)/.exec(text)?.[1];
    if (major !== undefined && minor !== undefined) return { major: Number(major), minor: Number(minor) };
  }
  throw new Error(`torch-config: no TORCH_VERSION_MAJOR in torch/version.h under ${includeDir}; install libtorch-dev or set MST_LIBTORCH`);
}

function cxxAbiFlag(torchRoot) {
  const cmake = join(torchRoot, 'share/cmake/Torch/TorchConfig.cmake');
  if (!existsSync(cmake)) return [];
  const match = /-D_GLIBCXX_USE_CXX11_ABI=(\d)/.exec(readFileSync(cmake, 'utf8'));
  return match ? [`-D_GLIBCXX_USE_CXX11_ABI=${match[1]}`] : [];
}

const includeDir = root ? join(root, 'include') : '/usr/include';
const includes = [includeDir, join(includeDir, 'torch/csrc/api/include')];
const version = torchVersion(includeDir);
const standard = version.major >= 2 ? '-std=c++20' : '-std=c++17';
const cflags = [standard, ...(root ? cxxAbiFlag(root) : [])];

let libs = ['-ltorch', '-ltorch_cpu', '-lc10'];
if (root) {
  const libDir = join(root, 'lib');
  const cuda = existsSync(join(libDir, 'libtorch_cuda.so'));
  libs = [`-L${libDir}`, `-Wl,-rpath,${libDir}`, '-Wl,--no-as-needed', ...libs,
    ...(cuda ? ['-ltorch_cuda', '-lc10_cuda'] : []), '-Wl,--as-needed'];
}

const what = process.argv[2];
if (what === '--include') console.log(includes.join(' '));
else if (what === '--cflags') console.log(cflags.join(' '));
else if (what === '--libs') console.log(libs.join(' '));
else console.log(JSON.stringify({ root: root ?? 'system', version, includes, cflags, libs }, null, 2));
