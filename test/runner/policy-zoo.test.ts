import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZOO, ZOO_MAX_BYTES, zooName, zooTrainArgs } from '../../src/runner/zoo/policy-zoo.js';
import { cliInProcess, REPO, tempDir } from './helpers.js';

/** The shipped policies (examples/policies/, `npm run train:zoo`): small, documented, and they load and act. */

function bytesUnder(dir: string): number {
  return readdirSync(dir).reduce((n, f) => {
    const s = statSync(join(dir, f));
    return n + (s.isDirectory() ? bytesUnder(join(dir, f)) : s.size);
  }, 0);
}

describe('policy zoo', () => {
  it('every entry is shipped, under 1 MB, with the exact train arguments and seed in policy.json', () => {
    const shipped = readdirSync(join(REPO, 'examples/policies')).filter((d) => statSync(join(REPO, 'examples/policies', d)).isDirectory());
    expect(shipped.sort()).toEqual(ZOO.map(zooName).sort());
    for (const e of ZOO) {
      const dir = join(REPO, 'examples/policies', zooName(e));
      expect(bytesUnder(dir)).toBeLessThan(ZOO_MAX_BYTES);
      const text = readFileSync(join(dir, 'policy.json'), 'utf8');
      const meta = JSON.parse(text) as {
        agent: string;
        zoo: { args: string[]; seed: number; scenario: string };
        training: { seed: number; steps: number };
        action: { mode: string; n: number };
        hpaResidual?: { maxDelta: number };
      };
      expect(meta.agent).toBe(e.agent);
      expect(meta.zoo.args).toEqual(zooTrainArgs(e));
      expect(meta.zoo.seed).toBe(e.seed);
      expect(meta.training.seed).toBe(e.seed);
      expect(meta.training.steps).toBe(e.steps);
      if (e.residualDelta !== undefined) {
        // Corrections to the tuned HPA, acting in an env of absolute actions.
        expect(meta.hpaResidual?.maxDelta).toBe(e.residualDelta);
        expect(meta.action).toMatchObject({ mode: 'delta', n: 2 * e.residualDelta + 1 });
        expect(meta.zoo.args).toContain(`examples/hpa/tuned/${e.scenario}.yaml`);
      } else {
        expect(meta.action.mode).toBe('absolute');
      }
      // No machine's directories in a shipped file.
      expect(text).not.toMatch(/"\/(work|home|tmp|Users)\//);
    }
  });

  it('simenv eval --policy loads each and acts on its scenario\'s held-out split, paired with the tuned HPA', async () => {
    const out = tempDir('simenv-zoo-');
    for (const e of ZOO) {
      const r = await cliInProcess([
        'eval', '--policy', join(REPO, 'examples/policies', zooName(e)), '--scenario', e.scenario, '--split', 'heldout', '--seeds', '1,2',
        '--baseline', `hpa:${join(REPO, 'examples/hpa/tuned', `${e.scenario}.yaml`)}`, '--out', out, '--log', 'none', '--json', '--quiet',
      ]);
      expect(r.code, r.err).toBe(0);
      const doc = JSON.parse(r.out) as { episodes: number; steps: number; replicaChanges?: unknown; eval: { agent: { episodes: number; replicaChangesPerEpisode: number }; difference: { pairs: number } } };
      expect(doc.eval.agent.episodes).toBe(2);
      expect(doc.eval.difference.pairs).toBe(2);
      expect(doc.steps).toBeGreaterThan(2);
    }
  }, 120_000);
});
