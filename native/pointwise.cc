// Elementwise math: unary functions, activations, binary arithmetic and comparisons.
#include "common.h"

namespace mst {
namespace {

#define UNARY(NAME, EXPR)                   \
  MST_FN(NAME) {                            \
    const at::Tensor& x = Unwrap(ARG(0));   \
    return Wrap(info.Env(), EXPR);          \
  }

UNARY(Neg, at::neg(x))
UNARY(Abs, at::abs(x))
UNARY(Exp, at::exp(x))
UNARY(Log, at::log(x))
UNARY(Log1p, at::log1p(x))
UNARY(Expm1, at::expm1(x))
UNARY(Sqrt, at::sqrt(x))
UNARY(Rsqrt, at::rsqrt(x))
UNARY(Square, at::square(x))
UNARY(Sin, at::sin(x))
UNARY(Cos, at::cos(x))
UNARY(Tanh, at::tanh(x))
UNARY(Sigmoid, at::sigmoid(x))
UNARY(Relu, at::relu(x))
UNARY(Silu, at::silu(x))
UNARY(Sign, at::sign(x))
UNARY(Floor, at::floor(x))
UNARY(Ceil, at::ceil(x))
UNARY(Round, at::round(x))
UNARY(Reciprocal, at::reciprocal(x))
UNARY(LogicalNot, at::logical_not(x))
UNARY(Isnan, at::isnan(x))
UNARY(Isfinite, at::isfinite(x))

// gelu(x, approximate: 'none' | 'tanh')
MST_FN(Gelu) { return Wrap(info.Env(), at::gelu(Unwrap(ARG(0)), String(ARG(1)))); }
// leakyRelu(x, slope)
MST_FN(LeakyRelu) { return Wrap(info.Env(), at::leaky_relu(Unwrap(ARG(0)), ScalarArg(ARG(1)))); }

// Binary ops accept (tensor, tensor), (tensor, number) and, where it matters, (number, tensor).
#define BINARY(NAME, FN)                                                             \
  MST_FN(NAME) {                                                                     \
    if (ARG(0).IsNumber()) {                                                         \
      at::Tensor b = Unwrap(ARG(1));                                                 \
      return Wrap(info.Env(), at::FN(at::scalar_tensor(ScalarArg(ARG(0)), b.options()), b)); \
    }                                                                                \
    const at::Tensor& a = Unwrap(ARG(0));                                            \
    if (ARG(1).IsNumber()) return Wrap(info.Env(), at::FN(a, ScalarArg(ARG(1))));    \
    return Wrap(info.Env(), at::FN(a, Unwrap(ARG(1))));                              \
  }

BINARY(Add, add)
BINARY(Sub, sub)
BINARY(Mul, mul)
BINARY(Div, div)
BINARY(Pow, pow)
BINARY(Eq, eq)
BINARY(Ne, ne)
BINARY(Lt, lt)
BINARY(Le, le)
BINARY(Gt, gt)
BINARY(Ge, ge)
BINARY(Remainder, remainder)

MST_FN(Maximum) { return Wrap(info.Env(), at::maximum(Unwrap(ARG(0)), Unwrap(ARG(1)))); }
MST_FN(Minimum) { return Wrap(info.Env(), at::minimum(Unwrap(ARG(0)), Unwrap(ARG(1)))); }
MST_FN(Atan2) { return Wrap(info.Env(), at::atan2(Unwrap(ARG(0)), Unwrap(ARG(1)))); }

// where(cond, a, b): a and b may each be a tensor or a number.
MST_FN(Where) {
  const at::Tensor& cond = Unwrap(ARG(0));
  bool aNum = ARG(1).IsNumber(), bNum = ARG(2).IsNumber();
  if (aNum && bNum) return Wrap(info.Env(), at::where(cond, ScalarArg(ARG(1)), ScalarArg(ARG(2))));
  if (aNum) return Wrap(info.Env(), at::where(cond, ScalarArg(ARG(1)), Unwrap(ARG(2))));
  if (bNum) return Wrap(info.Env(), at::where(cond, Unwrap(ARG(1)), ScalarArg(ARG(2))));
  return Wrap(info.Env(), at::where(cond, Unwrap(ARG(1)), Unwrap(ARG(2))));
}

// clamp(x, min | null, max | null)
MST_FN(Clamp) {
  c10::optional<at::Scalar> lo, hi;
  if (ARG(1).IsNumber()) lo = ScalarArg(ARG(1));
  if (ARG(2).IsNumber()) hi = ScalarArg(ARG(2));
  return Wrap(info.Env(), at::clamp(Unwrap(ARG(0)), lo, hi));
}

}  // namespace

void RegisterPointwise(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "neg", Neg);
  Export(env, exports, "abs", Abs);
  Export(env, exports, "exp", Exp);
  Export(env, exports, "log", Log);
  Export(env, exports, "log1p", Log1p);
  Export(env, exports, "expm1", Expm1);
  Export(env, exports, "sqrt", Sqrt);
  Export(env, exports, "rsqrt", Rsqrt);
  Export(env, exports, "square", Square);
  Export(env, exports, "sin", Sin);
  Export(env, exports, "cos", Cos);
  Export(env, exports, "tanh", Tanh);
  Export(env, exports, "sigmoid", Sigmoid);
  Export(env, exports, "relu", Relu);
  Export(env, exports, "silu", Silu);
  Export(env, exports, "sign", Sign);
  Export(env, exports, "floor", Floor);
  Export(env, exports, "ceil", Ceil);
  Export(env, exports, "round", Round);
  Export(env, exports, "reciprocal", Reciprocal);
  Export(env, exports, "logicalNot", LogicalNot);
  Export(env, exports, "isnan", Isnan);
  Export(env, exports, "isfinite", Isfinite);
  Export(env, exports, "gelu", Gelu);
  Export(env, exports, "leakyRelu", LeakyRelu);
  Export(env, exports, "add", Add);
  Export(env, exports, "sub", Sub);
  Export(env, exports, "mul", Mul);
  Export(env, exports, "div", Div);
  Export(env, exports, "pow", Pow);
  Export(env, exports, "eq", Eq);
  Export(env, exports, "ne", Ne);
  Export(env, exports, "lt", Lt);
  Export(env, exports, "le", Le);
  Export(env, exports, "gt", Gt);
  Export(env, exports, "ge", Ge);
  Export(env, exports, "remainder", Remainder);
  Export(env, exports, "maximum", Maximum);
  Export(env, exports, "minimum", Minimum);
  Export(env, exports, "atan2", Atan2);
  Export(env, exports, "where", Where);
  Export(env, exports, "clamp", Clamp);
}

}  // namespace mst
