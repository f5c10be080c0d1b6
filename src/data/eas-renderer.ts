/**
 * Where eas-render (native/eas-render.c, Sonivox's wavetable: eas.ts) is built: the sonivox set's
 * `path`, the name a dataset's config records for its font. Apart from eas.ts so that the list of
 * sound sets (fonts.ts) loads no audio decoder.
 */
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

export const EAS_RENDERER = join(packageRoot(), 'build', 'Release', 'eas-render');
