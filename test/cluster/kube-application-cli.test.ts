// `simenv run --deploy a,b,c --backend kube` from the command line (a child process, as a user
// runs it) on the real control plane: one run scales three DeathStarBench deployments through
// their scale subresources, its step lines show each deployment's ready pods following its own
// action, and the run's objects are gone when it exits.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonl, runCli } from '../runner/helpers.js';
import { hpaManifest } from '../helpers/hpa-manifest.js';
import { testKubeconfigPath, useTestNamespaces } from './helpers.js';
import { DSB_TRACE, labelledObjects, scratchDir } from './kube-helpers.js';

const DEPLOYMENTS = ['dsb/nginx-thrift', 'dsb/compose-post-service', 'dsb/text-service'];
const START_S = 480;
const STEP_S = 15;
const STEPS = 4;
/** Each deployment held at its own count (static agents differ only by target, so a manifest per deployment: hpa with minReplicas = maxReplicas). */
const TARGETS = [3, 1, 2];

const HOLD = (name: string, n: number): string => hpaManifest(name, { min: n, max: n });

describe('simenv run --deploy a,b,c --backend kube (the CLI), on a real control plane', () => {
  const namespaces = useTestNamespaces();

  it('scales three deployments at once; each one\'s ready pods follow its own HPA; nothing is left after the run', async () => {
    const kc = namespaces.kc();
    const ns = await namespaces.create('kube-app-cli');
    const dir = scratchDir('kube-app-cli');
    const hpas = join(dir, 'hpas.yaml');
    writeFileSync(hpas, DEPLOYMENTS.map((d, i) => HOLD(d.split('/')[1]!, TARGETS[i]!)).join('---\n'));
    const t0 = performance.now();
    const r = await runCli([
      'run', '--trace', DSB_TRACE, '--deploy', DEPLOYMENTS.join(','), '--agent', 'hpa', '--hpa', hpas,
      '--step', String(STEP_S), '--duration', String(STEP_S * STEPS), '--episode-start', String(START_S), '--max-replicas', '6',
      '--backend', 'kube', '--kube-ns', ns, '--kubeconfig', testKubeconfigPath(), '--speed', '10',
      '--out', join(dir, 'runs'), '--run-id', 'kube-app-cli',
    ]);
    const wallS = (performance.now() - t0) / 1000;
    console.log(`[kube application cli] 3 deployments, ${STEPS} steps of ${STEP_S}s at speed 10: ${wallS.toFixed(1)} s wall (process start, reset and teardown included)`);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('simenv:')), r.stderr).toEqual([]);
    expect(r.code, r.stderr).toBe(0);
    // The CLI says which backend it chose, and the backend reports on stderr.
    expect(r.stdout).toContain('[create] kube backend');
    expect(r.stderr).toContain('[backend] ');

    const runDir = join(dir, 'runs', 'kube-app-cli');
    const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as { backend: string; deployments: string[] };
    expect(config.backend).toBe('kube');
    expect(config.deployments).toEqual(DEPLOYMENTS);
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as { status: string; perEpisode: Array<{ steps: number; complete: boolean }> };
    expect(summary.status).toBe('completed');
    expect(summary.perEpisode[0]).toMatchObject({ steps: STEPS, complete: true });

    const rows = readJsonl(join(runDir, 'step.jsonl')) as Array<Record<string, number>>;
    expect(rows).toHaveLength(STEPS + 1);
    expect(rows[0]!.timeS).toBe(START_S);
    expect(rows.at(-1)!.timeS).toBe(START_S + STEP_S * STEPS);
    // Each HPA moves its deployment to its own count; by the last step the pods are Ready there.
    DEPLOYMENTS.forEach((d, i) => {
      expect(rows.slice(1).every((s) => s[`${d}.applied`] === TARGETS[i]), `${d}: ${JSON.stringify(rows.map((s) => s[`${d}.applied`]))}`).toBe(true);
      expect(rows.at(-1)![`${d}.ready`], d).toBe(TARGETS[i]);
    });
    // Teardown by run label: no deployment, replica set or pod of the run is left.
    expect(await labelledObjects(kc, ns)).toEqual({ deployments: [], replicasets: [], pods: [] });
  });
});
