/**
 * The seed's model sizes built on the engine: the same layers, shapes, losses and optimizer as
 * bench/twin.py (the PyTorch twin), so that the two can be timed against each other.
 * The real model (with its configs, losses and training) is src/model's job; this file only
 * fixes the workload the engine must run at PyTorch's speed.
 */
import { Tensor, nn, F, optim, tidy, noGrad, inferenceMode, tensor, rand, randn, randnLike, randint, manualSeed, cat, arange, type Device } from '../src/engine/index.js';

const relu = (x: Tensor) => x.relu();

export class Encoder extends nn.Module {
  readonly net: nn.Sequential;
  constructor(latent = 4) {
    super();
    this.net = this.child('net', new nn.Sequential(
      new nn.Conv2d(1, 64, 3, { stride: 2, padding: 1 }), new nn.BatchNorm2d(64), nn.ReLU(),
      new nn.Conv2d(64, 128, 3, { stride: 2, padding: 1 }), new nn.BatchNorm2d(128), nn.ReLU(),
      new nn.Conv2d(128, latent, 3, { stride: 2, padding: 1 }),
    ));
  }
  /** [B, 1, 128, 128] → [B, 4, 16, 16] */
  forward(x: Tensor): Tensor {
    return this.net.forward(x);
  }
}

export class Decoder extends nn.Module {
  readonly net: nn.Sequential;
  constructor(latent = 4) {
    super();
    const up = (cin: number, cout: number) => new nn.ConvTranspose2d(cin, cout, 3, { stride: 2, padding: 1, outputPadding: 1 });
    this.net = this.child('net', new nn.Sequential(
      up(latent, 128), new nn.BatchNorm2d(128), nn.ReLU(),
      up(128, 64), new nn.BatchNorm2d(64), nn.ReLU(),
      up(64, 1), nn.Tanh(),
    ));
  }
  /** [B, 4, 16, 16] → [B, 1, 128, 128] in [-1, 1] */
  forward(z: Tensor): Tensor {
    return this.net.forward(z);
  }
}

export class StyleEncoder extends nn.Module {
  readonly convs: nn.Conv2d[];
  constructor(f = 64) {
    super();
    const widths = [1, f, 2 * f, 4 * f, 4 * f, 4 * f, 8 * f];
    this.convs = widths.slice(0, 6).map((w, i) => this.child(`convs${i}`, new nn.Conv2d(w, widths[i + 1]!, 3, { stride: 2, padding: 1 })));
  }
  /** [B, 1, 128, 128] → 64@64², 128@32², 256@16², 256@8², 256@4², 512@2² */
  forward(x: Tensor): Tensor[] {
    const out: Tensor[] = [];
    let y = x;
    for (const conv of this.convs) {
      y = relu(conv.forward(y));
      out.push(y);
    }
    return out;
  }
}

/** A feature map [B, C, H, W] attends to a style map [B, C, h, w]; residual. */
export class CrossAttention extends nn.Module {
  readonly attn: nn.MultiheadAttention;
  constructor(dim: number, heads: number) {
    super();
    this.attn = this.child('attn', new nn.MultiheadAttention(dim, heads));
  }
  forward(x: Tensor, style: Tensor): Tensor {
    const [b, c, h, w] = x.shape as [number, number, number, number];
    const tokens = x.flatten(2).transpose(1, 2); // [B, HW, C]
    const context = style.flatten(2).transpose(1, 2); // [B, hw, C]
    return x.add(this.attn.forward(tokens, context).transpose(1, 2).reshape(b, c, h, w));
  }
}

/** Sinusoidal embedding of timesteps t [B] → [B, dim]. */
export function timestepEmbedding(t: Tensor, dim: number): Tensor {
  const half = dim / 2;
  const freqs = arange(half, undefined, 1, { dtype: 'float32', device: t.device }).mul(-Math.log(10000) / (half - 1)).exp(); // [half]
  const args = t.float().unsqueeze(1).mul(freqs.unsqueeze(0)); // [B, half]
  return cat([args.sin(), args.cos()], 1);
}

