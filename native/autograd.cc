// Autograd: gradient flags, backward, .grad, and the thread-local grad / inference modes.
#include <memory>

#include "common.h"

namespace mst {
namespace {

MST_FN(RequiresGrad) { return Napi::Boolean::New(info.Env(), Unwrap(ARG(0)).requires_grad()); }
MST_FN(SetRequiresGrad) {
  Unwrap(ARG(0)).requires_grad_(Bool(ARG(1)));
  return info.Env().Undefined();
}
MST_FN(IsLeaf) { return Napi::Boolean::New(info.Env(), Unwrap(ARG(0)).is_leaf()); }
// backward(t, gradient | null, retainGraph)
MST_FN(Backward) {
  Unwrap(ARG(0)).backward(UnwrapOptional(ARG(1)).value_or(at::Tensor()), Bool(ARG(2)));
  return info.Env().Undefined();
}
// grad(t): a new handle to t.grad, or null when it has none
MST_FN(Grad) {
  const at::Tensor& grad = Unwrap(ARG(0)).grad();
  if (!grad.defined()) return info.Env().Null();
  return Wrap(info.Env(), grad);
}
// setGrad(t, g | null)
MST_FN(SetGrad) {
  at::Tensor& t = Unwrap(ARG(0));
  auto grad = UnwrapOptional(ARG(1));
  t.mutable_grad() = grad ? *grad : at::Tensor();
  return info.Env().Undefined();
}
// zeroGrad(tensors): sets .grad to undefined (set_to_none) for each
MST_FN(ZeroGrad) {
  for (auto& t : UnwrapList(ARG(0))) t.mutable_grad() = at::Tensor();
  return info.Env().Undefined();
}
MST_FN(IsGradEnabled) { return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled()); }
// setGradEnabled(flag) -> previous flag
MST_FN(SetGradEnabled) {
  bool previous = c10::GradMode::is_enabled();
  c10::GradMode::set_enabled(Bool(ARG(0)));
  return Napi::Boolean::New(info.Env(), previous);
}

// Inference mode is an RAII guard in libtorch, and its state is the calling thread's; the
// TypeScript scope enters and exits it in strict LIFO order (try/finally around a synchronous
// callback), so one stack of guards per thread (the main thread, each worker) suffices.
thread_local std::vector<std::unique_ptr<c10::InferenceMode>> inference_guards;
MST_FN(EnterInferenceMode) {
  inference_guards.push_back(std::make_unique<c10::InferenceMode>(true));
  return info.Env().Undefined();
}
MST_FN(ExitInferenceMode) {
  if (inference_guards.empty()) throw ArgError("exitInferenceMode without a matching enter");
  inference_guards.pop_back();
  return info.Env().Undefined();
}
MST_FN(IsInferenceMode) { return Napi::Boolean::New(info.Env(), c10::InferenceMode::is_enabled()); }

}  // namespace

void RegisterAutograd(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "requiresGrad", RequiresGrad);
  Export(env, exports, "setRequiresGrad", SetRequiresGrad);
  Export(env, exports, "isLeaf", IsLeaf);
  Export(env, exports, "backward", Backward);
  Export(env, exports, "grad", Grad);
  Export(env, exports, "setGrad", SetGrad);
  Export(env, exports, "zeroGrad", ZeroGrad);
  Export(env, exports, "isGradEnabled", IsGradEnabled);
  Export(env, exports, "setGradEnabled", SetGradEnabled);
  Export(env, exports, "enterInferenceMode", EnterInferenceMode);
  Export(env, exports, "exitInferenceMode", ExitInferenceMode);
  Export(env, exports, "isInferenceMode", IsInferenceMode);
}

}  // namespace mst
