/**
 * The seed's model (src/model, config "seed") in the three workloads bench/twin.py (the PyTorch
 * twin) also runs: the same layers, shapes, losses and optimizer, so that the two can be timed
 * against each other.
 */
import { Tensor, F, optim, tidy, noGrad, inferenceMode, tensor, rand, randn, randnLike, randint, manualSeed, type Device } from '../src/engine/index.js';
import { SpectrogramEncoder, SpectrogramDecoder, StyleEncoder, UNet, NoiseSchedule, LatentDiffusion, latentPenalty, modelConfig } from '../src/model/index.js';
import { tileNoise } from '../src/transfer/noise.js';
import { DEFAULT_ANALYSIS } from '../src/audio/config.js';

const SEED = modelConfig('seed');

/** The three timed workloads, as in twin.py's Bench, on `device` ('cpu' or 'cuda'). */
export class SeedBench {
  readonly encoder = new SpectrogramEncoder(SEED);
  readonly decoder = new SpectrogramDecoder(SEED);
  readonly style = new StyleEncoder(SEED);
  readonly unet = new UNet(SEED);
  readonly aeOptimizer: optim.AdamW;
  readonly diffusionOptimizer: optim.AdamW;
  readonly abarValues = Float32Array.from(new NoiseSchedule(SEED.schedule).alphasCumprod);
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
      const loss = F.mseLoss(rec, this.x).add(latentPenalty(z).mul(1e-3));
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

  /** mst transfer's own path (LatentDiffusion.transfer with tile noise) on 8 tiles at its defaults. */
  sampling8Tiles(): number {
    this.#ldm ??= new LatentDiffusion(SEED).to(this.device);
    const ldm = this.#ldm;
    return tidy(() => {
      const out = ldm.transfer(this.x.slice(0, 0, 8), this.styleX.slice(0, 0, 1), { ...SEED.sampling, noise: tileNoise(0, 0, DEFAULT_ANALYSIS) });
      return out.mean().item();
    });
  }

  #ldm: LatentDiffusion | null = null;

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