export class UNet extends nn.Module {
  readonly timeMlp: nn.Sequential;
  readonly enc1: nn.Conv2d; readonly enc2: nn.Conv2d; readonly enc3: nn.Conv2d; readonly enc4: nn.Conv2d;
  readonly crossAttention1: CrossAttention; readonly crossAttention2: CrossAttention;
  readonly bottleneck: nn.Conv2d;
  readonly dec4: nn.ConvTranspose2d; readonly dec3: nn.ConvTranspose2d; readonly dec2: nn.ConvTranspose2d;
  readonly dec1: nn.Conv2d;
  constructor(channels = 4, f = 64, readonly timeDim = 128) {
    super();
    const up = (cin: number, cout: number) => new nn.ConvTranspose2d(cin, cout, 3, { stride: 2, padding: 1, outputPadding: 1 });
    this.timeMlp = this.child('time_mlp', new nn.Sequential(new nn.Linear(timeDim, timeDim), nn.GELU(), new nn.Linear(timeDim, timeDim)));
    this.enc1 = this.child('enc1', new nn.Conv2d(channels, f, 3, { padding: 1 }));
    this.enc2 = this.child('enc2', new nn.Conv2d(f, 2 * f, 3, { stride: 2, padding: 1 }));
    this.enc3 = this.child('enc3', new nn.Conv2d(2 * f, 4 * f, 3, { stride: 2, padding: 1 }));
    this.enc4 = this.child('enc4', new nn.Conv2d(4 * f, 8 * f, 3, { stride: 2, padding: 1 }));
    this.crossAttention1 = this.child('cross_attention1', new CrossAttention(8 * f, 4));
    this.crossAttention2 = this.child('cross_attention2', new CrossAttention(4 * f, 4));
    this.bottleneck = this.child('bottleneck', new nn.Conv2d(8 * f, 8 * f, 3, { padding: 1 }));
    this.dec4 = this.child('dec4', up(8 * f, 4 * f));
    this.dec3 = this.child('dec3', up(4 * f, 2 * f));
    this.dec2 = this.child('dec2', up(2 * f, f));
    this.dec1 = this.child('dec1', new nn.Conv2d(f, channels, 3, { padding: 1 }));
  }
  /** z [B, 4, 16, 16], t [B] int64, style maps from StyleEncoder → predicted noise [B, 4, 16, 16] */
  forward(z: Tensor, t: Tensor, style: Tensor[]): Tensor {
    const temb = this.timeMlp.forward(timestepEmbedding(t, this.timeDim)); // [B, 128]
    const e1 = relu(this.enc1.forward(z)); // [B, 64, 16, 16]
    const e2 = relu(this.enc2.forward(e1).add(temb.unsqueeze(2).unsqueeze(3))); // [B, 128, 8, 8]
    const e3 = this.crossAttention2.forward(relu(this.enc3.forward(e2)), style[4]!); // [B, 256, 4, 4]
    const e4 = this.crossAttention1.forward(relu(this.enc4.forward(e3)), style[5]!); // [B, 512, 2, 2]
    const b = relu(this.bottleneck.forward(e4));
    const d4 = relu(this.dec4.forward(b)).add(e3);
    const d3 = relu(this.dec3.forward(d4)).add(e2);
    const d2 = relu(this.dec2.forward(d3)).add(e1);
    return this.dec1.forward(d2);
  }
}

/** ᾱ_t for the DDPM linear schedule β ∈ [1e-4, 0.02] over 1000 steps. */
export function alphasCumprod(steps = 1000): Float32Array {
  const out = new Float32Array(steps);
  let product = 1;
  for (let i = 0; i < steps; i++) {
    product *= 1 - (1e-4 + ((0.02 - 1e-4) * i) / (steps - 1));
    out[i] = product;
  }
  return out;
}

