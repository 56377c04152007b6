import { canonicalJson } from './canonical-json.js';

/** Settings as flat `path -> value text` maps, and the paths where several of them differ. */

/** `{a: {b: 1}, c: [1, 2]}` -> `{'a.b': '1', c: '[1,2]'}` (leaves as JSON text, strings as is). */
export function flatten(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out[prefix] = '{}';
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = typeof value === 'string' ? value : canonicalJson(value);
  }
  return out;
}

/** Flattened paths whose values are not the same in every one of `items` (a missing path counts as a value). */
export function differingPaths(items: ReadonlyArray<Record<string, string>>): string[] {
  const paths = new Set(items.flatMap((i) => Object.keys(i)));
  return [...paths].filter((p) => new Set(items.map((i) => i[p] ?? '(unset)')).size > 1).sort();
}
