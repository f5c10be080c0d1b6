/**
 * The latent diffusion model (seed §3.2.1): the spectrogram autoencoder, the style encoder, the
 * UNet and the noise schedule, tied together. The seed's transfer is img2img in the latent: the
 * content tile's latent, noised to `strength`, is denoised by DDIM with the style's embeddings
 * read through cross-attention, then decoded. The paired model (config.conditioning 'content',
 * paired-unet.ts) instead samples the target's latent from noise (strength 1), its denoiser
 * reading the content's latent at every step; where the config has a refiner (refiner.ts), it
 * then corrects the decoded transfer with the content tile beside it.
 *
 * Parameter names (safetensors keys): encoder.*, decoder.*, style_encoder.*, unet.*, refiner.*.
 */
import { Tensor, nn, tensor, cat, ones, zeros, inferenceMode, noGrad, tidy } from '../engine/index.js';
import { checkModelConfig, type ModelConfig } from './config.js';
import { SpectrogramEncoder, SpectrogramDecoder } from './autoencoder.js';
import { StyleEncoder } from './style-encoder.js';
import { UNet } from './unet.js';
import { PairedUNet } from './paired-unet.js';
import { ContentRefiner } from './refiner.js';
import { NoiseSchedule } from './schedule.js';
import { ddimSample, type DdimOptions, type NoiseSource } from './ddim.js';
import { checkSampling, SAMPLING_DEFAULTS, type SamplingSettings } from './sampling.js';

/** The sampler's settings for a batch of tiles (guidance and guidanceFrom default: the config's, else SAMPLING_DEFAULTS; see SamplingSettings), and where its noise comes from. */
export interface TileSamplingOptions extends DdimOptions, Partial<Pick<SamplingSettings, 'guidance' | 'guidanceFrom'>> {
  /** Where the sampler's noise comes from (default: the global generator). */
  noise?: NoiseSource;
  /** Pass the decoded transfer through the model's refiner, where it has one (default true; the refine phase trains on the unrefined transfer). */
  refine?: boolean;
  /** Tiles of each style reference in `style` (default 1): several are read as one longer reference (joinReferenceTiles). */
  referenceTiles?: number;
  /** Decode the sampled latent (default true); false returns the latent [B, C, 16, 16] itself, undecoded and unrefined (a refine phase that trains the decoder decodes it). */
  decode?: boolean;
  /**
   * Style guidance of a refiner that reads the reference, r ≥ 0 (default 1: none):
   * y = R(x, c, s_c) + r·(R(x, c, s) − R(x, c, s_c)), s the reference's pooled style and s_c
   * the content tile's own, both in one refiner pass of twice the batch.
   */
  refinerGuidance?: number;
}

/** The style encoder's maps of a reference → its pooled style features [B, 8s]: the last map's mean over bands and frames (what a styled refiner reads). */
export function pooledStyle(maps: readonly Tensor[]): Tensor {
  return maps[maps.length - 1]!.mean([2, 3]);
}

/**
 * The style encoder's maps (or the tiles) of n references of k tiles each ([n·k, C, h, w], a
 * reference's tiles one after another) → those of n references [n, C, h, k·w]: each reference's
 * tiles side by side in time, as the maps of one clip k tiles long. Cross-attention then reads
 * the tokens of all k tiles, and the pooled style is the mean over every tile.
 */
export function joinReferenceTiles(maps: readonly Tensor[], k: number): Tensor[] {
  if (k === 1) return [...maps];
  return maps.map((m) => {
    const [nk, c, h, w] = m.shape as [number, number, number, number];
    return m.reshape(nk / k, k, c, h, w).permute(0, 2, 3, 1, 4).reshape(nk / k, c, h, k * w);
  });
}

/** Time step `t` for `n` items, as the denoisers take it (int64 [n]). */
function timesteps(t: number, n: number, device: Tensor['device']): Tensor {
  return tensor(new BigInt64Array(n).fill(BigInt(t)), { device });
}

export class LatentDiffusion extends nn.Module {
  readonly encoder: SpectrogramEncoder;
  readonly decoder: SpectrogramDecoder;
  readonly styleEncoder: StyleEncoder;
  /** The seed's UNet, or the paired model's denoiser (config.conditioning 'content'). */
  readonly unet: UNet | PairedUNet;
  /** The content refiner after the decoder (config.refiner), or null. */
  readonly refiner: ContentRefiner | null;
  readonly schedule: NoiseSchedule;

  constructor(readonly config: ModelConfig) {
    super();
    checkModelConfig(config);
    this.encoder = this.child('encoder', new SpectrogramEncoder(config));
    this.decoder = this.child('decoder', new SpectrogramDecoder(config));
    this.styleEncoder = this.child('style_encoder', new StyleEncoder(config));
    this.unet = this.child('unet', config.conditioning === 'content' ? new PairedUNet(config) : new UNet(config));
    this.refiner = config.refiner ? this.child('refiner', new ContentRefiner(config.refiner)) : null;
    this.schedule = new NoiseSchedule(config.schedule);
  }

