#!/usr/bin/python3
"""The PyTorch twin of the seed's model sizes: the speed peer of bench/seed-model.ts.

Same layers, shapes, losses and optimizer as the engine's copy, on Debian's python3-torch
(the same libtorch 1.13 and BLAS). It serves timing requests on stdin so that bench/run.ts can
interleave rounds of engine and PyTorch timing in one run:

  stdin:  {"case": "autoencoder_step", "iterations": 5}
  stdout: {"case": "autoencoder_step", "seconds": [..]}

Model (seed §2.1): encoder 1×128×128 → 4×16×16 (three stride-2 convs, mirroring the decoder);
the decoder exactly as the seed gives it; the style encoder's six stride-2 convs
1→64→128→256→256→256→512; the UNet on latents with 64 filters, a sinusoidal time embedding and
MLP, skip connections, and 4-head cross-attention at 4×4/256 and 2×2/512.
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint

from peer_protocol import serve

THREADS = int(os.environ.get("MST_NUM_THREADS", os.cpu_count()))
DEVICE = os.environ.get("MST_DEVICE", "cpu")  # "cpu" or "cuda", as bench/run.ts --device
# the precision mst train chooses on this machine (bf16 autocast where native), for the *_default cases
DEFAULT_BF16 = os.environ.get("MST_DEFAULT_BF16", "0") == "1"
# the paired model's default guidance (src/model/config.ts), which bench/run.ts passes on
PAIRED_GUIDANCE = float(os.environ.get("MST_PAIRED_GUIDANCE", "1"))
REFINED_GUIDANCE = float(os.environ.get("MST_REFINED_GUIDANCE", "1"))
REFINED_GUIDANCE_FROM = os.environ.get("MST_REFINED_GUIDANCE_FROM", "nothing")  # or "content": the content tiles as their own references
# the timed refined config's refiner (src/model/refiner.ts's RefinerConfig), which bench/run.ts passes on
REFINER = json.loads(os.environ.get("MST_REFINER", '{"bands": 128, "channels": 128, "dilations": [1, 2, 4, 8, 1, 2]}'))
torch.set_num_threads(THREADS)


class Encoder(nn.Module):
    def __init__(self, latent=4, widths=(64, 128)):
        super().__init__()
        w1, w2 = widths
        self.net = nn.Sequential(
            nn.Conv2d(1, w1, 3, stride=2, padding=1), nn.BatchNorm2d(w1), nn.ReLU(),
            nn.Conv2d(w1, w2, 3, stride=2, padding=1), nn.BatchNorm2d(w2), nn.ReLU(),
            nn.Conv2d(w2, latent, 3, stride=2, padding=1))

    def forward(self, x):
        return self.net(x)


class Decoder(nn.Module):
    def __init__(self, latent=4, widths=(64, 128)):
        super().__init__()
        w1, w2 = widths
        self.net = nn.Sequential(
            nn.ConvTranspose2d(latent, w2, 3, stride=2, padding=1, output_padding=1), nn.BatchNorm2d(w2), nn.ReLU(),
            nn.ConvTranspose2d(w2, w1, 3, stride=2, padding=1, output_padding=1), nn.BatchNorm2d(w1), nn.ReLU(),
            nn.ConvTranspose2d(w1, 1, 3, stride=2, padding=1, output_padding=1), nn.Tanh())

    def forward(self, z):
        return self.net(z)


class StyleEncoder(nn.Module):
    def __init__(self, f=64):
        super().__init__()
        widths = [1, f, 2 * f, 4 * f, 4 * f, 4 * f, 8 * f]
        self.convs = nn.ModuleList(nn.Conv2d(widths[i], widths[i + 1], 3, stride=2, padding=1) for i in range(6))

    def forward(self, x):
        out = []
        for conv in self.convs:
            x = F.relu(conv(x))
            out.append(x)
        return out  # 64@64², 128@32², 256@16², 256@8², 256@4², 512@2²


class Attention(nn.Module):
    def __init__(self, dim, heads, kdim=None):
        super().__init__()
        self.heads = heads
        kdim = kdim or dim
        self.q, self.k, self.v, self.out = nn.Linear(dim, dim), nn.Linear(kdim, dim), nn.Linear(kdim, dim), nn.Linear(dim, dim)

    def forward(self, x, ctx):
        b, lq, e = x.shape
        lk = ctx.shape[1]
        h, d = self.heads, e // self.heads
        q = self.q(x).reshape(b, lq, h, d).transpose(1, 2)
        k = self.k(ctx).reshape(b, lk, h, d).transpose(1, 2)
        v = self.v(ctx).reshape(b, lk, h, d).transpose(1, 2)
        w = (q @ k.transpose(-2, -1) * (1.0 / math.sqrt(d))).softmax(-1)
        return self.out((w @ v).transpose(1, 2).reshape(b, lq, e))


class CrossAttention(nn.Module):
    """Feature map [B, C, H, W] attends to style map [B, C, h, w]; residual."""

    def __init__(self, dim, heads):
        super().__init__()
        self.attn = Attention(dim, heads)

    def forward(self, x, style):
        b, c, hgt, wid = x.shape
        tokens = x.flatten(2).transpose(1, 2)
        ctx = style.flatten(2).transpose(1, 2)
        return x + self.attn(tokens, ctx).transpose(1, 2).reshape(b, c, hgt, wid)


def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(torch.arange(half, dtype=torch.float32, device=t.device) * (-math.log(10000.0) / (half - 1)))
    args = t.float()[:, None] * freqs[None, :]
    return torch.cat([args.sin(), args.cos()], dim=1)


class UNet(nn.Module):
    def __init__(self, channels=4, f=64, time_dim=128):
        super().__init__()
        self.time_dim = time_dim
        self.time_mlp = nn.Sequential(nn.Linear(time_dim, time_dim), nn.GELU(), nn.Linear(time_dim, time_dim))
        self.enc1 = nn.Conv2d(channels, f, 3, padding=1)
        self.enc2 = nn.Conv2d(f, 2 * f, 3, stride=2, padding=1)
        self.enc3 = nn.Conv2d(2 * f, 4 * f, 3, stride=2, padding=1)
        self.enc4 = nn.Conv2d(4 * f, 8 * f, 3, stride=2, padding=1)
        self.cross_attention1 = CrossAttention(8 * f, 4)
        self.cross_attention2 = CrossAttention(4 * f, 4)
        self.bottleneck = nn.Conv2d(8 * f, 8 * f, 3, padding=1)
        self.dec4 = nn.ConvTranspose2d(8 * f, 4 * f, 3, stride=2, padding=1, output_padding=1)
        self.dec3 = nn.ConvTranspose2d(4 * f, 2 * f, 3, stride=2, padding=1, output_padding=1)
        self.dec2 = nn.ConvTranspose2d(2 * f, f, 3, stride=2, padding=1, output_padding=1)
        self.dec1 = nn.Conv2d(f, channels, 3, padding=1)

    def forward(self, z, t, style):
        temb = self.time_mlp(timestep_embedding(t, self.time_dim))
        e1 = F.relu(self.enc1(z))
        e2 = F.relu(self.enc2(e1) + temb[:, :, None, None])
        e3 = self.cross_attention2(F.relu(self.enc3(e2)), style[4])
        e4 = self.cross_attention1(F.relu(self.enc4(e3)), style[5])
        b = F.relu(self.bottleneck(e4))
        d4 = F.relu(self.dec4(b)) + e3
        d3 = F.relu(self.dec3(d4)) + e2
        d2 = F.relu(self.dec2(d3)) + e1
        return self.dec1(d2)


class VGGishFeatureNet(nn.Module):
    """VGGish's conv/pool stack on 1×128×128 tiles, narrowed FC layers, three heads (src/model/vggish.ts)."""

    def __init__(self, instruments=11, widths=(64, 128, 256, 512), hidden=512, embedding=128):
        super().__init__()
        w1, w2, w3, w4 = widths

        def conv(cin, cout):
            return [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU()]

        layers = [conv(1, w1), conv(w1, w2), conv(w2, w3) + conv(w3, w3), conv(w3, w4) + conv(w4, w4)]
        self.blocks = nn.ModuleList(nn.Sequential(*block, nn.MaxPool2d(2)) for block in layers)
        self.fc = nn.Sequential(nn.Linear(w4 * 64, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, embedding), nn.ReLU())
        self.instrument_head = nn.Linear(embedding, instruments)
        self.lowest_head = nn.Linear(embedding, 129)
        self.highest_head = nn.Linear(embedding, 129)

    def features(self, x):
        out = []
        for block in self.blocks:
            x = block(x)
            out.append(x)
        return out

    def forward(self, x):
        features = self.features(x)
        e = self.fc(features[3].flatten(1))
        return features, self.instrument_head(e), self.lowest_head(e), self.highest_head(e)


