{
  # has_sonivox: 1 where libsonivox-dev is installed; then eas-render (the judge's Sonivox sound set) is built too
  "variables": { "has_sonivox": "<!(node native/sonivox-config.mjs)" },
  "targets": [
    {
      "target_name": "mst",
      "sources": [
        "native/addon.cc",
        "native/common.cc",
        "native/tensor.cc",
        "native/pointwise.cc",
        "native/reduce.cc",
        "native/shape.cc",
        "native/nn.cc",
        "native/spectral.cc",
        "native/autograd.cc",
        "native/optim.cc",
        "native/runtime.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node native/torch-config.mjs --include)"
      ],
      # NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS: an error raised on a thread being terminated is dropped
      # (it cannot reach JavaScript) instead of aborting the process; see src/engine/errors.test.ts.
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["<!@(node native/torch-config.mjs --cflags)", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter"],
      "libraries": ["<!@(node native/torch-config.mjs --libs)"]
    }
  ],
  "conditions": [
    ["has_sonivox==1", {
      "targets": [
        {
          "target_name": "eas-render",
          "type": "executable",
          "sources": ["native/eas-render.c"],
          "cflags": ["-O2"],
          "libraries": ["-lsonivox"]
        }
      ]
    }]
  ]
}
