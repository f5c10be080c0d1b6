/**
 * The safetensors format (https://github.com/huggingface/safetensors), read and written here so
 * checkpoints load in Python with `safetensors.torch.load_file`:
 *
 *   [u64 little-endian N][N bytes of JSON header, space-padded][raw tensor bytes]
 *   header = { name: { dtype: "F32", shape: [..], data_offsets: [begin, end] }, "__metadata__": {str: str} }
 *
 * Offsets are relative to the start of the byte buffer; tensors are row-major little-endian.
 * Files are written atomically (files.ts).
 */
import { openSync, readSync, closeSync, readFileSync, statSync, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Tensor } from './tensor.js';
import { fromBytes } from './creation.js';
import { native } from './native.js';
import type { DType } from './dtype.js';
import { typeError } from './errors.js';
import { writeFileAtomic } from './files.js';
import { SafetensorsError, readSafetensorsHeader } from './safetensors-header.js';

export { SafetensorsError, readSafetensorsHeader };

const TO_SAFETENSORS: Record<DType, string> = {
  float32: 'F32',
  float64: 'F64',
  bfloat16: 'BF16',
  float16: 'F16',
  int64: 'I64',
  int32: 'I32',
  uint8: 'U8',
  bool: 'BOOL',
  complex64: 'C64',
};
const FROM_SAFETENSORS = new Map(Object.entries(TO_SAFETENSORS).map(([k, v]) => [v, k as DType]));


/**
 * Saves tensors (any device; copied to CPU) with optional string metadata.
 * Names are written in sorted order.
 */
export function saveSafetensors(path: string, tensors: Map<string, Tensor> | Record<string, Tensor>, metadata: Record<string, string> = {}): void {
  const entries = [...(tensors instanceof Map ? tensors : Object.entries(tensors))].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') throw typeError('saveSafetensors', `metadata.${key}`, 'a string', value);
  }
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    if (!(t instanceof Tensor)) throw typeError('saveSafetensors', name, 'a Tensor', t);
    const bytes = new Uint8Array(native.toBuffer(t.handle('saveSafetensors')));
    header[name] = { dtype: TO_SAFETENSORS[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes.byteLength] };
    blobs.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(headerBytes.byteLength));
  writeFileAtomic(path, [size, headerBytes, ...blobs]);
}

export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}


/** Loads every tensor of a safetensors file onto `device` (default CPU). */
export function loadSafetensors(path: string, device = 'cpu'): SafetensorsFile {
  checkReadable(path);
  return parseSafetensors(readFileSync(path), path, device);
}

/** The same as loadSafetensors, reading the file without blocking the event loop. */
export async function loadSafetensorsAsync(path: string, device = 'cpu'): Promise<SafetensorsFile> {
  checkReadable(path);
  return parseSafetensors(await readFile(path), path, device);
}

function checkReadable(path: string): void {
  if (!existsSync(path)) throw new Error(`${path}: no such file`);
  if (statSync(path).isDirectory()) throw new Error(`${path}: is a directory, expected a .safetensors file`);
}

/** Tensors and metadata from the bytes of a safetensors file (`path` names it in errors). */
export function parseSafetensors(file: Buffer, path: string, device = 'cpu'): SafetensorsFile {
  if (file.byteLength < 8) throw new SafetensorsError(path, `only ${file.byteLength} bytes`);
  const headerLength = Number(file.readBigUInt64LE(0));
  if (headerLength > file.byteLength - 8) throw new SafetensorsError(path, `header of ${headerLength} bytes does not fit in the file`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new SafetensorsError(path, `header is not JSON: ${(error as Error).message}`);
  }
  const data = file.subarray(8 + headerLength);
  const tensors = new Map<string, Tensor>();
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: offsets } = info as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const ours = FROM_SAFETENSORS.get(dtype);
    if (ours === undefined) throw new SafetensorsError(path, `tensor ${name} has unsupported dtype ${dtype}`);
    if (!Array.isArray(offsets) || offsets[0]! < 0 || offsets[1]! > data.byteLength || offsets[0]! > offsets[1]!) {
      throw new SafetensorsError(path, `tensor ${name} has offsets ${JSON.stringify(offsets)} outside the ${data.byteLength} data bytes`);
    }
    // copy into a fresh aligned buffer (the file buffer's offsets need not be aligned)
    const bytes = new Uint8Array(data.subarray(offsets[0], offsets[1]));
    try {
      tensors.set(name, fromBytes(bytes, shape, ours, device));
    } catch (error) {
      for (const t of tensors.values()) t.dispose();
      throw new SafetensorsError(path, `tensor ${name}: ${(error as Error).message}`);
    }
  }
  return { tensors, metadata };
}
