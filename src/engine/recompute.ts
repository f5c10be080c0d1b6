/**
 * Gradient checkpointing for a chain of segments, written over the engine's own autograd so it
 * works on any device: the forward pass keeps only each segment's output (no graph), and the
 * gradient is found by running each segment again with autograd, last to first, one at a time.
 * Memory then holds one segment's activations instead of the whole chain's, for the price of
 * one more forward pass.
 *
 *   input ─seg₁→ h₁ ─seg₂→ h₂ … ─segₙ→ hₙ      loss = Σᵢ lossᵢ(hᵢ)
 *
 * Limits, as with torch.utils.checkpoint: a segment must compute the same thing twice (no
 * dropout, no batch-norm statistics in training mode), and the gradients of the segments' own
 * trainable parameters accumulate when this is called, not when the returned loss is
 * back-propagated (the training loop zeroes gradients before it builds the loss, so that is
 * the same step's gradient either way).
 */
import { noGrad, enableGrad } from './autograd.js';
import { tidy, keep } from './scope.js';
import type { Tensor } from './tensor.js';

/** One link of the chain: its output, and optionally its scalar contribution to the loss. */
export type Segment = (input: Tensor) => { output: Tensor; loss?: Tensor };

/**
 * The chain's loss Σᵢ lossᵢ, a scalar whose value is the chain's and whose gradient with
 * respect to `input` is exact, but whose graph holds no activation of the chain: back-propagating
 * it reaches `input`'s graph only. `input` is any tensor, usually one autograd tracks.
 */
export function recomputedLoss(input: Tensor, segments: Segment[]): Tensor {
  if (segments.length === 0) throw new RangeError('recomputedLoss: the chain needs at least one segment');
  // Forward without a graph: each segment's input (the last segment's output is needed by none).
  const inputs: Tensor[] = [keep(input.detach())];
  noGrad(() => {
    for (const segment of segments.slice(0, -1)) {
      tidy(() => inputs.push(keep(segment(inputs[inputs.length - 1]!).output.detach())));
    }
  });
  // Backward, segment by segment: d loss / d hᵢ₋₁ from segment i run again with a graph, which
  // also gives the segment's share of the loss value.
  let value = 0;
  let gradient: Tensor | null = null;
  enableGrad(() => {
    for (let i = segments.length - 1; i >= 0; i--) {
      const previous: Tensor | null = gradient;
      gradient = tidy(() => {
        const leaf = inputs[i]!.requiresGrad_();
        const { output, loss } = segments[i]!(leaf);
        const parts: Tensor[] = [];
        if (loss !== undefined) {
          value += loss.item();
          parts.push(loss);
        }
        if (previous !== null) parts.push(output.mul(previous).sum());
        if (parts.length === 0) return null; // nothing downstream depends on this segment yet
        parts.reduce((a, b) => a.add(b)).backward();
        return leaf.grad === null ? null : keep(leaf.grad);
      });
      previous?.dispose();
      inputs[i]!.dispose();
    }
  });
  const inputGradient = gradient as Tensor | null;
  if (inputGradient === null) return input.sum().mul(0).add(value);
  // value + ⟨input, g⟩ − ⟨input, g⟩ without its graph: the value is the chain's, the gradient g.
  const linear = input.mul(inputGradient.to(input.dtype)).sum();
  inputGradient.dispose();
  return linear.sub(linear.detach()).add(value);
}
