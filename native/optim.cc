// Optimizers over libtorch's own (AdamW, SGD), their state for checkpoints, and gradient clipping.
// The learning-rate schedule is policy and lives in TypeScript; it sets the rate before each step.
#include <memory>
#include <sstream>
#include <type_traits>

#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>
#include <torch/nn/utils/clip_grad.h>

#include "common.h"

namespace mst {
namespace {

const napi_type_tag kOptimizerTag = {0x6d73745f6f707469ULL, 0x6d697a65725f6864ULL};
using torch::optim::Optimizer;

Napi::Value WrapOptimizer(Napi::Env env, Optimizer* optimizer) {
  auto handle = Napi::External<Optimizer>::New(env, optimizer, [](Napi::Env, Optimizer* o) { delete o; });
  handle.TypeTag(&kOptimizerTag);
  return handle;
}

Optimizer& UnwrapOptimizer(const Napi::Value& value) {
  if (!value.IsExternal()) throw ArgError("expected an optimizer handle");
  auto external = value.As<Napi::External<Optimizer>>();
  if (!external.CheckTypeTag(&kOptimizerTag)) throw ArgError("expected an optimizer handle");
  return *external.Data();
}

// The key of a parameter's state: a string of the TensorImpl address in libtorch 1.x, the
// address itself in later versions. Read the key type off the map instead of guessing versions.
using StateMap = std::remove_reference_t<decltype(std::declval<Optimizer&>().state())>;
template <typename Key = StateMap::key_type>
Key StateKey(const at::Tensor& p) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream address;
    address << p.unsafeGetTensorImpl();
    return address.str();
  } else {
    return static_cast<Key>(p.unsafeGetTensorImpl());
  }
}

// adamw(params, lr, beta1, beta2, eps, weightDecay, amsgrad)
MST_FN(AdamW) {
  auto options = torch::optim::AdamWOptions(Double(ARG(1)))
                     .betas(std::make_tuple(Double(ARG(2)), Double(ARG(3))))
                     .eps(Double(ARG(4)))
                     .weight_decay(Double(ARG(5)))
                     .amsgrad(Bool(ARG(6)));
  return WrapOptimizer(info.Env(), new torch::optim::AdamW(UnwrapList(ARG(0)), options));
}
// sgd(params, lr, momentum, dampening, weightDecay, nesterov)
MST_FN(Sgd) {
  auto options = torch::optim::SGDOptions(Double(ARG(1)))
                     .momentum(Double(ARG(2)))
                     .dampening(Double(ARG(3)))
                     .weight_decay(Double(ARG(4)))
                     .nesterov(Bool(ARG(5)));
  return WrapOptimizer(info.Env(), new torch::optim::SGD(UnwrapList(ARG(0)), options));
}

MST_FN(OptimStep) {
  UnwrapOptimizer(ARG(0)).step();
  return info.Env().Undefined();
}

// optimSetLr(handle, lr): sets the rate of every parameter group.
MST_FN(OptimSetLr) {
  double lr = Double(ARG(1));
  for (auto& group : UnwrapOptimizer(ARG(0)).param_groups()) {
    auto& options = group.options();
    if (auto* adamw = dynamic_cast<torch::optim::AdamWOptions*>(&options)) adamw->lr(lr);
    else if (auto* sgd = dynamic_cast<torch::optim::SGDOptions*>(&options)) sgd->lr(lr);
    else throw ArgError("optimizer kind without a learning rate");
  }
  return info.Env().Undefined();
}

// optimGetState(handle) -> one entry per parameter (in order): null, or {step, tensors: {name: handle}}
MST_FN(OptimGetState) {
  Napi::Env env = info.Env();
  Optimizer& optimizer = UnwrapOptimizer(ARG(0));
  auto& params = optimizer.param_groups().at(0).params();
  auto out = Napi::Array::New(env, params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    auto found = optimizer.state().find(StateKey(params[i]));
    if (found == optimizer.state().end()) {
      out.Set(i, env.Null());
      continue;
    }
    auto entry = Napi::Object::New(env);
    auto tensors = Napi::Object::New(env);
    if (auto* s = dynamic_cast<torch::optim::AdamWParamState*>(found->second.get())) {
      entry.Set("step", Napi::Number::New(env, static_cast<double>(s->step())));
      tensors.Set("exp_avg", Wrap(env, s->exp_avg()));
      tensors.Set("exp_avg_sq", Wrap(env, s->exp_avg_sq()));
      if (s->max_exp_avg_sq().defined()) tensors.Set("max_exp_avg_sq", Wrap(env, s->max_exp_avg_sq()));
    } else if (auto* s = dynamic_cast<torch::optim::SGDParamState*>(found->second.get())) {
      entry.Set("step", Napi::Number::New(env, 0));
      if (s->momentum_buffer().defined()) tensors.Set("momentum_buffer", Wrap(env, s->momentum_buffer()));
    }
    entry.Set("tensors", tensors);
    out.Set(i, entry);
  }
  return out;
}

at::Tensor Named(const Napi::Object& tensors, const char* name) {
  if (!tensors.Has(name)) return at::Tensor();
  return Unwrap(tensors.Get(name)).detach().clone();
}

// optimSetState(handle, entries): the inverse of optimGetState (tensors are copied).
MST_FN(OptimSetState) {
  Optimizer& optimizer = UnwrapOptimizer(ARG(0));
  auto& params = optimizer.param_groups().at(0).params();
  auto entries = ARG(1).As<Napi::Array>();
  if (entries.Length() != params.size()) {
    throw ArgError("state has " + std::to_string(entries.Length()) + " entries for " + std::to_string(params.size()) +
                   " parameters");
  }
  bool isAdamW = dynamic_cast<torch::optim::AdamW*>(&optimizer) != nullptr;
  for (size_t i = 0; i < params.size(); ++i) {
    Napi::Value value = entries.Get(i);
    auto key = StateKey(params[i]);
    if (value.IsNull() || value.IsUndefined()) {
      optimizer.state().erase(key);
      continue;
    }
    auto entry = value.As<Napi::Object>();
    auto tensors = entry.Get("tensors").As<Napi::Object>();
    if (isAdamW) {
      auto state = std::make_unique<torch::optim::AdamWParamState>();
      state->step(Int(entry.Get("step")));
      state->exp_avg(Named(tensors, "exp_avg"));
      state->exp_avg_sq(Named(tensors, "exp_avg_sq"));
      state->max_exp_avg_sq(Named(tensors, "max_exp_avg_sq"));
      optimizer.state()[key] = std::move(state);
    } else {
      auto state = std::make_unique<torch::optim::SGDParamState>();
      state->momentum_buffer(Named(tensors, "momentum_buffer"));
      optimizer.state()[key] = std::move(state);
    }
  }
  return info.Env().Undefined();
}

// clipGradNorm(params, maxNorm, normType) -> total norm before clipping
MST_FN(ClipGradNorm) {
  double norm = torch::nn::utils::clip_grad_norm_(UnwrapList(ARG(0)), Double(ARG(1)), Double(ARG(2)));
  return Napi::Number::New(info.Env(), norm);
}

}  // namespace

void RegisterOptim(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "adamw", AdamW);
  Export(env, exports, "sgd", Sgd);
  Export(env, exports, "optimStep", OptimStep);
  Export(env, exports, "optimSetLr", OptimSetLr);
  Export(env, exports, "optimGetState", OptimGetState);
  Export(env, exports, "optimSetState", OptimSetState);
  Export(env, exports, "clipGradNorm", ClipGradNorm);
}

}  // namespace mst
