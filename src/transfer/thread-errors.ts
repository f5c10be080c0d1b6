/**
 * Errors carried from a worker thread to the caller's with their class, message, stack and fields
 * (code, path, signal), so that `e instanceof AudioError && e.code === 'SILENT'` holds in the
 * caller as it would have in the worker. Classes this file does not know arrive as Error.
 */
import { AudioError } from '../audio/errors.js';
import { TileTransformError } from '../audio/processor.js';
import { OutputPathError } from '../engine/files.js';
import { InterruptedError, AbortError } from '../engine/stop.js';
import { SafetensorsError } from '../engine/safetensors.js';
import { DisposedError, StateDictError } from '../engine/errors.js';
import { ModelLoadError } from '../model/load-error.js';
import { StyleError } from './style.js';

const CLASSES: Record<string, new (...args: never[]) => Error> = {
  AudioError, TileTransformError, OutputPathError, InterruptedError, AbortError, SafetensorsError, DisposedError, StateDictError, ModelLoadError, StyleError,
  RangeError, TypeError, Error,
};

/** An error as postMessage can carry it. */
export interface SentError {
  name: string;
  message: string;
  stack: string | undefined;
  fields: Record<string, unknown>;
}

/** The error (or thrown value) as a plain object. */
export function sendableError(error: unknown): SentError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), stack: undefined, fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    const plain = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);
    if (key !== 'name' && (plain(value) || (Array.isArray(value) && value.every(plain)))) fields[key] = value;
  }
  return { name: error.name, message: error.message, stack: error.stack, fields };
}

/** The error again, of its class where this file knows it; its constructor is not run. */
export function revivedError(sent: SentError): Error {
  const Class = CLASSES[sent.name] ?? Error;
  const error = Object.create(Class.prototype) as Error;
  Object.defineProperty(error, 'message', { value: sent.message, writable: true, configurable: true });
  if (sent.stack !== undefined) Object.defineProperty(error, 'stack', { value: sent.stack, writable: true, configurable: true });
  Object.assign(error, sent.fields);
  if (error.name !== sent.name) Object.defineProperty(error, 'name', { value: sent.name, writable: true, configurable: true });
  return error;
}