  /** The seed's UNet; a RangeError for the paired model, whose denoiser reads the content too. */
  get seedUnet(): UNet {
    if (!(this.unet instanceof UNet)) throw new RangeError(`LatentDiffusion: the ${this.config.name} model's denoiser reads the content; this needs the seed's UNet`);
    return this.unet;
  }

  /** Tiles [B, 1, 128, 128] → the latents diffusion works on [B, C, 16, 16]: the encoder's, times config.latentScale. */
  encodeLatent(tiles: Tensor): Tensor {
    const z = this.encoder.forward(tiles);
    return this.config.latentScale === undefined ? z : z.mul(this.config.latentScale);
  }

  /** Diffusion's latents → tiles: undoes config.latentScale, then decodes. */
  decodeLatent(latent: Tensor): Tensor {
    return this.decoder.forward(this.config.latentScale === undefined ? latent : latent.div(this.config.latentScale));
  }

  /** The noise ε from the denoiser's output at steps t [B] for z_t: itself, or from v (ε = √(1−ᾱ)·z_t + √ᾱ·v). */
  noiseFrom(output: Tensor, zt: Tensor, t: Tensor): Tensor {
    if (this.config.prediction !== 'v') return output;
    const alphaBar = this.schedule.alphaBar(t);
    return zt.mul(alphaBar.neg().add(1).sqrt()).add(output.mul(alphaBar.sqrt()));
  }

