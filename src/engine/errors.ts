/**
 * Error classes and message builders shared by the engine.
 * Wrong types throw TypeError, values out of range RangeError, a freed tensor DisposedError;
 * failures inside libtorch surface as Error with the op name and libtorch's own message.
 */

/** Thrown when a tensor (or other native handle) is used after dispose(). */
export class DisposedError extends Error {
  constructor(what: string) {
    super(`${what}: the tensor has been disposed; keep() it or return it from tidy() to use it later`);
    this.name = 'DisposedError';
  }
}

/** Thrown by Module.loadStateDict when the tensors do not match the module. */
export class StateDictError extends Error {
  constructor(
    message: string,
    readonly missing: string[],
    readonly unexpected: string[],
    readonly mismatched: string[],
  ) {
    super(message);
    this.name = 'StateDictError';
  }
}

/** An actual value that is already described in words (e.g. a tensor's shape). */
export class Described {
  constructor(readonly text: string) {}
}

/** Describes a tensor-like value by its shape, for error messages. */
export function shapeOf(t: { readonly shape: readonly number[] }): Described {
  return new Described(`shape [${t.shape.join(', ')}]`);
}

function describe(value: unknown): string {
  if (value instanceof Described) return value.text;
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (typeof v === 'object' && v !== null ? '…' : String(v))).join(', ')}] of type array`;
  if (typeof value === 'object') return `${(value as object).constructor?.name ?? 'object'} of type object`;
  return `${String(value)} of type ${typeof value}`;
}

/** `${op}: Expected ${expected} for ${name} but received ${actual}`, as a TypeError. */
export function typeError(op: string, name: string, expected: string, actual: unknown): TypeError {
  return new TypeError(`${op}: Expected ${expected} for ${name} but received ${describe(actual)}`);
}

/** The same message format, as a RangeError, for values of the right type but out of range. */
export function rangeError(op: string, name: string, expected: string, actual: unknown): RangeError {
  return new RangeError(`${op}: Expected ${expected} for ${name} but received ${describe(actual)}`);
}

export function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

export function isIntegerList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every(isInteger);
}