/** The three timed workloads, as in twin.py's Bench, on `device` ('cpu' or 'cuda'). */
export class SeedBench {
  readonly encoder = new Encoder();
  readonly decoder = new Decoder();
  readonly style = new StyleEncoder();
  readonly unet = new UNet();
  readonly aeOptimizer: optim.AdamW;
  readonly diffusionOptimizer: optim.AdamW;
  readonly abarValues = alphasCumprod();
  readonly abar: Tensor;
  readonly x: Tensor;
  readonly styleX: Tensor;

  constructor(readonly device: Device = 'cpu') {
    manualSeed(0);
    for (const module of [this.encoder, this.decoder, this.style, this.unet]) module.to(device);
    this.abar = tensor(this.abarValues, { device });
    this.aeOptimizer = new optim.AdamW([...this.encoder.parameters(), ...this.decoder.parameters()], { lr: 1e-4 });
    this.diffusionOptimizer = new optim.AdamW([...this.style.parameters(), ...this.unet.parameters(), ...this.decoder.parameters()], { lr: 1e-4 });
    this.x = rand([16, 1, 128, 128]).mul(2).sub(1).to(device);
    this.styleX = rand([16, 1, 128, 128]).mul(2).sub(1).to(device);
  }

  autoencoderStep(): number {
    this.encoder.train();
    this.decoder.train();
    return tidy(() => {
      this.aeOptimizer.zeroGrad();
      const z = this.encoder.forward(this.x);
      const rec = this.decoder.forward(z);
      const z2 = z.square();
      const kl = z2.sub(1).sub(z2.add(1e-8).log()).mean().mul(0.5);
      const loss = F.mseLoss(rec, this.x).add(kl.mul(1e-3));
      loss.backward();
      this.aeOptimizer.step();
      return loss.item();
    });
  }

  diffusionStep(): number {
    this.encoder.eval();
    this.decoder.train();
    return tidy(() => {
      this.diffusionOptimizer.zeroGrad();
      const z0 = noGrad(() => this.encoder.forward(this.x));
      const t = randint(0, 1000, [16], { device: this.device });
      const noise = randnLike(z0);
      const ab = this.abar.indexSelect(0, t).reshape(16, 1, 1, 1);
      const sqrtAb = ab.sqrt();
      const sqrtOneMinusAb = ab.neg().add(1).sqrt();
      const zt = sqrtAb.mul(z0).add(sqrtOneMinusAb.mul(noise));
      const eps = this.unet.forward(zt, t, this.style.forward(this.styleX));
      const z0Pred = zt.sub(sqrtOneMinusAb.mul(eps)).div(sqrtAb);
      const loss = F.mseLoss(eps, noise).add(F.mseLoss(this.decoder.forward(z0Pred), this.x));
      loss.backward();
      this.diffusionOptimizer.step();
      return loss.item();
    });
  }

  inference10Steps(): number {
    this.encoder.eval();
    this.decoder.eval();
    return inferenceMode(() =>
      tidy(() => {
        const content = this.x.slice(0, 0, 1);
        const style = this.style.forward(this.styleX.slice(0, 0, 1));
        const timesteps = Array.from({ length: 10 }, (_, i) => 999 - 100 * i);
        const ab0 = this.abarValues[timesteps[0]!]!;
        let z = this.encoder.forward(content).mul(Math.sqrt(ab0)).add(randn([1, 4, 16, 16], { device: this.device }).mul(Math.sqrt(1 - ab0)));
        timesteps.forEach((t, i) => {
          // each step in its own scope, so that its intermediates are freed before the next
          z = tidy(() => {
            const ab = this.abarValues[t]!;
            const abPrev = i + 1 < timesteps.length ? this.abarValues[timesteps[i + 1]!]! : 1;
            const eps = this.unet.forward(z, tensor([t], { dtype: 'int64', device: this.device }), style);
            const x0 = z.sub(eps.mul(Math.sqrt(1 - ab))).div(Math.sqrt(ab));
            return x0.mul(Math.sqrt(abPrev)).add(eps.mul(Math.sqrt(1 - abPrev)));
          });
        });
        return this.decoder.forward(z).mean().item();
      }),
    );
  }
}
