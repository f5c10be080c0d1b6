// Entry point of the mst native addon: registers each op family.
#include "common.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  mst::RegisterTensor(env, exports);
  mst::RegisterPointwise(env, exports);
  mst::RegisterReduce(env, exports);
  mst::RegisterShape(env, exports);
  mst::RegisterNN(env, exports);
  mst::RegisterSpectral(env, exports);
  mst::RegisterAutograd(env, exports);
  mst::RegisterOptim(env, exports);
  mst::RegisterRuntime(env, exports);
  return exports;
}

NODE_API_MODULE(mst, Init)
