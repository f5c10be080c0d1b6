// Reductions over all elements or over given dims.
#include "common.h"

namespace mst {
namespace {

bool AllDims(const Napi::Value& dims) { return dims.IsNull() || dims.IsUndefined(); }

// sum(x, dims | null, keepdim)
MST_FN(Sum) {
  const at::Tensor& x = Unwrap(ARG(0));
  if (AllDims(ARG(1))) return Wrap(info.Env(), at::sum(x));
  return Wrap(info.Env(), at::sum(x, IntList(ARG(1)), Bool(ARG(2))));
}
MST_FN(Mean) {
  const at::Tensor& x = Unwrap(ARG(0));
  if (AllDims(ARG(1))) return Wrap(info.Env(), at::mean(x));
  return Wrap(info.Env(), at::mean(x, IntList(ARG(1)), Bool(ARG(2))));
}
// amax/amin(x, dims | null, keepdim): an empty dim list reduces over every element.
std::vector<int64_t> DimsOrAll(const Napi::Value& dims) { return AllDims(dims) ? std::vector<int64_t>{} : IntList(dims); }
MST_FN(Amax) { return Wrap(info.Env(), at::amax(Unwrap(ARG(0)), DimsOrAll(ARG(1)), !AllDims(ARG(1)) && Bool(ARG(2)))); }
MST_FN(Amin) { return Wrap(info.Env(), at::amin(Unwrap(ARG(0)), DimsOrAll(ARG(1)), !AllDims(ARG(1)) && Bool(ARG(2)))); }
// maxDim(x, dim, keepdim) -> [values, indices]
MST_FN(MaxDim) {
  auto [values, indices] = at::max(Unwrap(ARG(0)), Int(ARG(1)), Bool(ARG(2)));
  return WrapList(info.Env(), {values, indices});
}
// argmax(x, dim | null, keepdim)
MST_FN(Argmax) {
  const at::Tensor& x = Unwrap(ARG(0));
  return Wrap(info.Env(), at::argmax(x, OptionalInt(ARG(1)), Bool(ARG(2))));
}
// var/std(x, dims | null, unbiased, keepdim)
template <at::Tensor (*Reduce)(const at::Tensor&, at::OptionalIntArrayRef, bool, bool)>
Napi::Value Spread(const Napi::CallbackInfo& info) {
  std::vector<int64_t> dims = DimsOrAll(ARG(1));
  at::OptionalIntArrayRef selected = AllDims(ARG(1)) ? at::OptionalIntArrayRef() : at::OptionalIntArrayRef(dims);
  return Wrap(info.Env(), Reduce(Unwrap(ARG(0)), selected, Bool(ARG(2)), Bool(ARG(3))));
}
// norm(x, p, dims | null, keepdim): the vector p-norm
MST_FN(Norm) {
  const at::Tensor& x = Unwrap(ARG(0));
  if (AllDims(ARG(2))) return Wrap(info.Env(), at::norm(x, ScalarArg(ARG(1))));
  return Wrap(info.Env(), at::norm(x, ScalarArg(ARG(1)), IntList(ARG(2)), Bool(ARG(3))));
}
// logsumexp(x, dims, keepdim)
MST_FN(Logsumexp) { return Wrap(info.Env(), at::logsumexp(Unwrap(ARG(0)), IntList(ARG(1)), Bool(ARG(2)))); }
// cumsum(x, dim)
MST_FN(Cumsum) { return Wrap(info.Env(), at::cumsum(Unwrap(ARG(0)), Int(ARG(1)))); }

}  // namespace

void RegisterReduce(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "sum", Sum);
  Export(env, exports, "mean", Mean);
  Export(env, exports, "amax", Amax);
  Export(env, exports, "amin", Amin);
  Export(env, exports, "maxDim", MaxDim);
  Export(env, exports, "argmax", Argmax);
  Export(env, exports, "var", Spread<at::var>);
  Export(env, exports, "std", Spread<at::std>);
  Export(env, exports, "norm", Norm);
  Export(env, exports, "logsumexp", Logsumexp);
  Export(env, exports, "cumsum", Cumsum);
}

}  // namespace mst
