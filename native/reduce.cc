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
MST_FN(Amax) {
  const at::Tensor& x = Unwrap(ARG(0));
  std::vector<int64_t> dims = AllDims(ARG(1)) ? std::vector<int64_t>{} : IntList(ARG(1));
  return Wrap(info.Env(), at::amax(x, dims, AllDims(ARG(1)) ? false : Bool(ARG(2))));
}
MST_FN(Amin) {
  const at::Tensor& x = Unwrap(ARG(0));
  std::vector<int64_t> dims = AllDims(ARG(1)) ? std::vector<int64_t>{} : IntList(ARG(1));
  return Wrap(info.Env(), at::amin(x, dims, AllDims(ARG(1)) ? false : Bool(ARG(2))));
}
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
// var(x, dims | null, unbiased, keepdim), std(...)
MST_FN(Var) {
  const at::Tensor& x = Unwrap(ARG(0));
  c10::optional<at::IntArrayRef> dims;
  std::vector<int64_t> list;
  if (!AllDims(ARG(1))) { list = IntList(ARG(1)); dims = list; }
  return Wrap(info.Env(), at::var(x, dims, Bool(ARG(2)), Bool(ARG(3))));
}
MST_FN(Std) {
  const at::Tensor& x = Unwrap(ARG(0));
  c10::optional<at::IntArrayRef> dims;
  std::vector<int64_t> list;
  if (!AllDims(ARG(1))) { list = IntList(ARG(1)); dims = list; }
  return Wrap(info.Env(), at::std(x, dims, Bool(ARG(2)), Bool(ARG(3))));
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
  Export(env, exports, "var", Var);
  Export(env, exports, "std", Std);
  Export(env, exports, "norm", Norm);
  Export(env, exports, "logsumexp", Logsumexp);
  Export(env, exports, "cumsum", Cumsum);
}

}  // namespace mst
