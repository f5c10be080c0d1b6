/**
 * Errors about audio input, each with a code a program can test and a message a person can act on.
 */

export type AudioErrorCode = 'NOT_FOUND' | 'NOT_A_FILE' | 'EMPTY' | 'UNSUPPORTED' | 'CORRUPT' | 'TOO_SHORT' | 'NOT_FINITE' | 'ABSURD_LEVEL' | 'SILENT';

export class AudioError extends Error {
  constructor(
    readonly code: AudioErrorCode,
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'AudioError';
  }
}
