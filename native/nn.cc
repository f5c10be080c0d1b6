// Neural-network ops: matmul, linear, convolutions, normalisation, pooling, resampling,
// dropout, softmax, attention and losses.
#include "common.h"

namespace mst {
namespace {

int64_t Reduction(const Napi::Value& value) {
  std::string r = String(value);
  if (r == "mean") return at::Reduction::Mean;
  if (r == "sum") return at::Reduction::Sum;
  if (r == "none") return at::Reduction::None;
  throw ArgError("unknown reduction " + r);
}

MST_FN(Matmul) { return Wrap(info.Env(), at::matmul(Unwrap(ARG(0)), Unwrap(ARG(1)))); }
MST_FN(Bmm) { return Wrap(info.Env(), at::bmm(Unwrap(ARG(0)), Unwrap(ARG(1)))); }
// eigh(a [..., n, n] symmetric) -> [eigenvalues [..., n] ascending, eigenvectors [..., n, n] as columns]
MST_FN(Eigh) {
  auto [values, vectors] = at::linalg_eigh(Unwrap(ARG(0)));
  return WrapList(info.Env(), {values, vectors});
}
// linear(x, weight [out, in], bias [out] | null)
MST_FN(Linear) { return Wrap(info.Env(), at::linear(Unwrap(ARG(0)), Unwrap(ARG(1)), UnwrapOptional(ARG(2)))); }

// conv1d/conv2d(x, weight, bias | null, stride, padding, dilation, groups)
MST_FN(Conv1d) {
  return Wrap(info.Env(), at::conv1d(Unwrap(ARG(0)), Unwrap(ARG(1)), UnwrapOptional(ARG(2)), IntList(ARG(3)),
                                     IntList(ARG(4)), IntList(ARG(5)), Int(ARG(6))));
}
MST_FN(Conv2d) {
  return Wrap(info.Env(), at::conv2d(Unwrap(ARG(0)), Unwrap(ARG(1)), UnwrapOptional(ARG(2)), IntList(ARG(3)),
                                     IntList(ARG(4)), IntList(ARG(5)), Int(ARG(6))));
}
// convTranspose2d(x, weight [in, out/groups, kh, kw], bias | null, stride, padding, outputPadding, groups, dilation)
MST_FN(ConvTranspose2d) {
  return Wrap(info.Env(), at::conv_transpose2d(Unwrap(ARG(0)), Unwrap(ARG(1)), UnwrapOptional(ARG(2)), IntList(ARG(3)),
                                               IntList(ARG(4)), IntList(ARG(5)), Int(ARG(6)), IntList(ARG(7))));
}

// batchNorm(x, weight, bias, runningMean, runningVar (each | null), training, momentum, eps).
// In training mode the running statistics are updated in place, as in PyTorch.
MST_FN(BatchNorm) {
  return Wrap(info.Env(), at::batch_norm(Unwrap(ARG(0)), UnwrapOptional(ARG(1)), UnwrapOptional(ARG(2)),
                                         UnwrapOptional(ARG(3)), UnwrapOptional(ARG(4)), Bool(ARG(5)), Double(ARG(6)),
                                         Double(ARG(7)), at::globalContext().userEnabledCuDNN()));
}
// groupNorm(x, groups, weight | null, bias | null, eps)
MST_FN(GroupNorm) {
  return Wrap(info.Env(), at::group_norm(Unwrap(ARG(0)), Int(ARG(1)), UnwrapOptional(ARG(2)), UnwrapOptional(ARG(3)),
                                         Double(ARG(4)), at::globalContext().userEnabledCuDNN()));
}
// layerNorm(x, normalizedShape, weight | null, bias | null, eps)
MST_FN(LayerNorm) {
  return Wrap(info.Env(), at::layer_norm(Unwrap(ARG(0)), IntList(ARG(1)), UnwrapOptional(ARG(2)), UnwrapOptional(ARG(3)),
                                         Double(ARG(4)), at::globalContext().userEnabledCuDNN()));
}

MST_FN(Softmax) { return Wrap(info.Env(), at::softmax(Unwrap(ARG(0)), Int(ARG(1)))); }
MST_FN(LogSoftmax) { return Wrap(info.Env(), at::log_softmax(Unwrap(ARG(0)), Int(ARG(1)))); }
// dropout(x, p, training)
MST_FN(Dropout) { return Wrap(info.Env(), at::dropout(Unwrap(ARG(0)), Double(ARG(1)), Bool(ARG(2)))); }

// maxPool2d/avgPool2d(x, kernel, stride, padding)
MST_FN(MaxPool2d) {
  return Wrap(info.Env(), at::max_pool2d(Unwrap(ARG(0)), IntList(ARG(1)), IntList(ARG(2)), IntList(ARG(3))));
}
MST_FN(AvgPool2d) {
  return Wrap(info.Env(), at::avg_pool2d(Unwrap(ARG(0)), IntList(ARG(1)), IntList(ARG(2)), IntList(ARG(3))));
}
MST_FN(AdaptiveAvgPool2d) { return Wrap(info.Env(), at::adaptive_avg_pool2d(Unwrap(ARG(0)), IntList(ARG(1)))); }

// interpolate(x [N, C, H, W], size [H', W'], mode: 'nearest' | 'bilinear', alignCorners)
MST_FN(Interpolate) {
  const at::Tensor& x = Unwrap(ARG(0));
  auto size = IntList(ARG(1));
  std::string mode = String(ARG(2));
  if (mode == "nearest") return Wrap(info.Env(), at::upsample_nearest2d(x, size));
  if (mode == "bilinear") return Wrap(info.Env(), at::upsample_bilinear2d(x, size, Bool(ARG(3))));
  throw ArgError("unknown interpolation mode " + mode);
}

// attention(q [.., Lq, E], k [.., Lk, E], v [.., Lk, Ev], mask | null): softmax(q kᵀ / √E + mask) v.
// libtorch 2.x runs its fused kernel; 1.13 runs the same maths as matmul + softmax + matmul.
MST_FN(Attention) {
  const at::Tensor& q = Unwrap(ARG(0));
  const at::Tensor& k = Unwrap(ARG(1));
  const at::Tensor& v = Unwrap(ARG(2));
  auto mask = UnwrapOptional(ARG(3));
#if MST_TORCH_AT_LEAST(2, 0)
  return Wrap(info.Env(), at::scaled_dot_product_attention(q, k, v, mask));
#else
  at::Tensor scores = at::matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(static_cast<double>(q.size(-1))));
  if (mask) scores = mask->scalar_type() == at::kBool ? scores.masked_fill(mask->logical_not(), -INFINITY) : scores + *mask;
  return Wrap(info.Env(), at::matmul(at::softmax(scores, -1), v));
#endif
}

// Losses: (input, target, reduction)
MST_FN(MseLoss) { return Wrap(info.Env(), at::mse_loss(Unwrap(ARG(0)), Unwrap(ARG(1)), Reduction(ARG(2)))); }
MST_FN(L1Loss) { return Wrap(info.Env(), at::l1_loss(Unwrap(ARG(0)), Unwrap(ARG(1)), Reduction(ARG(2)))); }
// crossEntropy(logits [N, C], target int64 [N], reduction, labelSmoothing)
MST_FN(CrossEntropy) {
  return Wrap(info.Env(), at::cross_entropy_loss(Unwrap(ARG(0)), Unwrap(ARG(1)), {}, Reduction(ARG(2)), -100,
                                                 Double(ARG(3))));
}
MST_FN(BceWithLogits) {
  return Wrap(info.Env(), at::binary_cross_entropy_with_logits(Unwrap(ARG(0)), Unwrap(ARG(1)), {}, {}, Reduction(ARG(2))));
}

}  // namespace

