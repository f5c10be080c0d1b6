#!/usr/bin/env bash
# Sets up mst on this machine: installs the system packages it needs (when missing), then the
# npm dependencies, the native libtorch addon and the TypeScript build. Safe to run again.
#
# Debian/Ubuntu: installs missing packages with apt-get (as root, or through sudo).
# Other systems: prints what to install and stops.
#
# MST_LIBTORCH=/path/to/torch builds the addon against another libtorch (for example pip
# torch 2.x with CUDA: the folder holding include/ and lib/); libtorch-dev is then not needed.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build tools, libtorch (the engine), OpenBLAS with OpenMP threads (libtorch's BLAS; the pthread
# variant fights OpenMP), Debian's PyTorch for the fixtures and the speed twin in bench/, and a font
# for the labels of spectrogram pictures; FluidSynth with two unrelated General MIDI SoundFonts
# (FluidR3_GM, TimGM6mb) renders the paired dataset, and three more sound sets with TiMidity++
# (csound's GM bank, FreePats, an OPL3 FM bank: src/data/fonts.ts, with their licences) and the
# Synthesis ToolKit's physical models (stk), Sonivox's EAS wavetable (libsonivox-dev: node-gyp builds
# eas-render with it, native/eas-render.c), and the three instruments of MuseScore's General font whose
# recordings are not FluidR3's (musescore-general-soundfont-lossless), and LMMS's one-note recordings of solo
# instruments (lmms-common, GPL-2.0-or-later; made into a SoundFont by src/data/lmms.ts) give the instrument judge
# other families to learn from; the dataset's real music comes from Debian's MIDI
# packages (OpenTTD's OpenMSX, GPL-2.0; Planet Blupi's music, GPL-3.0-or-later; MMA's examples and
# groove library, GPL-2.0-or-later; the ABC examples of abcmidi and abcm2ps; MuseScore's demos),
# read by their own programs (mma, abc2midi, mscore3: see src/data/notation.ts). Chromium runs the
# studio's page in its browser test (src/studio/, driven headless by playwright-core).
packages=(build-essential python3 libopenblas0-openmp python3-torch fonts-dejavu-core fluidsynth fluid-soundfont-gm timgm6mb-soundfont
  csound-soundfont freepats opl3-soundfont timidity stk openttd-openmsx planetblupi-music-midi mma abcmidi abcm2ps musescore3 musescore-general-soundfont-lossless lmms-common libsonivox-dev chromium)
[ -z "${MST_LIBTORCH:-}" ] && packages+=(libtorch-dev)

say() { printf 'setup: %s\n' "$*" >&2; }

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  say "this is not a Debian-like system, so nothing was installed. Install these yourself:"
  say "  - a C++17 compiler, make and python3 (for node-gyp)"
  say "  - libtorch 1.13 or 2.x (headers and libraries); point MST_LIBTORCH at it if it is not in /usr"
  say "  - an optimised BLAS that libtorch will load (OpenBLAS, OpenMP variant)"
  say "  - Node.js 20 or newer with npm; optionally PyTorch for 'npm run bench'"
  say "then run: npm install && npm run build"
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  say "installing: ${missing[*]}"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
      say "not root and no sudo: run 'apt-get install ${missing[*]}' as root, then this script again"; exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "system packages present"
fi

# libtorch uses whatever libblas.so.3 the alternatives system selects: make it OpenBLAS (OpenMP).
openblas=/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3
if [ -e "$openblas" ] && command -v update-alternatives >/dev/null 2>&1; then
  current=$(readlink -f /etc/alternatives/libblas.so.3-x86_64-linux-gnu 2>/dev/null || true)
  if [ "$current" != "$(readlink -f $openblas)" ] && [ "$(id -u)" -eq 0 ]; then
    update-alternatives --set libblas.so.3-x86_64-linux-gnu "$openblas" >/dev/null
    say "selected OpenBLAS (OpenMP) as libblas.so.3"
  fi
fi

# Freedoom's music (BSD-3-Clause) for the dataset: its package would install a game engine, so
# its .deb is fetched from Debian and unpacked into data/sources instead.
freedoom=data/sources/freedoom/usr/share/games/doom
if [ ! -e /usr/share/games/doom/freedoom2.wad ] && [ ! -e "$freedoom/freedoom2.wad" ]; then
  mkdir -p data/sources
  if (cd data/sources && apt-get download -qq freedoom >/dev/null 2>&1); then
    dpkg-deb -x data/sources/freedoom_*.deb data/sources/freedoom && rm -f data/sources/freedoom_*.deb
    say "unpacked Freedoom's music into data/sources/freedoom"
  else
    say "could not fetch Freedoom (apt-get download freedoom); the dataset will use the other sources"
  fi
fi

if ! command -v node >/dev/null 2>&1; then say "Node.js 20+ is missing: install it (Debian: nodejs npm)"; exit 1; fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then say "Node.js $(node --version) is too old: mst needs 20 or newer"; exit 1; fi

say "installing npm packages and building the native engine (about a minute)"
npm install --no-audit --no-fund --loglevel=error
npm run --silent build
say "done: try ./bin/mst.js doctor"
