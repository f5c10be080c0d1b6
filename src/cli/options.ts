/**
 * Command-line numbers, checked: each parser names the option, the range it wants and what it got.
 */
import { InvalidArgumentError } from 'commander';

/** A commander argument parser for numbers in [min, max] (integers only if `integer`). */
export function numberIn(min: number, max: number, integer = false): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
      throw new InvalidArgumentError(`Expected ${integer ? 'an integer' : 'a number'} in [${min}, ${max}] but received ${value}.`);
    }
    return n;
  };
}
