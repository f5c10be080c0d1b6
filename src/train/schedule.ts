/** The learning rate at each step: a linear warm-up, then a cosine down to a floor. */

export interface LearningRateSchedule {
  /** Peak rate, reached at the end of the warm-up. */
  learningRate: number;
  warmupSteps: number;
  /** Steps of the whole run. */
  steps: number;
  /** The floor the cosine ends at, as a fraction of the peak. */
  minLearningRate: number;
}

/** Rate for the optimizer step with 0-based index `step`. */
export function learningRateAt(step: number, s: LearningRateSchedule): number {
  if (step < s.warmupSteps) return (s.learningRate * (step + 1)) / s.warmupSteps;
  const progress = Math.min(1, (step - s.warmupSteps) / Math.max(1, s.steps - s.warmupSteps));
  const floor = s.learningRate * s.minLearningRate;
  return floor + ((s.learningRate - floor) * (1 + Math.cos(Math.PI * progress))) / 2;
}
