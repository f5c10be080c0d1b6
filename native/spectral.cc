// Short-time Fourier transforms, windows and complex-number helpers.
#include "common.h"

namespace mst {
namespace {

// stft(x [B?, T], nFft, hop, winLength, window | null, center, padMode, normalized, onesided)
//   -> complex [B?, nFft/2+1, frames]
MST_FN(Stft) {
  return Wrap(info.Env(), at::stft(Unwrap(ARG(0)), Int(ARG(1)), Int(ARG(2)), Int(ARG(3)), UnwrapOptional(ARG(4)),
                                   Bool(ARG(5)), String(ARG(6)), Bool(ARG(7)), Bool(ARG(8)), true));
}
// istft(X complex, nFft, hop, winLength, window | null, center, normalized, onesided, length | null) -> real
MST_FN(Istft) {
  return Wrap(info.Env(), at::istft(Unwrap(ARG(0)), Int(ARG(1)), Int(ARG(2)), Int(ARG(3)), UnwrapOptional(ARG(4)),
                                    Bool(ARG(5)), Bool(ARG(6)), Bool(ARG(7)), OptionalInt(ARG(8)), false));
}
// hannWindow(length, periodic, dtype, device)
MST_FN(HannWindow) {
  return Wrap(info.Env(), at::hann_window(Int(ARG(0)), Bool(ARG(1)), FactoryOptions(ARG(2), ARG(3))));
}
// rfft(x, n | null, dim) -> complex; irfft(X, n | null, dim) -> real (unnormalised forward, 1/n inverse)
MST_FN(Rfft) { return Wrap(info.Env(), at::fft_rfft(Unwrap(ARG(0)), OptionalInt(ARG(1)), Int(ARG(2)))); }
MST_FN(Irfft) { return Wrap(info.Env(), at::fft_irfft(Unwrap(ARG(0)), OptionalInt(ARG(1)), Int(ARG(2)))); }
MST_FN(ViewAsReal) { return Wrap(info.Env(), at::view_as_real(Unwrap(ARG(0)))); }
MST_FN(ViewAsComplex) { return Wrap(info.Env(), at::view_as_complex(Unwrap(ARG(0)).contiguous())); }
MST_FN(Real) { return Wrap(info.Env(), at::real(Unwrap(ARG(0)))); }
MST_FN(Imag) { return Wrap(info.Env(), at::imag(Unwrap(ARG(0)))); }
MST_FN(Angle) { return Wrap(info.Env(), at::angle(Unwrap(ARG(0)))); }
// polar(magnitude, phase) -> complex
MST_FN(Polar) { return Wrap(info.Env(), at::polar(Unwrap(ARG(0)), Unwrap(ARG(1)))); }
// complex(real, imag) -> complex
MST_FN(Complex) { return Wrap(info.Env(), at::complex(Unwrap(ARG(0)), Unwrap(ARG(1)))); }

}  // namespace

void RegisterSpectral(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "stft", Stft);
  Export(env, exports, "istft", Istft);
  Export(env, exports, "hannWindow", HannWindow);
  Export(env, exports, "rfft", Rfft);
  Export(env, exports, "irfft", Irfft);
  Export(env, exports, "viewAsReal", ViewAsReal);
  Export(env, exports, "viewAsComplex", ViewAsComplex);
  Export(env, exports, "real", Real);
  Export(env, exports, "imag", Imag);
  Export(env, exports, "angle", Angle);
  Export(env, exports, "polar", Polar);
  Export(env, exports, "complex", Complex);
}

}  // namespace mst
