#!/usr/bin/python3
"""Reads a safetensors file with an independent reader written from the format's spec (the
`safetensors` package is not installable from Debian here) and prints, as JSON, each tensor's
dtype, shape and sum computed by PyTorch, plus the metadata. Used by safetensors.test.ts."""
import json
import struct
import sys

import torch

DTYPES = {"F32": torch.float32, "F64": torch.float64, "BF16": torch.bfloat16, "F16": torch.float16,
          "I64": torch.int64, "I32": torch.int32, "U8": torch.uint8, "BOOL": torch.bool}


def read(path):
    """(tensors by name, metadata, safetensors dtype names by tensor name) of a file, checking its layout."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    metadata = header.pop("__metadata__", {})
    tensors, dtypes = {}, {}
    end = 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        begin, stop = info["data_offsets"]
        assert begin == end, f"{name}: gap or overlap at {begin} (previous tensor ended at {end})"
        end = stop
        dtypes[name] = info["dtype"]
        tensors[name] = torch.frombuffer(bytearray(data[begin:stop]), dtype=DTYPES[info["dtype"]]).reshape(info["shape"]) \
            if stop > begin else torch.empty(info["shape"], dtype=DTYPES[info["dtype"]])
    assert end == len(data), f"{len(data) - end} trailing bytes"
    assert n % 8 == 0, "header not padded to 8 bytes"
    return tensors, metadata, dtypes


if __name__ == "__main__":
    tensors, metadata, dtypes = read(sys.argv[1])
    out = {"metadata": metadata, "tensors": {}}
    for name, t in tensors.items():
        out["tensors"][name] = {"dtype": dtypes[name], "shape": list(t.shape), "sum": float(t.double().sum())}
    print(json.dumps(out))
