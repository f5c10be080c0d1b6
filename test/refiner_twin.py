#!/usr/bin/python3
"""Runs the PyTorch twin of the content refiner (bench/twin.py's Refiner) on the engine's weights and inputs, for model.test.ts.

argv[1]: a safetensors file holding the engine's refiner weights (refiner.*) and the inputs decoded and content, [B, 1, 128, 128],
and for a styled refiner style, the reference's pooled style features [B, S].
argv[2]: the refiner's config as JSON (src/model/refiner.ts's RefinerConfig), for its widths, dilations, spectral stage and style features.
Prints JSON: {"refined": the output, flattened}.
"""
import json
import os
import re
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "bench")]
from read_safetensors import read  # noqa: E402
import twin  # noqa: E402

tensors, _, _ = read(sys.argv[1])
# the engine's blocks0.conv.weight is the twin's blocks.0.weight (its blocks are the convolutions themselves)
state = {re.sub(r"blocks(\d+)\.conv\.", r"blocks.\1.", k[len("refiner."):]): v for k, v in tensors.items() if k.startswith("refiner.")}
refiner = twin.refiner_of(json.loads(sys.argv[2]))
refiner.load_state_dict(state, strict=True)
with torch.no_grad():
    print(json.dumps({"refined": refiner(tensors["decoded"], tensors["content"], tensors.get("style")).flatten().tolist()}))
