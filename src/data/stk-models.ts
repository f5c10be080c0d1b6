/**
 * The STK's models as a sound set's data (stk.ts renders them), apart so that the registry of
 * sound sets (fonts.ts) reads it without loading a renderer.
 */

/** Where the stk package keeps its wave tables: the set's "path". */
export const STK_RAWWAVES = '/usr/share/stk/rawwaves';

/**
 * The STK model that plays each General MIDI program it can stand for (instruments.ts's programs
 * and kin). Violin, viola, cello and double bass are all the bowed-string model (so the set
 * leaves cello out: on a piece's notes it would sound exactly as violin does); there is no piano,
 * string ensemble or square-wave lead among the models.
 */
export const STK_MODELS: Readonly<Record<number, string>> = Object.freeze({
  24: 'Plucked', 25: 'StifKarp', 26: 'StifKarp', 27: 'Plucked', // guitars
  40: 'Bowed', 41: 'Bowed', 42: 'Bowed', 43: 'Bowed', 110: 'Bowed', // violin, viola, cello, double bass, fiddle
  71: 'Clarinet',
  72: 'Flute', 73: 'Flute', 74: 'Recorder',
  56: 'Brass', 59: 'Brass',
  64: 'Saxofony', 65: 'Saxofony', 66: 'Saxofony', 67: 'Saxofony',
  16: 'BeeThree', 17: 'BeeThree', 18: 'BeeThree', 19: 'BeeThree', // organs
});