def feature_loss(net, x, y, recompute=False):
    with torch.no_grad():
        fy = net.features(y)
    if recompute:  # gradient checkpointing, block by block, as mst train's gradientCheckpointing
        fx, h = [], x
        for block in net.blocks:
            h = torch.utils.checkpoint.checkpoint(block, h, use_reentrant=False)
            fx.append(h)
    else:
        fx = net.features(x)
    return sum(F.mse_loss(a, b) / (b.square().mean() + 1e-8) for a, b in zip(fx, fy)) / len(fx)


def alphas_cumprod(steps=1000):
    betas = torch.linspace(1e-4, 0.02, steps)
    return torch.cumprod(1 - betas, 0)


class Bench:
    def __init__(self):
        torch.manual_seed(0)
        self.encoder, self.decoder = Encoder(), Decoder()
        self.style, self.unet = StyleEncoder(), UNet()
        self.ae_opt = torch.optim.AdamW(list(self.encoder.parameters()) + list(self.decoder.parameters()), lr=1e-4)
        self.diff_opt = torch.optim.AdamW(
            list(self.style.parameters()) + list(self.unet.parameters()) + list(self.decoder.parameters()), lr=1e-4)
        for module in (self.encoder, self.decoder, self.style, self.unet):
            module.to(DEVICE)
        self.abar = alphas_cumprod().to(DEVICE)
        self.x = (torch.rand(16, 1, 128, 128) * 2 - 1).to(DEVICE)
        self.style_x = (torch.rand(16, 1, 128, 128) * 2 - 1).to(DEVICE)

    def phases(self):
        """The training phases as mst train runs them (src/train): a batch of 8 tile groups,
        AdamW at the phase defaults, the feature loss of a frozen VGGishFeatureNet, clipping at 1."""
        if not hasattr(self, "net"):
            torch.manual_seed(0)
            self.net = VGGishFeatureNet(instruments=11).to(DEVICE).eval()
            for p in self.net.parameters():
                p.requires_grad_(False)
            self.batch = [(torch.rand(8, 1, 128, 128) * 2 - 1).to(DEVICE) for _ in range(3)]  # content, target, style
            self.phase1_params = list(self.encoder.parameters()) + list(self.decoder.parameters())
            self.phase2_params = list(self.style.parameters()) + list(self.unet.parameters()) + list(self.decoder.parameters())
            self.phase1_opt = torch.optim.AdamW(self.phase1_params, lr=1e-3, weight_decay=0.01)
            self.phase2_opt = torch.optim.AdamW(self.phase2_params, lr=2e-4, weight_decay=0.01)
            self.trained_net = VGGishFeatureNet(instruments=11).to(DEVICE)
            self.features_opt = torch.optim.AdamW(self.trained_net.parameters(), lr=3e-4, weight_decay=0.01)

    def features_step(self, bf16=False):
        """The feature network's training step (src/train/features.ts): instrument, lowest and
        highest note of the 16 content and target tiles; every tile is a piano playing 60..72."""
        self.phases()
        content, target, _ = self.batch
        self.trained_net.train()
        self.features_opt.zero_grad(set_to_none=True)
        labels = [torch.full((16,), v, dtype=torch.long, device=DEVICE) for v in (0, 60, 72)]
        with torch.autocast(DEVICE, dtype=torch.bfloat16, enabled=bf16):
            _, instrument, lowest, highest = self.trained_net(torch.cat([content, target]))
            loss = F.cross_entropy(instrument.float(), labels[0]) + 0.5 * (F.cross_entropy(lowest.float(), labels[1]) + F.cross_entropy(highest.float(), labels[2]))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.trained_net.parameters(), 1.0)
        self.features_opt.step()
        return loss.item()

    def phase1_step(self, feature_stride=2, recompute=False, bf16=False):
        self.phases()
        content, target, _ = self.batch
        self.encoder.train()
        self.decoder.train()
        self.phase1_opt.zero_grad(set_to_none=True)
        x = torch.cat([content, target])
        with torch.autocast(DEVICE, dtype=torch.bfloat16, enabled=bf16):
            z = self.encoder(x).float()
            rec = self.decoder(z).float()
            kl = 0.5 * (z.square() - 1 - torch.log(z.square() + 1e-8)).mean()
            # the perceptual term reads 8 tiles spread through the batch, as mst train's featureLossItems
            loss = F.mse_loss(rec, x) + 0.1 * feature_loss(self.net, rec[::feature_stride], x[::feature_stride], recompute) + 1e-4 * kl
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.phase1_params, 1.0)
        self.phase1_opt.step()
        return loss.item()

    def phase1_step_all_items(self):
        """Phase 1 with the perceptual term on all 16 tiles (featureLossItems 0)."""
        return self.phase1_step(feature_stride=1)

    def phase1_step_checkpointed(self):
        """phase1_step_all_items with the feature network's blocks recomputed in the backward pass."""
        return self.phase1_step(feature_stride=1, recompute=True)

    def phase2_step(self, bf16=False):
        self.phases()
        _, target, style = self.batch
        self.encoder.eval()
        self.decoder.eval()  # learns on phase 1's BatchNorm statistics
        for module in (self.style, self.unet):
            module.train()
        self.phase2_opt.zero_grad(set_to_none=True)
        with torch.autocast(DEVICE, dtype=torch.bfloat16, enabled=bf16):
            with torch.no_grad():
                z0 = self.encoder(target).float()
            t = torch.randint(0, 1000, (8,), device=DEVICE)
            noise = torch.randn_like(z0)
            ab = self.abar[t].reshape(8, 1, 1, 1)
            zt = ab.sqrt() * z0 + (1 - ab).sqrt() * noise
            eps = self.unet(zt, t, self.style(style)).float()
            clean = (zt - (1 - ab).sqrt() * eps) / ab.sqrt()
            decoded = self.decoder(clean).float()
            w = ab.flatten()
            # L_rec as reconstructionFrom 'encoding': eq. 2 on the target's own latent (λ_perceptual 0.1)
            reconstruction = self.decoder(z0).float()
            rec = F.mse_loss(reconstruction, target) + 0.1 * feature_loss(self.net, reconstruction, target)
            style_loss = feature_loss(self.net, decoded, target) * w.mean()
            loss = rec + style_loss + F.mse_loss(eps, noise)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.phase2_params, 1.0)
        self.phase2_opt.step()
        return loss.item()

    def autoencoder_step(self):
        self.encoder.train()
        self.decoder.train()
        self.ae_opt.zero_grad(set_to_none=True)
        z = self.encoder(self.x)
        rec = self.decoder(z)
        kl = 0.5 * (z.square() - 1 - torch.log(z.square() + 1e-8)).mean()
        loss = F.mse_loss(rec, self.x) + 1e-3 * kl
        loss.backward()
        self.ae_opt.step()
        return loss.item()

    def diffusion_step(self):
        self.encoder.eval()
        self.decoder.train()
        self.diff_opt.zero_grad(set_to_none=True)
        with torch.no_grad():
            z0 = self.encoder(self.x)
        t = torch.randint(0, 1000, (16,), device=DEVICE)
        noise = torch.randn_like(z0)
        ab = self.abar[t].reshape(16, 1, 1, 1)
        zt = ab.sqrt() * z0 + (1 - ab).sqrt() * noise
        eps = self.unet(zt, t, self.style(self.style_x))
        z0_pred = (zt - (1 - ab).sqrt() * eps) / ab.sqrt()
        loss = F.mse_loss(eps, noise) + F.mse_loss(self.decoder(z0_pred), self.x)
        loss.backward()
        self.diff_opt.step()
        return loss.item()

    def inference_10_steps(self):
        self.encoder.eval()
        self.decoder.eval()
        with torch.inference_mode():
            content, style_x = self.x[:1], self.style_x[:1]
            style = self.style(style_x)
            timesteps = list(range(999, -1, -100))  # 10 DDIM steps
            ab0 = self.abar[timesteps[0]]
            z = ab0.sqrt() * self.encoder(content) + (1 - ab0).sqrt() * torch.randn(1, 4, 16, 16, device=DEVICE)
            for i, t in enumerate(timesteps):
                ab = self.abar[t]
                ab_prev = self.abar[timesteps[i + 1]] if i + 1 < len(timesteps) else torch.tensor(1.0, device=DEVICE)
                eps = self.unet(z, torch.tensor([t], device=DEVICE), style)
                x0 = (z - (1 - ab).sqrt() * eps) / ab.sqrt()
                z = ab_prev.sqrt() * x0 + (1 - ab_prev).sqrt() * eps
            return float(self.decoder(z).mean())


    def sampling_8_tiles(self):
        """What mst transfer does to a batch of 8 tiles at its defaults: encode, noise to strength
        0.7, 10 DDIM steps (eta 0, trailing spacing: t = 699, 629, …, 69) with one style for all,
        decode."""
        self.encoder.eval()
        self.decoder.eval()
        with torch.inference_mode():
            content, style_x = self.x[:8], self.style_x[:1]
            style = [m.expand(8, *m.shape[1:]) for m in self.style(style_x)]
            timesteps = [round(700 - i * 70) - 1 for i in range(10)]
            ab0 = self.abar[timesteps[0]]
            z = ab0.sqrt() * self.encoder(content) + (1 - ab0).sqrt() * torch.randn(8, 4, 16, 16, device=DEVICE)
            for i, t in enumerate(timesteps):
                ab = self.abar[t]
                ab_prev = self.abar[timesteps[i + 1]] if i + 1 < len(timesteps) else torch.tensor(1.0, device=DEVICE)
                eps = self.unet(z, torch.full((8,), t, dtype=torch.long, device=DEVICE), style)
                x0 = (z - (1 - ab).sqrt() * eps) / ab.sqrt()
                z = ab_prev.sqrt() * x0 + (1 - ab_prev).sqrt() * eps
            return float(self.decoder(z).mean())


