// Tensor handles: creation, data in and out, properties, conversion and in-place updates.
#include <cstring>

#include "common.h"

namespace mst {
namespace {

/// Pointer and size of the bytes behind an ArrayBuffer or any TypedArray/DataView.
std::pair<const uint8_t*, size_t> Bytes(const Napi::Value& value) {
  if (value.IsArrayBuffer()) {
    auto buffer = value.As<Napi::ArrayBuffer>();
    return {static_cast<const uint8_t*>(buffer.Data()), buffer.ByteLength()};
  }
  if (value.IsTypedArray()) {
    auto array = value.As<Napi::TypedArray>();
    auto* base = static_cast<const uint8_t*>(array.ArrayBuffer().Data());
    return {base + array.ByteOffset(), array.ByteLength()};
  }
  throw ArgError("expected an ArrayBuffer or a typed array");
}

at::Tensor CpuContiguous(const at::Tensor& t) { return t.detach().to(at::kCPU).contiguous(); }

// fromBuffer(bytes, shape, dtype, device): copies the bytes into a new tensor.
MST_FN(FromBuffer) {
  auto [data, length] = Bytes(ARG(0));
  auto shape = IntList(ARG(1));
  auto options = at::TensorOptions().dtype(DType(ARG(2)));
  at::Tensor out = at::empty(shape, options);
  size_t expected = out.numel() * out.element_size();
  if (expected != length) {
    throw ArgError("buffer holds " + std::to_string(length) + " bytes but shape and dtype need " +
                   std::to_string(expected));
  }
  if (length > 0) std::memcpy(out.data_ptr(), data, length);
  return Wrap(info.Env(), out.to(DeviceArg(ARG(3))));
}

// toBuffer(t): the raw bytes of the tensor (row-major, native dtype) in a new ArrayBuffer.
MST_FN(ToBuffer) {
  at::Tensor cpu = CpuContiguous(Unwrap(ARG(0)));
  size_t length = cpu.numel() * cpu.element_size();
  auto buffer = Napi::ArrayBuffer::New(info.Env(), length);
  if (length > 0) std::memcpy(buffer.Data(), cpu.data_ptr(), length);
  return buffer;
}

// toFloat32(t): values converted to float32 in a new Float32Array.
MST_FN(ToFloat32) {
  at::Tensor cpu = CpuContiguous(Unwrap(ARG(0))).to(at::kFloat);
  auto array = Napi::Float32Array::New(info.Env(), cpu.numel());
  if (cpu.numel() > 0) std::memcpy(array.Data(), cpu.data_ptr<float>(), cpu.numel() * sizeof(float));
  return array;
}

MST_FN(Item) {
  at::Tensor& t = Unwrap(ARG(0));
  if (t.numel() != 1) throw ArgError("item needs a tensor of one element, got " + std::to_string(t.numel()));
  return Napi::Number::New(info.Env(), t.item().toDouble());
}

MST_FN(Shape) {
  auto sizes = Unwrap(ARG(0)).sizes();
  auto array = Napi::Array::New(info.Env(), sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) array.Set(i, Napi::Number::New(info.Env(), sizes[i]));
  return array;
}

MST_FN(Dtype) { return Napi::Number::New(info.Env(), static_cast<int>(Unwrap(ARG(0)).scalar_type())); }
MST_FN(Device) { return Napi::String::New(info.Env(), Unwrap(ARG(0)).device().str()); }

// dispose(handle): releases the tensor now; the handle stays, empty. Disposing twice is a no-op.
MST_FN(Dispose) {
  *TensorSlot(ARG(0)) = at::Tensor();
  return info.Env().Undefined();
}

// disposeAll(handles): dispose() for each handle of an array, in one call.
MST_FN(DisposeAll) {
  if (!ARG(0).IsArray()) throw ArgError("expected an array of tensor handles");
  auto array = ARG(0).As<Napi::Array>();
  for (uint32_t i = 0; i < array.Length(); ++i) *TensorSlot(array.Get(i)) = at::Tensor();
  return info.Env().Undefined();
}

// ---- factories: (shape, dtype, device) ----
MST_FN(Zeros) { return Wrap(info.Env(), at::zeros(IntList(ARG(0)), FactoryOptions(ARG(1), ARG(2)))); }
MST_FN(Ones) { return Wrap(info.Env(), at::ones(IntList(ARG(0)), FactoryOptions(ARG(1), ARG(2)))); }
MST_FN(Empty) { return Wrap(info.Env(), at::empty(IntList(ARG(0)), FactoryOptions(ARG(1), ARG(2)))); }
MST_FN(Full) {
  return Wrap(info.Env(), at::full(IntList(ARG(0)), ScalarArg(ARG(1)), FactoryOptions(ARG(2), ARG(3))));
}
MST_FN(Randn) { return Wrap(info.Env(), at::randn(IntList(ARG(0)), FactoryOptions(ARG(1), ARG(2)))); }
MST_FN(Rand) { return Wrap(info.Env(), at::rand(IntList(ARG(0)), FactoryOptions(ARG(1), ARG(2)))); }
// randint(low, high, shape, device) -> int64
MST_FN(Randint) {
  return Wrap(info.Env(), at::randint(Int(ARG(0)), Int(ARG(1)), IntList(ARG(2)),
                                      FactoryOptions(Napi::Number::New(info.Env(), static_cast<int>(at::kLong)), ARG(3))));
}
MST_FN(Randperm) {
  return Wrap(info.Env(), at::randperm(Int(ARG(0)), FactoryOptions(Napi::Number::New(info.Env(), static_cast<int>(at::kLong)), ARG(1))));
}
// arange(start, end, step, dtype, device)
MST_FN(Arange) {
  return Wrap(info.Env(), at::arange(ScalarArg(ARG(0)), ScalarArg(ARG(1)), ScalarArg(ARG(2)), FactoryOptions(ARG(3), ARG(4))));
}
// linspace(start, end, steps, dtype, device)
MST_FN(Linspace) {
  return Wrap(info.Env(), at::linspace(ScalarArg(ARG(0)), ScalarArg(ARG(1)), Int(ARG(2)), FactoryOptions(ARG(3), ARG(4))));
}
// zerosLike / onesLike / randnLike / randLike(t)
MST_FN(ZerosLike) { return Wrap(info.Env(), at::zeros_like(Unwrap(ARG(0)))); }
MST_FN(OnesLike) { return Wrap(info.Env(), at::ones_like(Unwrap(ARG(0)))); }
MST_FN(RandnLike) { return Wrap(info.Env(), at::randn_like(Unwrap(ARG(0)))); }
MST_FN(RandLike) { return Wrap(info.Env(), at::rand_like(Unwrap(ARG(0)))); }

// ---- conversion ----
// to(t, dtype | null, device | null)
MST_FN(To) {
  at::Tensor& t = Unwrap(ARG(0));
  at::ScalarType dtype = ARG(1).IsNull() || ARG(1).IsUndefined() ? t.scalar_type() : DType(ARG(1));
  c10::Device device = ARG(2).IsNull() || ARG(2).IsUndefined() ? t.device() : DeviceArg(ARG(2));
  return Wrap(info.Env(), t.to(device, dtype));
}
MST_FN(Clone) { return Wrap(info.Env(), Unwrap(ARG(0)).clone()); }
MST_FN(Contiguous) { return Wrap(info.Env(), Unwrap(ARG(0)).contiguous()); }
MST_FN(Detach) { return Wrap(info.Env(), Unwrap(ARG(0)).detach()); }
// alias(t): a second handle to the same tensor (same storage and autograd identity).

// ---- in-place updates (return nothing; the handle keeps pointing at the same storage) ----
MST_FN(Copy_) {
  Unwrap(ARG(0)).copy_(Unwrap(ARG(1)));
  return info.Env().Undefined();
}
MST_FN(Fill_) {
  Unwrap(ARG(0)).fill_(ScalarArg(ARG(1)));
  return info.Env().Undefined();
}
MST_FN(Zero_) {
  Unwrap(ARG(0)).zero_();
  return info.Env().Undefined();
}
// add_(t, other, alpha): t += alpha * other
MST_FN(Add_) {
  at::Tensor& t = Unwrap(ARG(0));
  if (ARG(1).IsNumber()) t.add_(ScalarArg(ARG(1)), ScalarArg(ARG(2)));
  else t.add_(Unwrap(ARG(1)), ScalarArg(ARG(2)));
  return info.Env().Undefined();
}
MST_FN(Mul_) {
  at::Tensor& t = Unwrap(ARG(0));
  if (ARG(1).IsNumber()) t.mul_(ScalarArg(ARG(1)));
  else t.mul_(Unwrap(ARG(1)));
  return info.Env().Undefined();
}
MST_FN(Div_) {
  at::Tensor& t = Unwrap(ARG(0));
  if (ARG(1).IsNumber()) t.div_(ScalarArg(ARG(1)));
  else t.div_(Unwrap(ARG(1)));
  return info.Env().Undefined();
}
// clamp_(t, min | null, max | null)
MST_FN(Clamp_) {
  c10::optional<at::Scalar> lo, hi;
  if (ARG(1).IsNumber()) lo = ScalarArg(ARG(1));
  if (ARG(2).IsNumber()) hi = ScalarArg(ARG(2));
  Unwrap(ARG(0)).clamp_(lo, hi);
  return info.Env().Undefined();
}
// unary in-place ops by name: saves an allocation per step in long elementwise chains
#define UNARY_INPLACE(NAME, METHOD)  \
  MST_FN(NAME) {                     \
    Unwrap(ARG(0)).METHOD();         \
    return info.Env().Undefined();   \
  }
UNARY_INPLACE(Log_, log_)
UNARY_INPLACE(Exp_, exp_)
UNARY_INPLACE(Sqrt_, sqrt_)
UNARY_INPLACE(Abs_, abs_)
UNARY_INPLACE(Neg_, neg_)
UNARY_INPLACE(Relu_, relu_)
UNARY_INPLACE(Tanh_, tanh_)
UNARY_INPLACE(Sigmoid_, sigmoid_)
// lerp_(t, end, weight): t += weight * (end - t)
MST_FN(Lerp_) {
  Unwrap(ARG(0)).lerp_(Unwrap(ARG(1)), ScalarArg(ARG(2)));
  return info.Env().Undefined();
}
// setData(t, other): t now holds other's storage (same handle, same autograd leaf); used to
// move or cast a module's parameters in place.
MST_FN(SetData) {
  Unwrap(ARG(0)).set_data(Unwrap(ARG(1)));
  return info.Env().Undefined();
}
// uniform_(t, from, to), normal_(t, mean, std): initialisers, in place, from the global generator.
MST_FN(Uniform_) {
  Unwrap(ARG(0)).uniform_(Double(ARG(1)), Double(ARG(2)));
  return info.Env().Undefined();
}
MST_FN(Normal_) {
  Unwrap(ARG(0)).normal_(Double(ARG(1)), Double(ARG(2)));
  return info.Env().Undefined();
}

}  // namespace

void RegisterTensor(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "fromBuffer", FromBuffer);
  Export(env, exports, "toBuffer", ToBuffer);
  Export(env, exports, "toFloat32", ToFloat32);
  Export(env, exports, "item", Item);
  Export(env, exports, "shape", Shape);
  Export(env, exports, "dtype", Dtype);
  Export(env, exports, "device", Device);
  Export(env, exports, "dispose", Dispose);
  Export(env, exports, "disposeAll", DisposeAll);
  Export(env, exports, "zeros", Zeros);
  Export(env, exports, "ones", Ones);
  Export(env, exports, "empty", Empty);
  Export(env, exports, "full", Full);
  Export(env, exports, "randn", Randn);
  Export(env, exports, "rand", Rand);
  Export(env, exports, "randint", Randint);
  Export(env, exports, "randperm", Randperm);
  Export(env, exports, "arange", Arange);
  Export(env, exports, "linspace", Linspace);
  Export(env, exports, "zerosLike", ZerosLike);
  Export(env, exports, "onesLike", OnesLike);
  Export(env, exports, "randnLike", RandnLike);
  Export(env, exports, "randLike", RandLike);
  Export(env, exports, "to", To);
  Export(env, exports, "clone", Clone);
  Export(env, exports, "contiguous", Contiguous);
  Export(env, exports, "detach", Detach);
  Export(env, exports, "copy_", Copy_);
  Export(env, exports, "fill_", Fill_);
  Export(env, exports, "zero_", Zero_);
  Export(env, exports, "add_", Add_);
  Export(env, exports, "mul_", Mul_);
  Export(env, exports, "lerp_", Lerp_);
  Export(env, exports, "div_", Div_);
  Export(env, exports, "clamp_", Clamp_);
  Export(env, exports, "log_", Log_);
  Export(env, exports, "exp_", Exp_);
  Export(env, exports, "sqrt_", Sqrt_);
  Export(env, exports, "abs_", Abs_);
  Export(env, exports, "neg_", Neg_);
  Export(env, exports, "relu_", Relu_);
  Export(env, exports, "tanh_", Tanh_);
  Export(env, exports, "sigmoid_", Sigmoid_);
  Export(env, exports, "setData", SetData);
  Export(env, exports, "uniform_", Uniform_);
  Export(env, exports, "normal_", Normal_);
}

}  // namespace mst
