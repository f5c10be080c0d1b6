/**
 * The latent diffusion model (seed §3.2.1): the spectrogram autoencoder, the style encoder, the
 * UNet and the noise schedule, tied together. Transfer is img2img in the latent: the content
 * tile's latent, noised to `strength`, is denoised by DDIM with the style's embeddings read
 * through cross-attention, then decoded.
 *
 * Parameter names (safetensors keys): encoder.*, decoder.*, style_encoder.*, unet.*.
 */
import { Tensor, nn, tensor, inferenceMode, noGrad, tidy } from '../engine/index.js';
import { checkModelConfig, type ModelConfig } from './config.js';
import { SpectrogramEncoder, SpectrogramDecoder } from './autoencoder.js';
import { StyleEncoder } from './style-encoder.js';
import { UNet } from './unet.js';
import { NoiseSchedule } from './schedule.js';
import { ddimSample, type DdimOptions } from './ddim.js';

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
  transfer(content: Tensor, style: Tensor, options: DdimOptions): Tensor {
    const batch = content.shape[0]!;
    if (style.shape[0] !== batch && style.shape[0] !== 1) throw new RangeError(`LatentDiffusion: Expected 1 or ${batch} style tiles but received ${style.shape[0]}`);
    this.eval();
    const output = inferenceMode(() =>
      tidy(() => {
        const styleMaps = this.styleEncoder.forward(style).map((m) => (m.shape[0] === batch ? m : m.expand([batch, ...m.shape.slice(1)])));
        const latent = ddimSample(this.schedule, (z, t) => this.unet.forward(z, tensor(new BigInt64Array(batch).fill(BigInt(t)), { device: z.device }), styleMaps), this.encoder.forward(content), options);
        return this.decoder.forward(latent);
      }),
    );
    // an inference-mode tensor cannot meet autograd later (a judge, a loss): hand back a plain copy
    const plain = noGrad(() => output.clone());
    output.dispose();
    return plain;
  }
}
