/**
 * Element types of tensors, their libtorch codes (c10::ScalarType) and their JS storage.
 */

export type DType = 'float32' | 'float64' | 'bfloat16' | 'float16' | 'int64' | 'int32' | 'uint8' | 'bool' | 'complex64';

/** c10::ScalarType values; stable across libtorch versions. */
const CODES: Record<DType, number> = {
  uint8: 0,
  int32: 3,
  int64: 4,
  float16: 5,
  float32: 6,
  float64: 7,
  complex64: 9,
  bool: 11,
  bfloat16: 15,
};

const NAMES = new Map<number, DType>(Object.entries(CODES).map(([name, code]) => [code, name as DType]));

export const DTYPES = Object.keys(CODES) as DType[];

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && value in CODES;
}

export function dtypeCode(dtype: DType): number {
  return CODES[dtype];
}

export function dtypeName(code: number): DType {
  const name = NAMES.get(code);
  if (name === undefined) throw new RangeError(`dtype: libtorch scalar type ${code} is not supported by mst`);
  return name;
}

export function isFloating(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'bfloat16' || dtype === 'float16';
}

/** Bytes per element. */
export function dtypeSize(dtype: DType): number {
  switch (dtype) {
    case 'float64':
    case 'int64':
    case 'complex64':
      return 8;
    case 'float32':
    case 'int32':
      return 4;
    case 'bfloat16':
    case 'float16':
      return 2;
    case 'uint8':
    case 'bool':
      return 1;
  }
}

/** The typed array that holds a dtype's raw bytes (16-bit floats as raw Uint16 bits). */
export type TypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | Uint16Array;

export function viewBytes(buffer: ArrayBuffer, dtype: DType): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
    case 'int64':
      return new BigInt64Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer);
    case 'bfloat16':
    case 'float16':
      return new Uint16Array(buffer);
    case 'complex64':
      return new Float32Array(buffer);
  }
}

/** The dtype a typed array's values are stored as, when made into a tensor. */
export function dtypeOfArray(array: ArrayBufferView): DType {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof BigInt64Array) return 'int64';
  if (array instanceof Int32Array) return 'int32';
  if (array instanceof Uint8Array) return 'uint8';
  throw new TypeError(`tensor: unsupported typed array ${array.constructor.name}; use Float32Array, Float64Array, BigInt64Array, Int32Array or Uint8Array`);
}