class FloatGroupNorm(nn.GroupNorm):
    """GroupNorm in float32 under bf16 autocast, as the engine's F.groupNorm does (this libtorch's
    CPU group_norm refuses a bf16 input beside float32 weights)."""

    def forward(self, x):
        return super().forward(x.float())


def group_norm(channels):
    groups = min(32, channels)
    while channels % groups:
        groups -= 1
    return FloatGroupNorm(groups, channels)


class ResidualBlock(nn.Module):
    """GroupNorm, SiLU, 3×3 conv; the embedding's FiLM on the second norm; residual (src/model/paired-unet.ts)."""

    def __init__(self, cin, cout, embedding):
        super().__init__()
        self.norm1, self.conv1 = group_norm(cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.film = nn.Linear(embedding, 2 * cout)
        self.norm2, self.conv2 = group_norm(cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        scale, shift = self.film(F.silu(emb))[:, :, None, None].chunk(2, 1)
        h = self.norm2(h) * (scale + 1) + shift
        return (x if self.skip is None else self.skip(x)) + self.conv2(F.silu(h))


class StyleAttention(nn.Module):
    def __init__(self, channels, token_width, heads):
        super().__init__()
        self.norm, self.attn = group_norm(channels), Attention(channels, heads, kdim=token_width)

    def forward(self, x, tokens):
        b, c, h, w = x.shape
        queries = self.norm(x).flatten(2).transpose(1, 2)
        return x + self.attn(queries, tokens).transpose(1, 2).reshape(b, c, h, w)


class PairedUNet(nn.Module):
    """The paired model's denoiser (config 'paired'): [z_t; content] in, FiLM from time + pooled style, cross-attention to 20 style tokens."""

    def __init__(self, c=8, f=64, s=64, time_dim=128, heads=4):
        super().__init__()
        e = 4 * f
        self.time_dim = time_dim
        self.time_mlp = nn.Sequential(nn.Linear(time_dim, e), nn.SiLU(), nn.Linear(e, e))
        self.style_mlp = nn.Sequential(nn.Linear(8 * s, e), nn.SiLU(), nn.Linear(e, e))
        self.tokens4, self.tokens5 = nn.Linear(4 * s, e), nn.Linear(8 * s, e)
        self.input = nn.Conv2d(2 * c, f, 3, padding=1)
        self.res1 = ResidualBlock(f, f, e)
        self.down1 = nn.Conv2d(f, 2 * f, 3, stride=2, padding=1)
        self.res2, self.attn2 = ResidualBlock(2 * f, 2 * f, e), StyleAttention(2 * f, e, heads)
        self.down2 = nn.Conv2d(2 * f, 4 * f, 3, stride=2, padding=1)
        self.mid1, self.mid_attn, self.mid2 = ResidualBlock(4 * f, 4 * f, e), StyleAttention(4 * f, e, heads), ResidualBlock(4 * f, 4 * f, e)
        self.up2 = nn.ConvTranspose2d(4 * f, 2 * f, 3, stride=2, padding=1, output_padding=1)
        self.res3, self.attn3 = ResidualBlock(4 * f, 2 * f, e), StyleAttention(2 * f, e, heads)
        self.up1 = nn.ConvTranspose2d(2 * f, f, 3, stride=2, padding=1, output_padding=1)
        self.res4 = ResidualBlock(2 * f, f, e)
        self.out_norm, self.output = group_norm(f), nn.Conv2d(f, c, 3, padding=1)

    def encode_style(self, maps, keep=None):
        fifth, sixth = maps[4], maps[5]
        tokens = torch.cat([self.tokens4(fifth.flatten(2).transpose(1, 2)), self.tokens5(sixth.flatten(2).transpose(1, 2))], 1)
        vector = self.style_mlp(sixth.mean((2, 3)))
        if keep is not None:
            tokens, vector = tokens * keep[:, None, None], vector * keep[:, None]
        return tokens, vector

    def forward(self, z, t, content, style):
        tokens, vector = style
        emb = self.time_mlp(timestep_embedding(t, self.time_dim)) + vector
        h1 = self.res1(self.input(torch.cat([z, content], 1)), emb)
        h2 = self.attn2(self.res2(self.down1(h1), emb), tokens)
        m = self.down2(h2)
        m = self.mid2(self.mid_attn(self.mid1(m, emb), tokens), emb)
        u2 = self.attn3(self.res3(torch.cat([self.up2(m), h2], 1), emb), tokens)
        u1 = self.res4(torch.cat([self.up1(u2), h1], 1), emb)
        return self.output(F.silu(self.out_norm(u1)))


def film_mlp(style_features, hidden, c, blocks):
    """The MLP that turns the reference's pooled style features into a scale and a shift per channel for each block: S → hidden, SiLU, → 2·c per block."""
    return nn.ModuleDict({"hidden": nn.Linear(style_features, hidden), "output": nn.Linear(hidden, 2 * c * blocks)})


def films_of(mlp, style, blocks, map_dims):
    """The scales and shifts of film_mlp, [B, c] each followed by map_dims dimensions of 1, in the order scale₀, shift₀, scale₁, …"""
    out = mlp["output"](F.silu(mlp["hidden"](style)))
    return out.reshape(*out.shape, *([1] * map_dims)).chunk(2 * blocks, 1)


class SpectralStage(nn.Module):
    """The refiner's optional spectral stage: [refined; content] as 2 maps → conv 3×3 to c → blocks (GELU, conv 3×3
    dilated in time, added) → GELU → conv 3×3 to 1 map, added. With `style_features`, each block's input is scaled and
    shifted per map from the reference's pooled style features (film_mlp with `style_hidden` hidden units)."""

    def __init__(self, c=16, dilations=(1, 2, 4), style_features=None, style_hidden=128):
        super().__init__()
        self.input = nn.Conv2d(2, c, 3, padding=1)
        self.blocks = nn.ModuleList(nn.Conv2d(c, c, 3, padding=(1, d), dilation=(1, d)) for d in dilations)
        self.output = nn.Conv2d(c, 1, 3, padding=1)
        self.style = film_mlp(style_features, style_hidden, c, len(dilations)) if style_features else None

    def forward(self, refined, content, style=None):
        x = self.input(torch.cat([refined, content], 1))
        films = films_of(self.style, style, len(self.blocks), 2) if self.style else None
        for i, conv in enumerate(self.blocks):
            y = x * (1 + films[2 * i]) + films[2 * i + 1] if films else x
            x = x + conv(F.gelu(y))
        return refined + self.output(F.gelu(x))


class Refiner(nn.Module):
    """The refined model's content refiner (src/model/refiner.ts): each frame's 2×128 bands of [decoded; content] as channels →
    conv over time (kernel 3) to 128 → a block per dilation (GELU, conv dilated, added) → GELU → conv to 128 bands, added;
    then, with `spectral` (maps, dilations), the spectral stage. With `style_features` S, each block's input x becomes
    x·(1 + scale) + shift, scale and shift per channel from the reference's pooled style features (S → c, SiLU, → 2·c per block);
    with `spectral_styled` too, the spectral stage's blocks are modulated the same way, through an MLP of their own."""

    def __init__(self, bands=128, c=128, dilations=(1, 2, 4, 8, 1, 2), spectral=None, style_features=None, spectral_styled=False):
        super().__init__()
        self.input = nn.Conv1d(2 * bands, c, 3, padding=1)
        self.blocks = nn.ModuleList(nn.Conv1d(c, c, 3, padding=d, dilation=d) for d in dilations)
        self.output = nn.Conv1d(c, bands, 3, padding=1)
        self.spectral = SpectralStage(*spectral, style_features if spectral_styled else None, c) if spectral else None
        self.style = film_mlp(style_features, c, c, len(dilations)) if style_features else None

    def forward(self, decoded, content, style=None):
        x = self.input(torch.cat([decoded, content], 2).squeeze(1))
        films = films_of(self.style, style, len(self.blocks), 1) if self.style else None
        for i, conv in enumerate(self.blocks):
            y = x * (1 + films[2 * i]) + films[2 * i + 1] if films else x
            x = x + conv(F.gelu(y))
        refined = decoded + self.output(F.gelu(x)).unsqueeze(1)
        return self.spectral(refined, content, style) if self.spectral else refined


def refiner_of(config):
    """The twin of a refiner config (RefinerConfig's JSON)."""
    spectral = (config["spectral"]["channels"], config["spectral"]["dilations"]) if "spectral" in config else None
    styled = bool(config.get("spectral", {}).get("styled"))
    return Refiner(config["bands"], config["channels"], config["dilations"], spectral, config.get("styleFeatures"), styled)


# the paired config's latent scale and its training batch (src/model/config.ts, src/train/config.ts)
PAIRED_LATENT_SCALE = 0.456
PAIRED_BATCH = 16


class PairedBench:
    """The paired model's training step and transfer, as mst train paired and mst transfer run them (bench/paired-model.ts)."""

    def __init__(self):
        torch.manual_seed(0)
        self.encoder, self.decoder = Encoder(8, (128, 256)).eval(), Decoder(8, (128, 256)).eval()
        for p in list(self.encoder.parameters()) + list(self.decoder.parameters()):
            p.requires_grad_(False)
        self.style, self.unet = StyleEncoder(), PairedUNet()
        self.params = list(self.style.parameters()) + list(self.unet.parameters())
        self.opt = torch.optim.AdamW(self.params, lr=2e-4, weight_decay=0.01)
        for module in (self.encoder, self.decoder, self.style, self.unet):
            module.to(DEVICE)
        self.abar = alphas_cumprod().to(DEVICE)
        self.content, self.target, self.reference = ((torch.rand(PAIRED_BATCH, 1, 128, 128) * 2 - 1).to(DEVICE) for _ in range(3))

    def step(self, bf16=False):
        """v-prediction MSE on the target's latent given the content's, 15% of the styles dropped; clipped at 1."""
        self.style.train()
        self.unet.train()
        self.opt.zero_grad(set_to_none=True)
        with torch.autocast(DEVICE, dtype=torch.bfloat16, enabled=bf16):
            with torch.no_grad():
                z0 = (self.encoder(self.target) * PAIRED_LATENT_SCALE).float()
                content = (self.encoder(self.content) * PAIRED_LATENT_SCALE).float()
            t = torch.randint(0, 1000, (PAIRED_BATCH,), device=DEVICE)
            noise = torch.randn_like(z0)
            ab = self.abar[t].reshape(-1, 1, 1, 1)
            zt = ab.sqrt() * z0 + (1 - ab).sqrt() * noise
            keep = (torch.rand(PAIRED_BATCH, device=DEVICE) >= 0.15).float()
            output = self.unet(zt, t, content, self.unet.encode_style(self.style(self.reference), keep)).float()
            loss = F.mse_loss(output, ab.sqrt() * noise - (1 - ab).sqrt() * z0)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.opt.step()
        return loss.item()

    def pooled_style(self, n):
        """A styled refiner's input: the reference's pooled style features (its last style map's mean), for n tiles; None for a refiner that does not read it."""
        return self.style(self.reference[:1])[-1].mean((2, 3)).expand(n, -1) if "styleFeatures" in REFINER else None

    def refiner_8_tiles(self):
        """The refined model's refiner alone on 8 decoded tiles beside their content, and the reference where it reads one (inference, float32)."""
        if not hasattr(self, "refiner"):
            self.refiner = refiner_of(REFINER).eval().to(DEVICE)
        self.style.eval()
        with torch.inference_mode():
            return float(self.refiner(self.target[:8], self.content[:8], self.pooled_style(8)).mean())

    def sampling_8_tiles(self, guidance=1.0, refine=False, guidance_from="nothing"):
        """mst transfer's work on 8 tiles with the paired model: 10 DDIM steps from the content's latent noised to t = 999 (899, …, 99),
        v turned to ε, one style for all; with guidance ≠ 1 both conditions in one pass of 16, the second no style or, guiding from
        "content", each content tile's own; with `refine`, the refined model's refiner after the decoder."""
        if refine and not hasattr(self, "refiner"):
            self.refiner = refiner_of(REFINER).eval().to(DEVICE)
        self.style.eval()
        self.unet.eval()
        with torch.inference_mode():
            content = self.encoder(self.content[:8]) * PAIRED_LATENT_SCALE
            start = content  # noised to strength 1, as LatentDiffusion.transfer starts
            maps = [m.expand(8, *m.shape[1:]) for m in self.style(self.reference[:1])]
            guided = guidance != 1
            if guided:
                if guidance_from == "content":
                    style = self.unet.encode_style([torch.cat([m, own]) for m, own in zip(maps, self.style(self.content[:8]))])
                else:
                    style = self.unet.encode_style([torch.cat([m, m]) for m in maps], torch.cat([torch.ones(8, device=DEVICE), torch.zeros(8, device=DEVICE)]))
                content = torch.cat([content, content])
            else:
                style = self.unet.encode_style(maps)
            timesteps = [1000 - 100 * i - 1 for i in range(10)]
            z = self.abar[timesteps[0]].sqrt() * start + (1 - self.abar[timesteps[0]]).sqrt() * torch.randn(8, 8, 16, 16, device=DEVICE)
            for i, t in enumerate(timesteps):
                ab = self.abar[t]
                ab_prev = self.abar[timesteps[i + 1]] if i + 1 < len(timesteps) else torch.tensor(1.0, device=DEVICE)
                zz = torch.cat([z, z]) if guided else z
                v = self.unet(zz, torch.full((zz.shape[0],), t, dtype=torch.long, device=DEVICE), content, style)
                eps = (1 - ab).sqrt() * zz + ab.sqrt() * v
                if guided:
                    styled, free = eps.chunk(2)
                    eps = free + guidance * (styled - free)
                x0 = (z - (1 - ab).sqrt() * eps) / ab.sqrt()
                z = ab_prev.sqrt() * x0 + (1 - ab_prev).sqrt() * eps
            out = self.decoder(z / PAIRED_LATENT_SCALE)
            if refine:
                pooled = maps[-1].mean((2, 3)) if "styleFeatures" in REFINER else None
                out = self.refiner(out, self.content[:8], pooled).clamp(-1, 1)
            return float(out.mean())


if __name__ == "__main__":
    bench = Bench()
    cases = {name: getattr(bench, name) for name in ("autoencoder_step", "diffusion_step", "inference_10_steps", "sampling_8_tiles", "features_step",
                                                     "phase1_step", "phase2_step", "phase1_step_all_items", "phase1_step_checkpointed")}
    for name in ("features_step", "phase1_step", "phase2_step"):
        cases[name + "_default"] = lambda step=getattr(bench, name): step(bf16=DEFAULT_BF16)
        cases[name + "_bf16"] = lambda step=getattr(bench, name): step(bf16=True)
    paired = None  # built on first use

    def on_paired(work):
        def run():
            global paired
            paired = paired or PairedBench()
            return work(paired)
        return run
    cases["paired_step"] = on_paired(lambda b: b.step())
    cases["paired_step_default"] = on_paired(lambda b: b.step(bf16=DEFAULT_BF16))
    cases["paired_sampling_8_tiles"] = on_paired(lambda b: b.sampling_8_tiles(PAIRED_GUIDANCE))
    cases["refined_sampling_8_tiles"] = on_paired(lambda b: b.sampling_8_tiles(REFINED_GUIDANCE, refine=True, guidance_from=REFINED_GUIDANCE_FROM))
    cases["refiner_8_tiles"] = on_paired(lambda b: b.refiner_8_tiles())
    serve(cases)
