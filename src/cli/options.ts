/**
 * Command-line numbers and words, checked: each parser names the range it wants and what it got, and
 * commander names the option (`option '--steps <n>' argument '0' is invalid. Expected …`).
 */
import { InvalidArgumentError } from 'commander';

/** The number `value` in [min, max] (an integer if `integer`), or the message saying why not. */
function parseIn(value: string, min: number, max: number, integer: boolean): number | string {
  const n = Number(value);
  if (value.trim() !== '' && Number.isFinite(n) && (!integer || Number.isInteger(n)) && n >= min && n <= max) return n;
  const kind = integer ? 'an integer' : 'a number';
  return `Expected ${max === Infinity ? `${kind} ≥ ${min}` : `${kind} in [${min}, ${max}]`} but received ${value}.`;
}

/** A commander argument parser for numbers in [min, max] (integers only if `integer`). */
export function numberIn(min: number, max = Infinity, integer = false): (value: string) => number {
  return (value: string) => {
    const n = parseIn(value, min, max, integer);
    if (typeof n === 'string') throw new InvalidArgumentError(n);
    return n;
  };
}

/** A commander argument parser for an integer ≥ 1. */
export const positiveInteger = numberIn(1, Infinity, true);

/** A commander argument parser for comma-separated numbers, each in [min, max]. */
export function numberListIn(min: number, max = Infinity): (value: string) => number[] {
  return (value: string) =>
    value.split(',').map((part) => {
      const n = parseIn(part, min, max, false);
      if (typeof n === 'string') throw new InvalidArgumentError(`${n} (comma-separated)`);
      return n;
    });
}

/** A commander argument parser for comma-separated words, each one of `allowed`. */
export function choiceListOf<T extends string>(allowed: readonly T[]): (value: string) => T[] {
  return (value: string) =>
    value.split(',').map((part) => {
      if (!(allowed as readonly string[]).includes(part)) throw new InvalidArgumentError(`Expected ${allowed.join(' or ')} but received ${part} (comma-separated).`);
      return part as T;
    });
}
