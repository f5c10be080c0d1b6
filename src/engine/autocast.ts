/**
 * Mixed precision: inside `autocast`, libtorch runs eligible ops (convolutions, matmuls, linear
 * layers) in a lower precision and keeps precision-sensitive ones (losses, norms, softmax) in
 * float32, as torch.autocast does. Parameters stay float32.
 */
import { native } from './native.js';
import { dtypeCode } from './dtype.js';
import { typeError } from './errors.js';

export interface AutocastOptions {
  /** 'cpu' or 'cuda'. */
  device?: 'cpu' | 'cuda';
  /** bfloat16 (default; fast on CPUs with AVX512-bf16/AMX) or float16 (CUDA). */
  dtype?: 'bfloat16' | 'float16';
  /** When false, runs `fn` unchanged (convenient for a config switch). */
  enabled?: boolean;
}

export function autocast<R>(options: AutocastOptions, fn: () => R): R {
  const device = options.device ?? 'cpu';
  const dtype = options.dtype ?? 'bfloat16';
  if (device !== 'cpu' && device !== 'cuda') throw typeError('autocast', 'device', "'cpu' or 'cuda'", device);
  if (dtype !== 'bfloat16' && dtype !== 'float16') throw typeError('autocast', 'dtype', "'bfloat16' or 'float16'", dtype);
  if (options.enabled === false) return fn();
  const [wasEnabled, previousDtype] = native.autocastEnter(device, dtypeCode(dtype));
  try {
    return fn();
  } finally {
    native.autocastExit(device, wasEnabled, previousDtype);
  }
}
