/**
 * What the paired model's style guidance steers away from (SamplingSettings.guidanceFrom), in a
 * module of its own so that the command line can list the choices without loading the engine.
 * - 'nothing': classifier-free, ε(no style) — the model's training drops the style for this;
 * - 'content': ε(the content tile as its own reference) — away from the source's own timbre.
 */
export const GUIDANCE_FROM = ['nothing', 'content'] as const;
export type GuidanceFrom = (typeof GUIDANCE_FROM)[number];
