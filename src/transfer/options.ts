/**
 * The library's transfer options checked as JavaScript callers pass them: every field of the
 * right type and range, named in the message (`transfer: Expected a number for options.steps but
 * received the string "10"`), before any model work or audio is read.
 */
import { typeError, rangeError } from '../engine/errors.js';
import { Tensor } from '../engine/tensor.js';
import type { TransferOptions } from './transfer.js';
import { GUIDANCE_FROM } from '../model/guidance-from.js';
import { VOCODER_PHASES } from '../audio/vocoder-phase.js';

const NUMBERS = ['steps', 'strength', 'eta', 'guidance', 'seed', 'batchSize', 'iterations'] as const;
const FORMATS = ['pcm16', 'float32'];

/** Throws TypeError or RangeError naming the first option that is wrong; `op` names the function. */
export function checkTransferOptions(op: string, options: unknown, { needsStyle = true } = {}): asserts options is TransferOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw typeError(op, 'options', needsStyle ? 'an object with at least a style ({ style: "violin" })' : 'an object', options);
  }
  const o = options as Record<string, unknown>;
  if (needsStyle || o.style !== undefined) {
    const style = o.style as { tile?: unknown; name?: unknown } | undefined;
    const resolved = typeof style === 'object' && style !== null && style.tile instanceof Tensor && typeof style.name === 'string';
    if (typeof style !== 'string' && !resolved) throw typeError(op, 'options.style', "a preset's name, a reference clip's path or a style from resolveStyle", style);
  }
  for (const key of NUMBERS) {
    const value = o[key];
    if (value !== undefined && typeof value !== 'number') throw typeError(op, `options.${key}`, 'a number', value);
  }
  if (o.batchSize !== undefined && !(Number.isInteger(o.batchSize) && (o.batchSize as number) >= 1 && (o.batchSize as number) <= 256)) throw rangeError(op, 'options.batchSize', 'an integer in [1, 256]', o.batchSize);
  if (o.iterations !== undefined && !(Number.isInteger(o.iterations) && (o.iterations as number) >= 1 && (o.iterations as number) <= 1000)) throw rangeError(op, 'options.iterations', 'an integer in [1, 1000]', o.iterations);
  if (o.guidanceFrom !== undefined && !(GUIDANCE_FROM as readonly unknown[]).includes(o.guidanceFrom)) throw rangeError(op, 'options.guidanceFrom', `one of ${GUIDANCE_FROM.join(', ')}`, o.guidanceFrom);
  if (o.phase !== undefined && !(VOCODER_PHASES as readonly unknown[]).includes(o.phase)) throw rangeError(op, 'options.phase', `one of ${VOCODER_PHASES.join(', ')}`, o.phase);
  if (o.format !== undefined && !FORMATS.includes(o.format as string)) throw rangeError(op, 'options.format', `one of ${FORMATS.join(', ')} (mst writes WAV)`, o.format);
  if (o.spectrogram !== undefined && typeof o.spectrogram !== 'string') throw typeError(op, 'options.spectrogram', 'a PNG path', o.spectrogram);
  if (o.spectrogramNames !== undefined) {
    const names = o.spectrogramNames as Record<string, unknown>;
    if (typeof names !== 'object' || names === null || Object.values(names).some((v) => typeof v !== 'string')) throw typeError(op, 'options.spectrogramNames', 'an object of strings ({ input, output, style })', names);
  }
  for (const key of ['onProgress', 'onWarning']) {
    if (o[key] !== undefined && typeof o[key] !== 'function') throw typeError(op, `options.${key}`, 'a function', o[key]);
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw typeError(op, 'options.signal', 'an AbortSignal', o.signal);
}
