/**
 * Which processor this is, and whether it runs bfloat16 natively — facts a run needs before it
 * picks a precision. Where bf16 is not native, libtorch still runs it, by emulation or generic
 * kernels: on an AVX2-only CPU (AMD Zen 3), two training steps of the feature network took 249 s
 * in bf16 and 14.5 s in float32, start-up included (issue 16). On the CPU, bf16 is native with the
 * AVX512-bf16 or AMX-bf16 instructions (Intel since Cooper Lake and Sapphire Rapids, AMD since
 * Zen 4) reached through libtorch's oneDNN; on CUDA, on devices of compute capability 8.0 or
 * later (Ampere on).
 */
import { readFileSync } from 'node:fs';
import { arch } from 'node:os';
import { native } from './native.js';

export interface ProcessorInfo {
  /** "AMD EPYC", "Intel(R) Xeon(R) Platinum 8480+", … ("unknown" where /proc/cpuinfo is absent). */
  model: string;
  /** CPU family and model numbers, which tell processor generations apart under one brand name. */
  family: string;
  modelNumber: string;
  /** Node's name for the architecture: "x64", "arm64", … */
  arch: string;
  /** The instruction-set flags the kernel reports (x86: "avx2", "avx512_bf16", "amx_bf16", …). */
  flags: string[];
}

/** This machine's processor, from /proc/cpuinfo (Linux); elsewhere only the architecture is known. */
export function processorInfo(): ProcessorInfo {
  let text = '';
  try {
    text = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    // not Linux: the flags stay unknown, and bf16 is then not taken to be native
  }
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim() ?? '';
  return {
    model: field('model name') || 'unknown',
    family: field('cpu family'),
    modelNumber: field('model'),
    arch: arch(),
    flags: (field('flags') || field('Features')).split(/\s+/).filter(Boolean),
  };
}

/** The x86 flags that decide training speed, in the order a reader compares machines by. */
const SPEED_FLAGS = ['avx2', 'avx512f', 'avx512_bf16', 'amx_bf16'];

/** One line naming the processor, for speed figures: "AMD EPYC (family 26, model 2; avx2 avx512f avx512_bf16)". */
export function describeProcessor(p: ProcessorInfo = processorInfo()): string {
  const numbers = p.family ? ` (family ${p.family}, model ${p.modelNumber}` : ` (${p.arch}`;
  const flags = SPEED_FLAGS.filter((f) => p.flags.includes(f));
  return `${p.model}${numbers}${flags.length ? `; ${flags.join(' ')}` : ''})`;
}

export interface Bf16Support {
  native: boolean;
  /** Why, in words a user can act on. */
  reason: string;
}

/** What `bf16Native` decides from (all of it read from the machine by `bf16Support`). */
export interface Bf16Facts {
  device: 'cpu' | 'cuda';
  /** Node's architecture name ("x64", "arm64", …). */
  arch: string;
  /** The processor's instruction-set flags. */
  flags: readonly string[];
  /** libtorch was built with oneDNN, the library that holds its fast CPU bf16 kernels. */
  mkldnn: boolean;
  /** ONEDNN_MAX_CPU_ISA (or DNNL_MAX_CPU_ISA): the newest instructions oneDNN may use, when set. */
  isaLimit?: string | undefined;
  /** The CUDA device runs bf16 convolutions natively (compute capability ≥ 8.0). */
  cudaBf16?: boolean;
}

/** oneDNN ISA names at or above its first native bf16 one (AVX512_CORE_BF16); "ALL" is no limit. */
function isaLimitAllowsBf16(limit: string): boolean {
  const isa = limit.trim().toUpperCase();
  return isa === '' || isa === 'ALL' || isa.includes('BF16') || isa.includes('AMX') || isa.startsWith('AVX10');
}

/** Whether bf16 runs natively, from the facts alone (no machine is read; the tests call this). */
export function bf16Native(facts: Bf16Facts): Bf16Support {
  if (facts.device === 'cuda') {
    return facts.cudaBf16
      ? { native: true, reason: 'the CUDA device runs bf16 natively (compute capability 8.0 or later)' }
      : { native: false, reason: 'the CUDA device has no native bf16 (compute capability below 8.0)' };
  }
  if (facts.arch !== 'x64' && facts.arch !== 'ia32') {
    return { native: false, reason: `no native bf16 path is known on ${facts.arch} processors in this engine` };
  }
  const has = ['avx512_bf16', 'amx_bf16'].filter((f) => facts.flags.includes(f));
  if (has.length === 0) return { native: false, reason: 'this CPU has no AVX512-bf16 or AMX-bf16 instructions, so bf16 would be emulated' };
  if (!facts.mkldnn) return { native: false, reason: 'this libtorch was built without oneDNN, whose kernels run bf16 natively' };
  if (facts.isaLimit !== undefined && !isaLimitAllowsBf16(facts.isaLimit)) {
    return { native: false, reason: `ONEDNN_MAX_CPU_ISA=${facts.isaLimit} keeps oneDNN below its bf16 instructions` };
  }
  return { native: true, reason: `this CPU runs bf16 natively (${has.join(', ')})` };
}

/** Whether bf16 runs natively on `device` of this machine. */
export function bf16Support(device: 'cpu' | 'cuda' = 'cpu'): Bf16Support {
  const cpu = processorInfo();
  const { mkldnn, cudaBf16 } = native.precisionSupport();
  const isaLimit = process.env.ONEDNN_MAX_CPU_ISA ?? process.env.DNNL_MAX_CPU_ISA;
  return bf16Native({ device, arch: cpu.arch, flags: cpu.flags, mkldnn, isaLimit, cudaBf16 });
}
