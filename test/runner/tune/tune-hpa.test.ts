import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadHpaManifest, parseHpaManifest } from '../../../src/agents/hpa/hpa-manifest.js';
import { Rng } from '../../../src/env/rng.js';
import { sampleHpaOptions } from '../../../src/runner/tune/hpa-search-space.js';
import { tuneHpa } from '../../../src/runner/tune/tune-hpa.js';
import { formatHpaManifest } from '../../../src/agents/hpa/hpa-manifest.js';
import { builtInScenarioNames, loadScenario } from '../../../src/env/scenario-files.js';
import { cliInProcess, REPO, tempDir } from '../helpers.js';

/** `simenv tune hpa`: the search space, the manifest round trip, and the CLI end to end. */

describe('HPA search space and manifest writer', () => {
  it('every sampled candidate is written as a manifest that reads back to the same options', () => {
    const rng = new Rng(11);
    for (let i = 0; i < 200; i++) {
      const o = sampleHpaOptions(rng, { minReplicas: 2, maxReplicas: 9 });
      const text = formatHpaManifest({ name: 'web', namespace: 'shop', options: o, comment: ['tuned'] });
      const back = parseHpaManifest(text, 'x.yaml');
      expect(back.name).toBe('web');
      expect(back.scaleTargetName).toBe('web');
      expect(back.options).toEqual(o);
    }
  });

  it('the sampler is seeded: same seed, same candidates; another seed, others', () => {
    const draw = (seed: number): unknown[] => {
      const rng = new Rng(seed);
      return Array.from({ length: 5 }, () => sampleHpaOptions(rng, { minReplicas: 1, maxReplicas: 12 }));
    };
    expect(draw(4)).toEqual(draw(4));
    expect(draw(4)).not.toEqual(draw(5));
  });

  it('refuses what a manifest cannot say (controller flags), naming the field', () => {
    expect(() => formatHpaManifest({ name: 'w', namespace: null, options: { minReplicas: 1, maxReplicas: 3, syncPeriodSeconds: 30 } })).toThrow(/syncPeriodSeconds: expected the controller's default 15/);
    expect(() => formatHpaManifest({ name: 'w', namespace: null, options: { minReplicas: 1, maxReplicas: 3, downscaleStabilizationSeconds: 60 } })).toThrow(/downscaleStabilizationSeconds/);
  });
});

describe('examples/hpa/tuned/', () => {
  it('holds one tuned manifest per built-in scenario of one deployment, for its deployment, recording the command that made it', () => {
    const dir = join(REPO, 'examples/hpa/tuned');
    // An application scenario (several deployments) has no single HPA to tune.
    const single = builtInScenarioNames().filter((n) => loadScenario(n).scenario.deployment !== undefined);
    expect(single.length).toBeLessThan(builtInScenarioNames().length);
    expect(readdirSync(dir).sort()).toEqual(single.map((n) => `${n}.yaml`));
    for (const name of single) {
      const file = join(dir, `${name}.yaml`);
      const m = loadHpaManifest(file);
      expect(`dsb/${m.scaleTargetName}`).toBe(loadScenario(name).scenario.deployment);
      expect(readFileSync(file, 'utf8')).toContain(`tune hpa --scenario ${name} --seed 1 --out examples/hpa/tuned/${name}.yaml`);
    }
  });
});

describe('tuneHpa', () => {
  it('is deterministic, ranks the default among the candidates, and the winner is at least as good on train', async () => {
    const opts = { scenario: 'compose-post-bursty', budget: 12, seed: 3, firstEpisodes: 2, maxEpisodes: 8, finalists: 3, heldoutSeeds: [1, 2, 3] };
    const a = await tuneHpa(opts);
    const b = await tuneHpa(opts);
    expect(a.finalists.map((f) => [f.candidate, f.reward.mean])).toEqual(b.finalists.map((f) => [f.candidate, f.reward.mean]));
    expect(a.finalists).toHaveLength(3);
    for (const f of a.finalists) expect(f.reward.n).toBe(8);
    expect(a.finalists[0]!.reward.mean!).toBeGreaterThanOrEqual(a.defaultOnTrain.reward.mean!);
    expect(a.search.trainEpisodeSeeds).toHaveLength(8);
    expect(a.heldout.map((h) => h.split)).toEqual(['heldout', 'heldout-workload']);
    for (const h of a.heldout) {
      expect(h.eval.agent.episodes).toBe(3);
      expect(h.eval.difference!.pairs).toBe(3);
    }
  });
});

describe('simenv tune hpa (CLI)', () => {
  it('writes a manifest that simenv eval --hpa reads back, with the same held-out figures', async () => {
    const dir = tempDir('simenv-tune-');
    const out = join(dir, 'hpa.yaml');
    const t = await cliInProcess(['tune', 'hpa', '--scenario', 'nginx-diurnal', '--budget', '10', '--episodes', '8', '--first-episodes', '2', '--finalists', '2', '--heldout-seeds', '1..4', '--seed', '2', '--out', out, '--json']);
    expect(t.code).toBe(0);
    const r = JSON.parse(t.out) as { finalists: Array<{ options: unknown }>; heldout: Array<{ split: string; eval: { agent: { reward: { mean: number } }; baseline: { reward: { mean: number } }; difference: { reward: { mean: number; lo: number; hi: number } } } }> };
    expect(existsSync(out)).toBe(true);
    expect(loadHpaManifest(out).options).toEqual(r.finalists[0]!.options);
    expect(readFileSync(out, 'utf8')).toMatch(/^# Tuned by simenv tune hpa on nginx-diurnal's train split/);

    const e = await cliInProcess(['eval', '--scenario', 'nginx-diurnal', '--split', 'heldout', '--agent', 'hpa', '--hpa', out, '--seeds', '1..4', '--baseline', 'hpa', '--out', join(dir, 'runs'), '--log', 'none', '--json']);
    expect(e.code).toBe(0);
    const ev = (JSON.parse(e.out) as { eval: { agent: { reward: { mean: number } }; baseline: { reward: { mean: number } }; difference: { reward: { mean: number; lo: number; hi: number } } } }).eval;
    const h = r.heldout.find((x) => x.split === 'heldout')!.eval;
    expect(ev.agent.reward.mean).toBe(h.agent.reward.mean);
    expect(ev.baseline.reward.mean).toBe(h.baseline.reward.mean);
    expect(ev.difference.reward).toEqual(h.difference.reward);

    // Bad input: one line naming the flag; an existing --out is kept.
    const again = await cliInProcess(['tune', 'hpa', '--scenario', 'nginx-diurnal', '--budget', '2', '--out', out]);
    expect(again.code).toBe(2);
    expect(again.err.split('\n')[0]).toBe(`simenv: --out: expected a new file, got ${out}, which exists`);
    // Without --out: hpa-SCENARIO.yaml in the working directory.
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const d = await cliInProcess(['tune', 'hpa', '--scenario', 'nginx-diurnal', '--budget', '2', '--episodes', '2', '--first-episodes', '1', '--finalists', '1', '--heldout-seeds', '1', '--quiet']);
      expect(d.code).toBe(0);
      expect(loadHpaManifest(join(dir, 'hpa-nginx-diurnal.yaml')).scaleTargetName).toBe('nginx-thrift');
    } finally {
      process.chdir(cwd);
    }
    const noTrain = await cliInProcess(['tune', 'hpa', '--scenario', 'nginx-diurnal', '--budget', '0']);
    expect(noTrain.code).toBe(2);
    expect(noTrain.err.split('\n')[0]).toBe('simenv: --budget: expected an integer 1..10000, got "0"');
  }, 60_000);
});
