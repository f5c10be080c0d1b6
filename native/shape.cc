// Shape and indexing: reshape, permute, cat/stack/split, slicing, gathering, padding.
#include "common.h"

namespace mst {
namespace {

MST_FN(Reshape) { return Wrap(info.Env(), at::reshape(Unwrap(ARG(0)), IntList(ARG(1)))); }
MST_FN(Permute) { return Wrap(info.Env(), Unwrap(ARG(0)).permute(IntList(ARG(1)))); }
MST_FN(Transpose) { return Wrap(info.Env(), at::transpose(Unwrap(ARG(0)), Int(ARG(1)), Int(ARG(2)))); }
MST_FN(Unsqueeze) { return Wrap(info.Env(), at::unsqueeze(Unwrap(ARG(0)), Int(ARG(1)))); }
// squeeze(x, dim | null)
MST_FN(Squeeze) {
  const at::Tensor& x = Unwrap(ARG(0));
  if (ARG(1).IsNull() || ARG(1).IsUndefined()) return Wrap(info.Env(), at::squeeze(x));
  return Wrap(info.Env(), at::squeeze(x, Int(ARG(1))));
}
MST_FN(Flatten) { return Wrap(info.Env(), at::flatten(Unwrap(ARG(0)), Int(ARG(1)), Int(ARG(2)))); }
MST_FN(Expand) { return Wrap(info.Env(), Unwrap(ARG(0)).expand(IntList(ARG(1)))); }
MST_FN(Repeat) { return Wrap(info.Env(), Unwrap(ARG(0)).repeat(IntList(ARG(1)))); }
MST_FN(Flip) { return Wrap(info.Env(), at::flip(Unwrap(ARG(0)), IntList(ARG(1)))); }
MST_FN(Cat) { return Wrap(info.Env(), at::cat(UnwrapList(ARG(0)), Int(ARG(1)))); }
MST_FN(Stack) { return Wrap(info.Env(), at::stack(UnwrapList(ARG(0)), Int(ARG(1)))); }
// split(x, sizes, dim) with explicit section sizes
MST_FN(Split) { return WrapList(info.Env(), at::split_with_sizes(Unwrap(ARG(0)), IntList(ARG(1)), Int(ARG(2)))); }
// slice(x, dim, start, end, step)
MST_FN(Slice) {
  return Wrap(info.Env(), at::slice(Unwrap(ARG(0)), Int(ARG(1)), Int(ARG(2)), Int(ARG(3)), Int(ARG(4))));
}
// select(x, dim, index): drops the dim
MST_FN(Select) { return Wrap(info.Env(), at::select(Unwrap(ARG(0)), Int(ARG(1)), Int(ARG(2)))); }
MST_FN(IndexSelect) { return Wrap(info.Env(), at::index_select(Unwrap(ARG(0)), Int(ARG(1)), Unwrap(ARG(2)))); }
MST_FN(Gather) { return Wrap(info.Env(), at::gather(Unwrap(ARG(0)), Int(ARG(1)), Unwrap(ARG(2)))); }
// pad(x, pads, mode: 'constant' | 'reflect' | 'replicate' | 'circular', value)
MST_FN(Pad) {
  return Wrap(info.Env(), at::pad(Unwrap(ARG(0)), IntList(ARG(1)), String(ARG(2)), OptionalDouble(ARG(3))));
}
MST_FN(Tril) { return Wrap(info.Env(), at::tril(Unwrap(ARG(0)), Int(ARG(1)))); }
MST_FN(Triu) { return Wrap(info.Env(), at::triu(Unwrap(ARG(0)), Int(ARG(1)))); }

}  // namespace

void RegisterShape(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "reshape", Reshape);
  Export(env, exports, "permute", Permute);
  Export(env, exports, "transpose", Transpose);
  Export(env, exports, "unsqueeze", Unsqueeze);
  Export(env, exports, "squeeze", Squeeze);
  Export(env, exports, "flatten", Flatten);
  Export(env, exports, "expand", Expand);
  Export(env, exports, "repeat", Repeat);
  Export(env, exports, "flip", Flip);
  Export(env, exports, "cat", Cat);
  Export(env, exports, "stack", Stack);
  Export(env, exports, "split", Split);
  Export(env, exports, "slice", Slice);
  Export(env, exports, "select", Select);
  Export(env, exports, "indexSelect", IndexSelect);
  Export(env, exports, "gather", Gather);
  Export(env, exports, "pad", Pad);
  Export(env, exports, "tril", Tril);
  Export(env, exports, "triu", Triu);
}

}  // namespace mst
