/**
 * Facts about the engine at run time: libtorch version, threads, BLAS, devices.
 */
import { readFileSync } from 'node:fs';
import { native } from './native.js';
import { rangeError, isInteger } from './errors.js';

export interface EngineInfo {
  /** libtorch version, e.g. "1.13.0". */
  torchVersion: string;
  /** Intra-op threads libtorch uses. */
  threads: number;
  /** The BLAS library mapped into this process (path), or "unknown". */
  blas: string;
  cudaAvailable: boolean;
  cudaDevices: number;
  /** Devices tensors can live on here. */
  devices: string[];
}

/** The shared libraries whose name mentions BLAS, as mapped into this process. */
function loadedBlas(): string {
  try {
    const maps = readFileSync('/proc/self/maps', 'utf8');
    const paths = new Set(maps.split('\n').map((line) => line.split(/\s+/)[5] ?? '').filter((p) => /blas/i.test(p)));
    return paths.size > 0 ? [...paths].join(', ') : 'unknown';
  } catch {
    return 'unknown';
  }
}

export function engineInfo(): EngineInfo {
  const cudaAvailable = native.cudaIsAvailable();
  const cudaDevices = cudaAvailable ? native.cudaDeviceCount() : 0;
  return {
    torchVersion: native.version(),
    threads: native.getNumThreads(),
    blas: loadedBlas(),
    cudaAvailable,
    cudaDevices,
    devices: ['cpu', ...Array.from({ length: cudaDevices }, (_, i) => `cuda:${i}`)],
  };
}

export function setNumThreads(n: number): void {
  if (!isInteger(n) || n < 1) throw rangeError('setNumThreads', 'n', 'a positive integer', n);
  native.setNumThreads(n);
}

export function getNumThreads(): number {
  return native.getNumThreads();
}

/** Waits for queued CUDA work (no-op without CUDA); use before reading a timer. */
export function synchronize(): void {
  native.cudaSynchronize();
}
