/** Raised for a model file or folder that cannot be loaded; the message names what is missing or wrong. */
export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}
