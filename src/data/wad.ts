/**
 * Music from Doom WAD archives (Freedoom's freedoom1.wad and freedoom2.wad): the D_* lumps, which
 * in Freedoom are Standard MIDI files. Layout: a 12-byte header ("IWAD"/"PWAD", lump count,
 * directory offset), and a directory of 16-byte entries (file offset, size, 8-byte name).
 */
import { readFileSync } from 'node:fs';

export interface Lump {
  name: string;
  bytes: Uint8Array;
}

/** The music lumps of a WAD that hold MIDI data (Doom's older MUS format is left out). */
export function midiLumps(path: string): Lump[] {
  const wad = readFileSync(path);
  const kind = wad.subarray(0, 4).toString('ascii');
  if (wad.length < 12 || (kind !== 'IWAD' && kind !== 'PWAD')) throw new Error(`${path}: not a WAD archive`);
  const count = wad.readInt32LE(4);
  const directory = wad.readInt32LE(8);
  if (count < 0 || directory < 12 || directory + 16 * count > wad.length) throw new Error(`${path}: the WAD directory lies outside the file`);
  const lumps: Lump[] = [];
  for (let i = 0; i < count; i++) {
    const entry = directory + 16 * i;
    const offset = wad.readInt32LE(entry);
    const size = wad.readInt32LE(entry + 4);
    const name = wad.subarray(entry + 8, entry + 16).toString('ascii').replace(/\0.*$/, '');
    if (!name.startsWith('D_') || offset < 0 || size < 4 || offset + size > wad.length) continue;
    const bytes = wad.subarray(offset, offset + size);
    if (bytes.subarray(0, 4).toString('ascii') === 'MThd') lumps.push({ name, bytes: new Uint8Array(bytes) });
  }
  return lumps;
}
