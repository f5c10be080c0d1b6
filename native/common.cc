#include "common.h"

#include <cmath>

namespace mst {

const napi_type_tag kTensorTag = {0x6d73745f74656e73ULL, 0x6f725f68616e646cULL};

Napi::Value Wrap(Napi::Env env, at::Tensor tensor) {
  auto* owned = new at::Tensor(std::move(tensor));
  auto handle = Napi::External<at::Tensor>::New(env, owned, [](Napi::Env, at::Tensor* t) { delete t; });
  handle.TypeTag(&kTensorTag);
  return handle;
}

Napi::Value WrapList(Napi::Env env, const std::vector<at::Tensor>& tensors) {
  auto array = Napi::Array::New(env, tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) array.Set(i, Wrap(env, tensors[i]));
  return array;
}

at::Tensor* TensorSlot(const Napi::Value& value) {
  if (!value.IsExternal()) throw ArgError("expected a tensor handle");
  auto external = value.As<Napi::External<at::Tensor>>();
  if (!external.CheckTypeTag(&kTensorTag)) throw ArgError("expected a tensor handle, got a foreign external");
  return external.Data();
}

at::Tensor& Unwrap(const Napi::Value& value) {
  at::Tensor* tensor = TensorSlot(value);
  if (!tensor->defined()) throw ArgError("tensor has been disposed");
  return *tensor;
}

c10::optional<at::Tensor> UnwrapOptional(const Napi::Value& value) {
  if (value.IsUndefined() || value.IsNull()) return c10::nullopt;
  return Unwrap(value);
}

std::vector<at::Tensor> UnwrapList(const Napi::Value& value) {
  if (!value.IsArray()) throw ArgError("expected an array of tensors");
  auto array = value.As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) out.push_back(Unwrap(array.Get(i)));
  return out;
}

std::vector<int64_t> IntList(const Napi::Value& value) {
  if (!value.IsArray()) throw ArgError("expected an array of integers");
  auto array = value.As<Napi::Array>();
  std::vector<int64_t> out(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) out[i] = Int(array.Get(i));
  return out;
}

int64_t Int(const Napi::Value& value) {
  if (!value.IsNumber()) throw ArgError("expected an integer");
  double number = value.As<Napi::Number>().DoubleValue();
  // beyond ±2^63 or fractional: refused rather than wrapped or truncated
  if (!(std::trunc(number) == number && std::abs(number) < 9223372036854775808.0)) throw ArgError("expected an integer");
  return static_cast<int64_t>(number);
}

int IntIn(const Napi::Value& value, int64_t low, int64_t high) {
  int64_t n = Int(value);
  if (n < low || n > high) throw ArgError("expected an integer in [" + std::to_string(low) + ", " + std::to_string(high) + "], got " + std::to_string(n));
  return static_cast<int>(n);
}

double Double(const Napi::Value& value) {
  if (!value.IsNumber()) throw ArgError("expected a number");
  return value.As<Napi::Number>().DoubleValue();
}

bool Bool(const Napi::Value& value) {
  if (!value.IsBoolean()) throw ArgError("expected a boolean");
  return value.As<Napi::Boolean>().Value();
}

std::string String(const Napi::Value& value) {
  if (!value.IsString()) throw ArgError("expected a string");
  return value.As<Napi::String>().Utf8Value();
}

c10::optional<int64_t> OptionalInt(const Napi::Value& value) {
  if (value.IsUndefined() || value.IsNull()) return c10::nullopt;
  return Int(value);
}

c10::optional<double> OptionalDouble(const Napi::Value& value) {
  if (value.IsUndefined() || value.IsNull()) return c10::nullopt;
  return Double(value);
}

at::Scalar ScalarArg(const Napi::Value& value) {
  if (value.IsBoolean()) return at::Scalar(value.As<Napi::Boolean>().Value());
  double number = Double(value);
  // integral numbers become integer scalars, so that int64 tensors accept them in place
  if (std::nearbyint(number) == number && std::abs(number) < 9007199254740992.0) {
    return at::Scalar(static_cast<int64_t>(number));
  }
  return at::Scalar(number);
}

at::ScalarType DType(const Napi::Value& value) {
  return static_cast<at::ScalarType>(IntIn(value, 0, static_cast<int64_t>(at::ScalarType::NumOptions) - 1));
}

c10::Device DeviceArg(const Napi::Value& value) {
  return c10::Device(String(value));
}

at::TensorOptions FactoryOptions(const Napi::Value& dtype, const Napi::Value& device) {
  return at::TensorOptions().dtype(DType(dtype)).device(DeviceArg(device));
}

void Export(Napi::Env env, Napi::Object exports, const char* name, Body body) {
  auto guarded = [name, body](const Napi::CallbackInfo& info) -> Napi::Value {
    try {
      return body(info);
    } catch (const Napi::Error&) {
      throw;
    } catch (const c10::Error& e) {
      throw Napi::Error::New(info.Env(), std::string(name) + ": " + e.what_without_backtrace());
    } catch (const std::exception& e) {
      throw Napi::Error::New(info.Env(), std::string(name) + ": " + e.what());
    }
  };
  exports.Set(name, Napi::Function::New(env, guarded, name));
}

}  // namespace mst
