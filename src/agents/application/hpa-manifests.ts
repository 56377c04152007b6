import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ConfigError } from '../../env/errors.js';
import type { HpaOptionsInput } from '../hpa/hpa-config.js';
import { parseHpaManifest } from '../hpa/hpa-manifest.js';

/**
 * HPA manifests for an application: one HorizontalPodAutoscaler per deployment, from a
 * multi-document YAML file (documents separated by `---`, as `kubectl get hpa -o yaml` of
 * several prints them when split) or a directory of `.yaml`/`.yml`/`.json` files. Each
 * manifest is read as the single-deployment agent reads one (parseHpaManifest) and keyed by
 * its `spec.scaleTargetRef.name`.
 */
export function loadHpaManifests(path: string): Map<string, HpaOptionsInput> {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    throw new ConfigError('hpa', `expected a manifest file or directory, got "${path}" (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const texts: Array<[string, string]> = [];
  if (isDir) {
    for (const f of readdirSync(path).filter((f) => /\.(ya?ml|json)$/.test(f)).sort()) texts.push([f, readFileSync(join(path, f), 'utf8')]);
    if (texts.length === 0) throw new ConfigError('hpa', `expected .yaml, .yml or .json manifests in "${path}", got none`);
  } else texts.push([basename(path), readFileSync(path, 'utf8')]);
  const out = new Map<string, HpaOptionsInput>();
  for (const [file, text] of texts) {
    const docs = parseAllDocuments(text);
    const list = Array.isArray(docs) ? docs : [docs];
    list.forEach((doc, i) => {
      if (doc.contents === null) return; // an empty document (a trailing ---)
      const source = list.length > 1 ? `${file} (document ${i + 1})` : file;
      const m = parseHpaManifest(doc.toString(), source);
      const target = m.scaleTargetName;
      if (target === null) throw new ConfigError(source, 'expected spec.scaleTargetRef.name (which deployment the HPA scales), got none');
      if (out.has(target)) throw new ConfigError(source, `expected one HPA per deployment, got a second one for ${target}`);
      out.set(target, m.options);
    });
  }
  return out;
}
