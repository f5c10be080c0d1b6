/**
 * A judge made of several trained networks heard together: its probabilities are the mean of
 * theirs, its embedding (the Fréchet distance's space) their embeddings side by side.
 *
 * Why: networks that hear a tile differently err on different tiles. On FluidR3's validation
 * renders, a font neither heard, a network hearing tiles without their long-term spectrum (the
 * `centred` view) and one hearing the raw spectrum scored 0.457 and 0.462 alone and 0.521
 * together, while two centred networks of different seeds gained 0.004 together (models/judge's
 * card has the shipped panel's figures). One network given both views as two input channels
 * scored 0.432: the gain needs separately trained networks.
 */
import { nn, cat, stack, type Tensor } from '../engine/index.js';
import { InstrumentJudge, type Judge, type JudgeConfig, type JudgeOutput } from './judge.js';

export interface JudgePanelConfig {
  /** Instruments in logit order: every network's. */
  instruments: string[];
  /** Each network's own config, in the panel's order. */
  networks: JudgeConfig[];
}

/** Whether a saved judge's config is a panel's (else it is one network's JudgeConfig). */
export const isPanelConfig = (config: JudgeConfig | JudgePanelConfig): config is JudgePanelConfig => 'networks' in config;

export class JudgePanel extends nn.Module implements Judge {
  readonly networks: InstrumentJudge[];
  readonly config: JudgePanelConfig;

  /** From the networks' configs (fresh weights, for loading), or from trained networks, which it then owns. */
  constructor(networks: JudgeConfig[] | InstrumentJudge[]) {
    super();
    if (networks.length < 2) throw new RangeError(`JudgePanel: Expected two networks or more but received ${networks.length}`);
    const judges = networks.map((n) => (n instanceof InstrumentJudge ? n : new InstrumentJudge(n)));
    const instruments = judges[0]!.config.instruments;
    const other = judges.find((j) => j.config.instruments.join() !== instruments.join());
    if (other) throw new RangeError(`JudgePanel: its networks must tell the same instruments apart in the same order; one hears ${instruments.join(', ')}, another ${other.config.instruments.join(', ')}`);
    this.networks = judges.map((judge, i) => this.child(`network${i}`, judge));
    this.config = { instruments, networks: judges.map((j) => j.config) };
  }

  /**
   * Tiles [B, 1, nMels, T] in [-1, 1] → logits [B, instruments] (the log of the networks' mean
   * probabilities, so softmax and argmax read them as one judge's) and embeddings
   * [B, networks × embedding].
   */
  forward(tiles: Tensor): JudgeOutput {
    const outputs = this.networks.map((network) => network.forward(tiles));
    const probabilities = stack(outputs.map((o) => o.logits.softmax(1)), 0).mean([0]);
    return { logits: probabilities.clamp(1e-12).log(), embedding: cat(outputs.map((o) => o.embedding), 1) };
  }

  predict(tiles: Tensor): string[] {
    return this.forward(tiles).logits.argmax(1).toArray().map((i) => this.config.instruments[i]!);
  }
}
