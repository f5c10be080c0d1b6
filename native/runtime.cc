// Runtime facts and global state: version, threads, seeds, RNG state, devices, autocast.
#include <ATen/Context.h>
#include <ATen/Version.h>
#include <ATen/autocast_mode.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/cuda.h>
#include <torch/utils.h>

#include "common.h"

#include <atomic>
#include <csignal>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace mst {
namespace {

// SIGINT and SIGTERM noticed at once: JavaScript's own handlers run only when the event loop is
// free, which a long synchronous computation delays by seconds. This handler notes the signal
// where the sampling loops can read it, then passes it on to the handler it replaced (Node's, or
// the default action).
volatile std::sig_atomic_t g_stop_signal = 0;
struct sigaction g_replaced[2];  // SIGINT, SIGTERM
std::atomic<bool> g_watching{false};  // the main thread and workers may both ask

void OnStopSignal(int signal) {
  g_stop_signal = signal;
  const struct sigaction& replaced = g_replaced[signal == SIGINT ? 0 : 1];
  if (replaced.sa_flags & SA_SIGINFO) {
    if (replaced.sa_sigaction != nullptr) replaced.sa_sigaction(signal, nullptr, nullptr);
  } else if (replaced.sa_handler == SIG_DFL) {
    std::signal(signal, SIG_DFL);
    std::raise(signal);
  } else if (replaced.sa_handler != SIG_IGN) {
    replaced.sa_handler(signal);
  }
}

MST_FN(WatchStopSignals) {
  if (!g_watching.exchange(true)) {
    const int signals[2] = {SIGINT, SIGTERM};
    for (int i = 0; i < 2; i++) {
      struct sigaction action = {};
      action.sa_handler = OnStopSignal;
      sigemptyset(&action.sa_mask);
      action.sa_flags = SA_RESTART;
      sigaction(signals[i], &action, &g_replaced[i]);
    }
  }
  return info.Env().Undefined();
}
MST_FN(StopSignal) { return Napi::Number::New(info.Env(), static_cast<int>(g_stop_signal)); }

MST_FN(Version) { return Napi::String::New(info.Env(), TORCH_VERSION); }
MST_FN(GetNumThreads) { return Napi::Number::New(info.Env(), at::get_num_threads()); }
MST_FN(SetNumThreads) {
  at::set_num_threads(IntIn(ARG(0), 1, 1 << 16));
  return info.Env().Undefined();
}
MST_FN(ManualSeed) {
  torch::manual_seed(static_cast<uint64_t>(Int(ARG(0))));  // negative seeds wrap as in PyTorch
  return info.Env().Undefined();
}
// A device's default generator: "cpu", or "cuda" (the current CUDA device's; libtorch throws
// when it has no CUDA).
at::Generator DefaultGenerator(const std::string& device) {
  if (device == "cpu") return at::detail::getDefaultCPUGenerator();
  if (device == "cuda") return at::globalContext().defaultGenerator(at::Device(at::kCUDA));
  throw ArgError("random generators are on cpu and cuda, got " + device);
}
// A generator's state as a uint8 tensor, and back: (device) and (state, device).
MST_FN(GetRngState) {
  auto generator = DefaultGenerator(String(ARG(0)));
  std::lock_guard<std::mutex> lock(generator.mutex());
  return Wrap(info.Env(), generator.get_state());
}
MST_FN(SetRngState) {
  auto generator = DefaultGenerator(String(ARG(1)));
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(Unwrap(ARG(0)));
  return info.Env().Undefined();
}
MST_FN(CudaIsAvailable) { return Napi::Boolean::New(info.Env(), torch::cuda::is_available()); }
MST_FN(CudaDeviceCount) { return Napi::Number::New(info.Env(), static_cast<double>(torch::cuda::device_count())); }
// What reduced precision can run on natively: {mkldnn, cudaBf16}. mkldnn: libtorch was built with
// oneDNN, which runs CPU bf16 convolutions and matmuls (without it they fall to slow generic
// kernels). cudaBf16: the current CUDA device runs bf16 convolutions in cuDNN (compute
// capability 8.0 or later); false without CUDA.
MST_FN(PrecisionSupport) {
  auto out = Napi::Object::New(info.Env());
  out.Set("mkldnn", Napi::Boolean::New(info.Env(), at::hasMKLDNN()));
  bool cudaBf16 = torch::cuda::is_available() && at::detail::getCUDAHooks().supportsBFloat16ConvolutionWithCuDNNv8();
  out.Set("cudaBf16", Napi::Boolean::New(info.Env(), cudaBf16));
  return out;
}
MST_FN(CudaSynchronize) {
  if (torch::cuda::is_available()) torch::cuda::synchronize();
  return info.Env().Undefined();
}

// configureAllocator(mmapThresholdBytes, trimThresholdBytes) -> whether it applied (glibc only).
// Sets glibc's thresholds: blocks below the first come from the heap, and freed heap memory
// above the second is kept rather than returned to the OS, so a loop that frees and reallocates
// tensors of the same sizes reuses warm pages instead of faulting in fresh zeroed ones.
MST_FN(ConfigureAllocator) {
#ifdef __GLIBC__
  bool ok = mallopt(M_MMAP_THRESHOLD, IntIn(ARG(0), 0, INT32_MAX)) == 1;
  ok = mallopt(M_TRIM_THRESHOLD, IntIn(ARG(1), 0, INT32_MAX)) == 1 && ok;
  return Napi::Boolean::New(info.Env(), ok);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

// mallocMapsBlock(bytes) -> whether glibc serves a block of this size with its own mapping rather
// than from its heap: a probe of the thresholds configureAllocator sets (null without glibc 2.33).
MST_FN(MallocMapsBlock) {
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 33)
  size_t before = mallinfo2().hblks;
  void* volatile block = malloc(static_cast<size_t>(Int(ARG(0))));  // volatile: the pair is not elided
  bool mapped = mallinfo2().hblks > before;
  free(block);
  return Napi::Boolean::New(info.Env(), mapped);
#else
  return info.Env().Null();
#endif
}

// ---- autocast: enter(device, dtype) -> [wasEnabled, previousDtype]; exit(device, wasEnabled, previousDtype)
at::DeviceType AutocastDevice(const Napi::Value& value) {
  std::string device = String(value);
  if (device == "cpu") return at::kCPU;
  if (device == "cuda") return at::kCUDA;
  throw ArgError("autocast supports cpu and cuda, got " + device);
}

#if MST_TORCH_AT_LEAST(2, 4)
bool AutocastEnabled(at::DeviceType d) { return at::autocast::is_autocast_enabled(d); }
at::ScalarType AutocastDtype(at::DeviceType d) { return at::autocast::get_autocast_dtype(d); }
void SetAutocast(at::DeviceType d, bool enabled, at::ScalarType dtype) {
  at::autocast::set_autocast_enabled(d, enabled);
  at::autocast::set_autocast_dtype(d, dtype);
}
#else
bool AutocastEnabled(at::DeviceType d) {
  return d == at::kCPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled();
}
at::ScalarType AutocastDtype(at::DeviceType d) {
  return d == at::kCPU ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype();
}
void SetAutocast(at::DeviceType d, bool enabled, at::ScalarType dtype) {
  if (d == at::kCPU) {
    at::autocast::set_cpu_enabled(enabled);
    at::autocast::set_autocast_cpu_dtype(dtype);
  } else {
    at::autocast::set_enabled(enabled);
    at::autocast::set_autocast_gpu_dtype(dtype);
  }
}
#endif

MST_FN(AutocastEnter) {
  at::DeviceType device = AutocastDevice(ARG(0));
  bool wasEnabled = AutocastEnabled(device);
  at::ScalarType previous = AutocastDtype(device);
  SetAutocast(device, true, DType(ARG(1)));
  at::autocast::increment_nesting();
  auto out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, Napi::Boolean::New(info.Env(), wasEnabled));
  out.Set(1u, Napi::Number::New(info.Env(), static_cast<int>(previous)));
  return out;
}
MST_FN(AutocastExit) {
  at::DeviceType device = AutocastDevice(ARG(0));
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  SetAutocast(device, Bool(ARG(1)), DType(ARG(2)));
  return info.Env().Undefined();
}

}  // namespace

void RegisterRuntime(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "version", Version);
  Export(env, exports, "getNumThreads", GetNumThreads);
  Export(env, exports, "setNumThreads", SetNumThreads);
  Export(env, exports, "manualSeed", ManualSeed);
  Export(env, exports, "getRngState", GetRngState);
  Export(env, exports, "setRngState", SetRngState);
  Export(env, exports, "cudaIsAvailable", CudaIsAvailable);
  Export(env, exports, "cudaDeviceCount", CudaDeviceCount);
  Export(env, exports, "cudaSynchronize", CudaSynchronize);
  Export(env, exports, "precisionSupport", PrecisionSupport);
  Export(env, exports, "configureAllocator", ConfigureAllocator);
  Export(env, exports, "mallocMapsBlock", MallocMapsBlock);
  Export(env, exports, "autocastEnter", AutocastEnter);
  Export(env, exports, "autocastExit", AutocastExit);
  Export(env, exports, "watchStopSignals", WatchStopSignals);
  Export(env, exports, "stopSignal", StopSignal);
}

}  // namespace mst
