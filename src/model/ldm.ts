/**
 * The latent diffusion model (seed §3.2.1): the spectrogram autoencoder, the style encoder, the
 * UNet and the noise schedule, tied together. Transfer is img2img in the latent: the content
 * tile's latent, noised to `strength`, is denoised by DDIM with the style's embeddings read
 * through cross-attention, then decoded.
 *
 * Parameter names (safetensors keys): encoder.*, decoder.*, style_encoder.*, unet.*.
 */
import { Tensor, nn, tensor, cat, inferenceMode, noGrad, tidy } from '../engine/index.js';
import { checkModelConfig, type ModelConfig } from './config.js';
import { SpectrogramEncoder, SpectrogramDecoder } from './autoencoder.js';
import { StyleEncoder } from './style-encoder.js';
import { UNet } from './unet.js';
import { NoiseSchedule } from './schedule.js';
import { ddimSample, type DdimOptions, type NoiseSource } from './ddim.js';
import { checkSampling, SAMPLING_DEFAULTS, type SamplingSettings } from './sampling.js';

/** The sampler's settings for a batch of tiles (guidance default 1: see SamplingSettings), and where its noise comes from. */
export interface TileSamplingOptions extends DdimOptions, Partial<Pick<SamplingSettings, 'guidance'>> {
  /** Where the sampler's noise comes from (default: the global generator). */
  noise?: NoiseSource;
}

export class LatentDiffusion extends nn.Module {
  readonly encoder: SpectrogramEncoder;
  readonly decoder: SpectrogramDecoder;
  readonly styleEncoder: StyleEncoder;
  readonly unet: UNet;
  readonly schedule: NoiseSchedule;

  constructor(readonly config: ModelConfig) {
    super();
    checkModelConfig(config);
    this.encoder = this.child('encoder', new SpectrogramEncoder(config));
    this.decoder = this.child('decoder', new SpectrogramDecoder(config));
    this.styleEncoder = this.child('style_encoder', new StyleEncoder(config));
    this.unet = this.child('unet', new UNet(config));
    this.schedule = new NoiseSchedule(config.schedule);
  }

  /**
   * Content tiles [B, 1, 128, 128] played in the style of `style` tiles ([B, 1, 128, 128], or
   * [1, 1, 128, 128] for one style for all) → output tiles [B, 1, 128, 128] in (-1, 1).
   * Runs in inference mode with the modules in eval mode; the caller seeds the generator.
   */
  transfer(content: Tensor, style: Tensor, options: TileSamplingOptions): Tensor {
    const batch = content.shape[0]!;
    if (style.shape[0] !== batch && style.shape[0] !== 1) throw new RangeError(`LatentDiffusion: Expected 1 or ${batch} style tiles but received ${style.shape[0]}`);
    const guidance = options.guidance ?? SAMPLING_DEFAULTS.guidance;
    checkSampling(options, this.schedule.steps);
    this.eval();
    const output = inferenceMode(() =>
      tidy(() => {
        const widen = (m: Tensor) => (m.shape[0] === batch ? m : m.expand([batch, ...m.shape.slice(1)]));
        const target = this.styleEncoder.forward(style).map(widen);
        const timesteps = (t: number, n: number, device: Tensor['device']) => tensor(new BigInt64Array(n).fill(BigInt(t)), { device });
        const predict =
          guidance === 1
            ? (z: Tensor, t: number) => this.unet.forward(z, timesteps(t, batch, z.device), target)
            : this.#guidedPredictor(target, this.styleEncoder.forward(content), guidance, timesteps);
        const latent = ddimSample(this.schedule, predict, this.encoder.forward(content), options, options.noise);
        return this.decoder.forward(latent);
      }),
    );
    // an inference-mode tensor cannot meet autograd later (a judge, a loss): hand back a plain copy
    const plain = noGrad(() => output.clone());
    output.dispose();
    return plain;
  }

  /** ε with style guidance: both conditions in one UNet pass of twice the batch. */
  #guidedPredictor(target: Tensor[], own: Tensor[], guidance: number, timesteps: (t: number, n: number, device: Tensor['device']) => Tensor) {
    const both = target.map((m, i) => cat([m, own[i]!], 0));
    return (z: Tensor, t: number) => {
      const [toTarget, toOwn] = this.unet.forward(cat([z, z], 0), timesteps(t, 2 * z.shape[0]!, z.device), both).chunk(2, 0) as [Tensor, Tensor];
      return toOwn.add(toTarget.sub(toOwn).mul(guidance));
    };
  }
}
