#!/usr/bin/python3
"""Runs the PyTorch twin (bench/twin.py) on the engine's weights and inputs, for model.test.ts.

argv[1]: a safetensors file holding the engine's LatentDiffusion weights (encoder.*, decoder.*,
style_encoder.*, unet.*), its VGGishFeatureNet weights (feature_net.*), and the inputs x, style,
z, t and target. Prints JSON: each output flattened, and the feature loss and its gradient.
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
modules = torch.nn.ModuleDict({
    "encoder": twin.Encoder(), "decoder": twin.Decoder(), "style_encoder": twin.StyleEncoder(), "unet": twin.UNet(),
    "feature_net": twin.VGGishFeatureNet(instruments=tensors["feature_net.instrument_head.bias"].shape[0],
                                         hidden=tensors["feature_net.fc.0.bias"].shape[0], embedding=tensors["feature_net.fc.4.bias"].shape[0]),
})
# the engine names list items convs0, blocks1 …; PyTorch's ModuleList says convs.0, blocks.1
state = {re.sub(r"\b(convs|blocks)(\d+)\.", r"\1.\2.", k): v for k, v in tensors.items() if "." in k}
modules.load_state_dict(state, strict=True)
modules.eval()

x, style, z, t, target = (tensors[k] for k in ("x", "style", "z", "t", "target"))
with torch.no_grad():
    latent = modules["encoder"](x)
    style_maps = modules["style_encoder"](style)
    out = {
        "latent": latent,
        "decoded": modules["decoder"](latent),
        "style4": style_maps[4],
        "style5": style_maps[5],
        "noise": modules["unet"](z, t, style_maps),
    }
net = modules["feature_net"]
for p in net.parameters():
    p.requires_grad_(False)
x_grad = x.clone().requires_grad_(True)
loss = twin.feature_loss(net, x_grad, target)
loss.backward()
features, instrument, lowest, highest = net(x)
out.update(feature_loss=loss.detach(), feature_grad=x_grad.grad, instrument=instrument.detach(), lowest=lowest.detach(), feature3=features[3].detach())
print(json.dumps({k: v.flatten().tolist() for k, v in out.items()}))
