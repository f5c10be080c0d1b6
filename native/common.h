// Shared helpers for the mst addon: tensor handles, argument readers and the error guard.
// The addon is deliberately thin: TypeScript validates arguments and owns policy; C++ converts
// values, calls libtorch and turns every C++ exception into a JavaScript Error.
#pragma once

#include <napi.h>
#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <c10/core/InferenceMode.h>
#include <torch/version.h>

#include <optional>
#include <string>
#include <vector>

#define MST_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace mst {

/// Tag that marks an External as one of our tensor handles, so a foreign value is refused.
extern const napi_type_tag kTensorTag;

/// Thrown from helpers when an argument is not what the TypeScript layer promised.
struct ArgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Wraps a tensor into a new JS handle (an External that owns a heap copy of the tensor).
Napi::Value Wrap(Napi::Env env, at::Tensor tensor);
/// Wraps a list of tensors into a JS array of handles.
Napi::Value WrapList(Napi::Env env, const std::vector<at::Tensor>& tensors);
/// The slot of a tensor handle (empty once disposed); throws if the value is not a tensor handle.
at::Tensor* TensorSlot(const Napi::Value& value);
/// The tensor behind a handle; throws if the value is not a handle or was disposed.
at::Tensor& Unwrap(const Napi::Value& value);
/// Like Unwrap, but `undefined`/`null` give an undefined tensor (for optional arguments).
c10::optional<at::Tensor> UnwrapOptional(const Napi::Value& value);
std::vector<at::Tensor> UnwrapList(const Napi::Value& value);

std::vector<int64_t> IntList(const Napi::Value& value);
/// An integral number (fractions and values beyond int64 are refused, not truncated).
int64_t Int(const Napi::Value& value);
/// An integer in [low, high], as int (for libtorch's int parameters and enum codes).
int IntIn(const Napi::Value& value, int64_t low, int64_t high);
double Double(const Napi::Value& value);
bool Bool(const Napi::Value& value);
std::string String(const Napi::Value& value);
c10::optional<int64_t> OptionalInt(const Napi::Value& value);
c10::optional<double> OptionalDouble(const Napi::Value& value);
/// A number or a tensor handle as a libtorch Scalar (numbers only).
at::Scalar ScalarArg(const Napi::Value& value);
at::ScalarType DType(const Napi::Value& value);
c10::Device DeviceArg(const Napi::Value& value);
/// Options for a factory function: (dtype code, device string).
at::TensorOptions FactoryOptions(const Napi::Value& dtype, const Napi::Value& device);

/// Registers `fn` as exports[name]; `fn` runs inside a guard that converts C++ exceptions
/// (c10::Error, std::exception) into JavaScript errors prefixed with the op name.
using Body = Napi::Value (*)(const Napi::CallbackInfo&);
void Export(Napi::Env env, Napi::Object exports, const char* name, Body body);

void RegisterTensor(Napi::Env env, Napi::Object exports);
void RegisterPointwise(Napi::Env env, Napi::Object exports);
void RegisterReduce(Napi::Env env, Napi::Object exports);
void RegisterShape(Napi::Env env, Napi::Object exports);
void RegisterNN(Napi::Env env, Napi::Object exports);
void RegisterSpectral(Napi::Env env, Napi::Object exports);
void RegisterAutograd(Napi::Env env, Napi::Object exports);
void RegisterOptim(Napi::Env env, Napi::Object exports);
void RegisterRuntime(Napi::Env env, Napi::Object exports);

}  // namespace mst

/// Shorthand for the body of an exported function.
#define MST_FN(name) static Napi::Value name(const Napi::CallbackInfo& info)
/// Shorthand for one argument by index.
#define ARG(i) info[i]
