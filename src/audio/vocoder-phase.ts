/**
 * Where Griffin-Lim's phase starts: the input's own STFT phase, or uniform random. A module of
 * its own, without the engine, so that the command line can list the choices without loading it.
 */
export const VOCODER_PHASES = ['input', 'random'] as const;
export type VocoderPhase = (typeof VOCODER_PHASES)[number];
