/**
 * The spectrogram autoencoder (seed §2.1.1): a log-mel tile 1×128×128 in [-1, 1] ⇄ a latent
 * C×16×16 (16:1 for C = 4: 16,384 values to 1,024). The decoder is exactly the seed's: ConvTranspose2d–BatchNorm–ReLU
 * twice, then ConvTranspose2d and Tanh. The seed shows no encoder code and says the decoder
 * mirrors it, so the encoder is that mirror: Conv2d–BatchNorm–ReLU twice, then a Conv2d to the
 * latent, each 3×3 with stride 2.
 */
import { Tensor, nn } from '../engine/index.js';
import type { ModelConfig } from './config.js';

export class SpectrogramEncoder extends nn.Module {
  readonly net: nn.Sequential;
  constructor(config: Pick<ModelConfig, 'latentChannels' | 'autoencoderWidths'>) {
    super();
    const [w1, w2] = config.autoencoderWidths;
    const down = (cin: number, cout: number) => new nn.Conv2d(cin, cout, 3, { stride: 2, padding: 1 });
    this.net = this.child('net', new nn.Sequential(
      down(1, w1), new nn.BatchNorm2d(w1), nn.ReLU(),
      down(w1, w2), new nn.BatchNorm2d(w2), nn.ReLU(),
      down(w2, config.latentChannels),
    ));
  }
  /** tiles [B, 1, 128, 128] → latents [B, C, 16, 16] (any H, W divisible by 8: [B, C, H/8, W/8]) */
  forward(x: Tensor): Tensor {
    return this.net.forward(x);
  }
}

export class SpectrogramDecoder extends nn.Module {
  readonly net: nn.Sequential;
  constructor(config: Pick<ModelConfig, 'latentChannels' | 'autoencoderWidths'>) {
    super();
    const [w1, w2] = config.autoencoderWidths;
    const up = (cin: number, cout: number) => new nn.ConvTranspose2d(cin, cout, 3, { stride: 2, padding: 1, outputPadding: 1 });
    this.net = this.child('net', new nn.Sequential(
      up(config.latentChannels, w2), new nn.BatchNorm2d(w2), nn.ReLU(),
      up(w2, w1), new nn.BatchNorm2d(w1), nn.ReLU(),
      up(w1, 1), nn.Tanh(),
    ));
  }
  /** latents [B, C, 16, 16] → tiles [B, 1, 128, 128] in (-1, 1) */
  forward(z: Tensor): Tensor {
    return this.net.forward(z);
  }
}

/**
 * The seed's latent penalty, which it calls KL (§2.3, eq. 2): ½·E[z² − 1 − log(z² + ε)], a scalar.
 * Each term u − 1 − log u (u = z²) is smallest at u = 1, so it keeps latent values near ±1
 * rather than matching a Gaussian posterior: there is no variance head to take a real KL of.
 */
export function latentPenalty(z: Tensor, epsilon = 1e-8): Tensor {
  const z2 = z.square();
  return z2.sub(1).sub(z2.add(epsilon).log()).mean().mul(0.5);
}
