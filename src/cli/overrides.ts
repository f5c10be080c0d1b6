/**
 * `--key=value` settings on top of a config object: the value is read as JSON (else as a string),
 * and an unknown key or a value of another type than the setting's is refused by name. Settings
 * named in `anyType` (a choice such as `--bf16=auto|true|false`) take a value of any type and are
 * checked by the config's own checker.
 */

const typeOf = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

/** A copy of `config` with the overrides applied; `what` names the settings in messages ("dataset", "training"). */
export function applyOverrides<T extends object>(config: T, overrides: readonly string[], what: string, anyType: readonly (keyof T & string)[] = []): T {
  const out = structuredClone(config) as Record<string, unknown>;
  for (const override of overrides) {
    const match = /^--([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(override);
    if (!match) throw new TypeError(`Expected --key=value but received ${override}`);
    const [, key, raw] = match as unknown as [string, string, string];
    if (!(key in out)) throw new RangeError(`unknown ${what} setting ${key}; settings: ${Object.keys(out).join(', ')}`);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    const current = out[key];
    if (current !== null && !anyType.includes(key as keyof T & string) && typeOf(value) !== typeOf(current)) {
      throw new TypeError(`--${key}: Expected a value of type ${typeOf(current)} but received ${raw} of type ${typeOf(value)}`);
    }
    out[key] = value;
  }
  return out as T;
}
