/**
 * WAD archives: the MIDI music lumps are found, other lumps and the MUS format are left out,
 * and a source of WADs yields pieces, each piece of music once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { midiLumps } from './wad.js';
import { discoverPieces } from './sources.js';
import { makePhrase, phraseToScore } from './phrases.js';
import { scoreToBytes } from './midi.js';
import { temporaryDirectory } from '../testing/helpers.js';

/** A WAD with the given lumps (name, bytes). */
function wad(lumps: [string, Uint8Array][]): Buffer {
  const data = Buffer.concat(lumps.map(([, bytes]) => Buffer.from(bytes)));
  const header = Buffer.alloc(12);
  header.write('IWAD', 0, 'ascii');
  header.writeInt32LE(lumps.length, 4);
  header.writeInt32LE(12 + data.length, 8);
  let offset = 12;
  const directory = Buffer.concat(
    lumps.map(([name, bytes]) => {
      const entry = Buffer.alloc(16);
      entry.writeInt32LE(offset, 0);
      entry.writeInt32LE(bytes.length, 4);
      entry.write(name, 8, 'ascii');
      offset += bytes.length;
      return entry;
    }),
  );
  return Buffer.concat([header, data, directory]);
}

test('the MIDI music lumps of a WAD become pieces, each tune once', () => {
  const dir = temporaryDirectory('mst-wad-');
  const tune = scoreToBytes(phraseToScore(makePhrase('melody', [55, 79], 1, 16)));
  const other = scoreToBytes(phraseToScore(makePhrase('scale', [55, 79], 2, 16)));
  writeFileSync(join(dir, 'freedoom1.wad'), wad([['D_E1M1', tune], ['D_MUSOLD', Uint8Array.from(Buffer.from('MUS\x1a rest'))], ['PLAYPAL', new Uint8Array(64)]]));
  writeFileSync(join(dir, 'freedoom2.wad'), wad([['D_RUNNIN', other], ['D_SAME', tune]]));
  writeFileSync(join(dir, 'doom2.wad'), wad([['D_OTHER', other]])); // not the source's own archive
  assert.deepEqual(midiLumps(join(dir, 'freedoom1.wad')).map((l) => l.name), ['D_E1M1']);
  const pieces = discoverPieces([{ name: 'freedoom', package: 'freedoom', directories: [dir], format: 'wad', licence: 'BSD-3-Clause' }]);
  assert.deepEqual(pieces.map((p) => p.id), ['freedoom/freedoom1-D_E1M1', 'freedoom/freedoom2-D_RUNNIN']);
  writeFileSync(join(dir, 'freedoom3.wad'), 'not a wad');
  const messages: string[] = [];
  discoverPieces([{ name: 'freedoom', package: 'freedoom', directories: [dir], format: 'wad', licence: 'x' }], (m) => messages.push(m));
  assert.match(messages.join('\n'), /freedoom3\.wad: not a WAD archive/);
});
