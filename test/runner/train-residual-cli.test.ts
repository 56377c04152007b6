import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliInProcess, REPO, tempDir } from './helpers.js';

/** `simenv train --hpa-residual`: the flags, their refusals, and eval loading the result. */
describe('simenv train --hpa-residual', () => {
  it('refuses delta actions and --residual-delta alone, before writing anything', async () => {
    const out = join(tempDir('simenv-res-'), 'run');
    const a = await cliInProcess(['train', '--agent', 'dqn', '--scenario', 'compose-post-bursty', '--hpa-residual', 'default', '--out', out, '--quiet']);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/--hpa-residual: expected --action-mode absolute/);
    const b = await cliInProcess(['train', '--agent', 'dqn', '--scenario', 'compose-post-bursty', '--action-mode', 'absolute', '--residual-delta', '1', '--out', out, '--quiet']);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/--residual-delta: expected --hpa-residual/);
    expect(existsSync(out)).toBe(false);
  });

  it('trains on top of a manifest, and simenv eval --policy acts through that HPA', async () => {
    const dir = tempDir('simenv-res-');
    const manifest = join(REPO, 'examples/hpa/tuned/compose-post-bursty.yaml');
    const t = await cliInProcess([
      'train', '--agent', 'dqn', '--scenario', 'compose-post-bursty', '--action-mode', 'absolute', '--hpa-residual', manifest, '--residual-delta', '1',
      '--steps', '400', '--envs', '2', '--seed', '1', '--hyper', '{"learningStarts":100,"hidden":[16]}', '--tf-backend', 'cpu', '--out', join(dir, 'run'), '--quiet',
    ]);
    expect(t.code, t.err).toBe(0);
    const meta = JSON.parse(readFileSync(join(dir, 'run', 'policy', 'policy.json'), 'utf8')) as { hpaResidual: { maxDelta: number; hpa: { targetUtilisation: number } } };
    expect(meta.hpaResidual.maxDelta).toBe(1);
    expect(meta.hpaResidual.hpa.targetUtilisation).toBe(80);
    const e = await cliInProcess([
      'eval', '--policy', join(dir, 'run', 'policy'), '--scenario', 'compose-post-bursty', '--split', 'heldout', '--seeds', '1,2',
      '--baseline', `hpa:${manifest}`, '--out', join(dir, 'runs'), '--log', 'none', '--json', '--quiet',
    ]);
    expect(e.code, e.err).toBe(0);
    const doc = JSON.parse(e.out) as { eval: { agent: { episodes: number }; difference: { pairs: number } } };
    expect(doc.eval.agent.episodes).toBe(2);
    expect(doc.eval.difference.pairs).toBe(2);
  }, 60_000);
});