  /**
   * Content tiles [B, 1, 128, 128] played in the style of `style` tiles ([B·k, 1, 128, 128], or
   * [k, 1, 128, 128] for one style for all, where each reference is k = options.referenceTiles
   * tiles) → output tiles [B, 1, 128, 128] in (-1, 1) (or, with options.decode false, the latents).
   * Runs in inference mode with the modules in eval mode; the caller seeds the generator.
   */
  transfer(content: Tensor, style: Tensor, options: TileSamplingOptions): Tensor {
    const batch = content.shape[0]!;
    const k = options.referenceTiles ?? 1;
    if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`LatentDiffusion: Expected referenceTiles, a whole number ≥ 1, but received ${k}`);
    if (style.shape[0] !== batch * k && style.shape[0] !== k) throw new RangeError(`LatentDiffusion: Expected ${k} or ${batch * k} style tiles (${k} per reference) but received ${style.shape[0]}`);
    const guidance = options.guidance ?? this.config.sampling.guidance ?? SAMPLING_DEFAULTS.guidance;
    const guidanceFrom = options.guidanceFrom ?? this.config.sampling.guidanceFrom ?? SAMPLING_DEFAULTS.guidanceFrom;
    checkSampling(options, this.schedule.steps);
    const refinerGuidance = options.refinerGuidance ?? 1;
    if (refinerGuidance !== 1 && !this.refiner?.style) throw new RangeError(`LatentDiffusion: refinerGuidance needs a refiner that reads the reference, and the ${this.config.name} model has none; leave it at 1, or use a model whose refiner does (models/default)`);
    return this.#inference(() =>
      tidy(() => {
        const widen = (m: Tensor) => (m.shape[0] === batch ? m : m.expand([batch, ...m.shape.slice(1)]));
        const target = joinReferenceTiles(this.styleEncoder.forward(style), k).map(widen);
        if (this.unet instanceof PairedUNet) {
          // the content's own style maps, read once where the denoiser's guidance or the refiner's steers from them
          const ownNeeded = (guidance !== 1 && guidanceFrom === 'content') || (refinerGuidance !== 1 && options.refine !== false && options.decode !== false);
          const ownMaps = ownNeeded ? this.styleEncoder.forward(content) : null;
          const latent = this.samplePairedLatent(content, target, { ...options, guidance, guidanceFrom, referenceTiles: k }, ownMaps);
          if (options.decode === false) return latent;
          const decoded = tidy(() => this.decodeLatent(latent)); // the decoder's maps freed before the refiner's
          const refiner = options.refine === false ? null : this.refiner;
          if (!refiner) return decoded;
          if (refinerGuidance === 1) return tidy(() => refiner.forward(decoded, content, refiner.style ? pooledStyle(target) : undefined).clamp(-1, 1));
          return tidy(() => {
            const styles = cat([pooledStyle(target), pooledStyle(ownMaps!)], 0);
            const [styled, own] = refiner.forward(cat([decoded, decoded], 0), cat([content, content], 0), styles).chunk(2, 0) as [Tensor, Tensor];
            return own.add(styled.sub(own).mul(refinerGuidance)).clamp(-1, 1);
          });
        }
        const unet = this.unet;
        const contentLatent = this.encodeLatent(content);
        const predict =
          guidance === 1
            ? (z: Tensor, t: number) => unet.forward(z, timesteps(t, batch, z.device), target)
            : this.#guidedPredictor(unet, target, this.#ownMaps(content, k), guidance);
        const latent = ddimSample(this.schedule, predict, contentLatent, options, options.noise);
        return options.decode === false ? latent : this.decodeLatent(latent);
      }),
    );
  }

  /**
   * The paired model's sampled latent [B, C, 16, 16] for content tiles [B, 1, 128, 128] and the
   * style encoder's maps of their references (joined to k = referenceTiles tiles each, one per
   * item), at resolved guidance settings. Outside inference mode: autograd records it where the
   * caller does (the transfer phase trains the denoiser through it); transfer wraps it.
   * `contentMaps`: the style encoder's maps of the content tiles where the caller has them
   * already (one tile each); read here when guidance from the content needs them and none are given.
   */
  samplePairedLatent(content: Tensor, styleMaps: Tensor[], options: TileSamplingOptions & Pick<SamplingSettings, 'guidance' | 'guidanceFrom'>, contentMaps: Tensor[] | null = null): Tensor {
    const unet = this.unet;
    if (!(unet instanceof PairedUNet)) throw new RangeError(`LatentDiffusion: the ${this.config.name} model's denoiser does not read the content; samplePairedLatent needs a paired model`);
    const k = options.referenceTiles ?? 1;
    const { guidance, guidanceFrom } = options;
    const ownMaps = guidance !== 1 && guidanceFrom === 'content' ? this.#ownMaps(content, k, contentMaps) : null;
    // the content enters through the denoiser at every step; sampling starts from its latent noised to
    // `strength` too, which at the default 1 is noise (√ᾱ ≈ 0.006) and below 1 keeps more of the input
    const contentLatent = this.encodeLatent(content);
    return ddimSample(this.schedule, this.#pairedPredictor(unet, contentLatent, styleMaps, guidance, ownMaps), contentLatent, options, options.noise);
  }

  /** Tiles [B, 1, 128, 128] encoded and decoded → [B, 1, 128, 128] in [-1, 1]: the best any latent of this autoencoder gives them. Inference mode, eval mode. */
  autoencode(tiles: Tensor): Tensor {
    return this.#inference(() => this.decodeLatent(this.encodeLatent(tiles)).clamp(-1, 1));
  }

  /** The style encoder's maps of the content tiles as their own reference (guidance from the content), each tile repeated to a reference's k tiles: the same tokens k times over attend as once. */
  #ownMaps(content: Tensor, k: number, maps: Tensor[] | null = null): Tensor[] {
    return (maps ?? this.styleEncoder.forward(content)).map((m) => (k === 1 ? m : m.repeat(1, 1, 1, k)));
  }

  /** `compute` in inference mode with the modules in eval mode, its result handed back as a plain tensor: an inference-mode one cannot meet autograd later (a judge, a loss). */
  #inference(compute: () => Tensor): Tensor {
    this.eval();
    const output = inferenceMode(compute);
    const plain = noGrad(() => output.clone());
    output.dispose();
    return plain;
  }

  /** ε with style guidance: both conditions in one UNet pass of twice the batch. */
  #guidedPredictor(unet: UNet, target: Tensor[], own: Tensor[], guidance: number) {
    const both = target.map((m, i) => cat([m, own[i]!], 0));
    return (z: Tensor, t: number) => {
      const [toTarget, toOwn] = unet.forward(cat([z, z], 0), timesteps(t, 2 * z.shape[0]!, z.device), both).chunk(2, 0) as [Tensor, Tensor];
      return toOwn.add(toTarget.sub(toOwn).mul(guidance));
    };
  }

  /**
   * The paired model's ε; with guidance g ≠ 1, ε = ε(from) + g·(ε(style) − ε(from)), both in one
   * pass of twice the batch, where "from" is no style (classifier-free) or, given `ownMaps`, the
   * content tiles' own style maps.
   */
  #pairedPredictor(unet: PairedUNet, content: Tensor, styleMaps: Tensor[], guidance: number, ownMaps: Tensor[] | null) {
    const batch = content.shape[0]!;
    const style = unet.encodeStyle(styleMaps);
    if (guidance === 1) {
      return (z: Tensor, t: number) => {
        const steps = timesteps(t, batch, z.device);
        return this.noiseFrom(unet.forward(z, steps, content, style), z, steps);
      };
    }
    const both = ownMaps
      ? unet.encodeStyle(styleMaps.map((m, i) => cat([m, ownMaps[i]!], 0)))
      : unet.encodeStyle(
          styleMaps.map((m) => cat([m, m], 0)),
          cat([ones([batch], { device: content.device }), zeros([batch], { device: content.device })], 0),
        );
    const contents = cat([content, content], 0);
    return (z: Tensor, t: number) => {
      const zz = cat([z, z], 0);
      const steps = timesteps(t, 2 * batch, z.device);
      const [styled, from] = this.noiseFrom(unet.forward(zz, steps, contents, both), zz, steps).chunk(2, 0) as [Tensor, Tensor];
      return from.add(styled.sub(from).mul(guidance));
    };
  }
}