void RegisterNN(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "matmul", Matmul);
  Export(env, exports, "bmm", Bmm);
  Export(env, exports, "eigh", Eigh);
  Export(env, exports, "linear", Linear);
  Export(env, exports, "conv1d", Conv1d);
  Export(env, exports, "conv2d", Conv2d);
  Export(env, exports, "convTranspose2d", ConvTranspose2d);
  Export(env, exports, "batchNorm", BatchNorm);
  Export(env, exports, "groupNorm", GroupNorm);
  Export(env, exports, "layerNorm", LayerNorm);
  Export(env, exports, "softmax", Softmax);
  Export(env, exports, "logSoftmax", LogSoftmax);
  Export(env, exports, "dropout", Dropout);
  Export(env, exports, "maxPool2d", MaxPool2d);
  Export(env, exports, "avgPool2d", AvgPool2d);
  Export(env, exports, "adaptiveAvgPool2d", AdaptiveAvgPool2d);
  Export(env, exports, "interpolate", Interpolate);
  Export(env, exports, "attention", Attention);
  Export(env, exports, "mseLoss", MseLoss);
  Export(env, exports, "l1Loss", L1Loss);
  Export(env, exports, "crossEntropy", CrossEntropy);
  Export(env, exports, "bceWithLogits", BceWithLogits);
}

}  // namespace mst
