#!/usr/bin/env node
// Tells binding.gyp whether Sonivox's EAS library (Debian: libsonivox-dev) is there to build
// eas-render, the renderer of the judge's Sonivox sound set: prints 1 or 0. Without it the engine
// still builds; only that set cannot be rendered.
import { existsSync } from 'node:fs';

console.log(existsSync('/usr/include/sonivox/eas.h') ? 1 : 0);
