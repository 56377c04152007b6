// Replay mode end to end on the real control plane: a multi-step episode on a window of the
// DeathStarBench trace where the agent's replicas become Ready on KWOK nodes, the same policy
// in memory compared step by step (the sim-to-real check), teardown by run label, and an
// idempotent set-up that survives a second run and a crash.
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../src/agents/agent.js';
import { emptySnapshot } from '../../src/env/cluster/backend.js';
import { createKubeBackend } from '../../src/env/cluster/kube/kube-backend.js';
import { parseKubeOptions } from '../../src/env/cluster/kube/kube-options.js';
import { RUN_LABEL, WORKLOAD_LABEL } from '../../src/env/cluster/kube/labels.js';
import { buildReplayPlan, stateAt } from '../../src/env/cluster/kube/replay-plan.js';
import { clusterRoleName, runSetup } from '../../src/env/cluster/kube/setup.js';
import { Rng } from '../../src/env/rng.js';
import { SimEnv, type SimEnvOptionsInput } from '../../src/env/sim-env.js';
import { main } from '../../src/runner/cli.js';
import { compareRuns, formatComparison } from '../../src/runner/compare.js';
import { recordRun, type RecordRunOptions } from '../../src/runner/record-run.js';
import { loadRun } from '../../src/runner/report/load-run.js';
import { deleteTestNamespace, serviceAccountKubeConfig, testKubeconfigPath, useTestNamespaces } from './helpers.js';
import { deleteClusterRolePair, DSB_TRACE, labelledObjects, loadDsb, memoryLog, scratchDir, total, writeKubeconfig } from './kube-helpers.js';

const SA = 'sk-ctrl-sa';
/** The window: t = 480..780 s of dsb-scaling, where 9 recorded replica changes of other deployments happen. */
const START_S = 480;
const STEP_S = 15;
const STEPS = 20;
const SPEED = 10;
/** nginx-thrift replicas the policy asks for, one per step: up, down, up again. */
const SCHEDULE = [2, 2, 4, 4, 6, 6, 3, 3, 1, 1, 5, 5, 8, 8, 2, 2, 4, 4, 1, 1];

/** A fixed schedule: the same actions on both backends whatever they observe, so their states are comparable. */
function schedulePolicy(): Agent {
  let i = 0;
  return {
    name: 'schedule',
    reset: () => {
      i = 0;
    },
    act: () => SCHEDULE[Math.min(i++, SCHEDULE.length - 1)]!,
    describe: () => ({ schedule: SCHEDULE.join(',') }),
  };
}

function envOptions(extra: Partial<SimEnvOptionsInput> = {}): SimEnvOptionsInput {
  return {
    trace: DSB_TRACE,
    deployment: 'dsb/nginx-thrift',
    stepSeconds: STEP_S,
    horizon: STEPS,
    maxReplicas: 10,
    episodeStart: { type: 'offset', seconds: START_S },
    seed: 7,
    ...extra,
  };
}

/** Run the schedule policy for one episode into `<parent>/<runId>/`, as `simenv run` does. */
async function runToDir(env: SimEnv, parent: string, runId: string, onStep?: RecordRunOptions['onStep']): Promise<void> {
  const { error } = await recordRun({ env, agent: schedulePolicy(), seed: 7, out: parent, runId, onStep });
  if (error) throw error;
}

describe('kube backend, replay mode, on a real control plane', () => {
  const testNamespaces = useTestNamespaces();
  let kc: KubeConfig;
  let admin: string;
  let dir: string;
  const clusterRoles: string[] = [];

  beforeAll(() => {
    kc = testNamespaces.kc();
    admin = testKubeconfigPath();
    dir = scratchDir('replay');
  });

  afterAll(async () => {
    for (const n of clusterRoles) await deleteClusterRolePair(kc, n);
  });

  it('runs a 20-step episode on dsb-scaling 480..780 s: ready follows the agent on KWOK nodes, the trace replays, and memory vs kube agree', async () => {
    const ns = await testNamespaces.create('replay-episode');
    const { model, controlled } = await loadDsb();
    // Least privilege for real: setup's ServiceAccount runs the episode with its own token.
    clusterRoles.push(clusterRoleName(ns, SA));
    await runSetup({ options: parseKubeOptions({ kubeconfig: admin, namespace: ns, serviceAccount: SA }), model, controlled });
    const { kubeConfig } = await serviceAccountKubeConfig(kc, { namespace: ns, name: SA });
    const saPath = writeKubeconfig(kubeConfig, dir, 'sa');
    const runs = join(dir, 'runs');

    const memEnv = await SimEnv.create(envOptions());
    await runToDir(memEnv, runs, 'memory-run');
    await memEnv.close();

    const kubeEnv = await SimEnv.create(envOptions({ backend: 'kube', kube: { kubeconfig: saPath, namespace: ns, speed: SPEED, runId: 'replay-episode' } }));
    expect(kubeEnv.isAsync).toBe(true);
    const steps: Array<{ applied: number; ready: number; desired: number; timeS: number }> = [];
    const t0 = performance.now();
    try {
      await runToDir(kubeEnv, runs, 'kube-run', (_e, _s, _a, r) => {
        steps.push({ applied: r.info.action.applied, ready: r.info.observation.ready, desired: r.info.observation.desired, timeS: r.info.timeS });
      });
      const wallS = (performance.now() - t0) / 1000;
      console.log(`[kube replay] ${STEPS} steps of ${STEP_S}s at speed ${SPEED}: ${wallS.toFixed(1)} s wall (reset and settle included)`);

      expect(steps).toHaveLength(STEPS);
      expect(steps.map((s) => s.applied)).toEqual(SCHEDULE);
      expect(steps.at(-1)!.timeS).toBe(START_S + STEP_S * STEPS);
      // Ready replicas follow the actions: KWOK makes a scheduled pod Ready within about a
      // second, i.e. well inside one 15 s step at speed 10.
      const following = steps.filter((s) => s.ready === s.applied && s.desired === s.applied).length;
      expect(following / STEPS, JSON.stringify(steps)).toBeGreaterThanOrEqual(0.9);

      // The controlled pods really run on the KWOK virtual nodes, as many as the last action.
      const core = kc.makeApiClient(CoreV1Api);
      const pods = (await core.listNamespacedPod({ namespace: ns, labelSelector: `${WORKLOAD_LABEL}=deployment.nginx-thrift` })).items.filter((p) => !p.metadata?.deletionTimestamp);
      expect(pods).toHaveLength(SCHEDULE.at(-1)!);
      const nodes = new Map((await core.listNode({})).items.map((n) => [n.metadata!.name!, n.metadata!.labels ?? {}]));
      for (const p of pods) {
        expect(nodes.get(p.spec!.nodeName!)?.type).toBe('virtual');
        expect(p.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      }

      // The other 26 deployments are where the trace has them at 780 s (9 recorded changes replayed on the way).
      const plan = buildReplayPlan(model, controlled, { workloads: 'all' });
      const apps = kc.makeApiClient(AppsV1Api);
      const live = new Map((await apps.listNamespacedDeployment({ namespace: ns, labelSelector: `${RUN_LABEL}=replay-episode` })).items.map((d) => [d.metadata!.name!, d.spec!.replicas]));
      expect(live.size).toBe(27);
      for (const { target, manifest } of stateAt(plan, START_S + STEP_S * STEPS)) {
        const want = target.controlled ? SCHEDULE.at(-1) : (manifest as unknown as { spec: { replicas: number } }).spec.replicas;
        expect(live.get(target.name), target.name).toBe(want);
      }
      expect(live.get('compose-post-service')).toBe(6);
      expect(live.get('social-graph-service')).toBe(1);
    } finally {
      await kubeEnv.close();
    }

    // Teardown leaves nothing labelled behind.
    expect(await labelledObjects(kc, ns)).toEqual({ deployments: [], replicasets: [], pods: [] });

    // Sim-to-real: the same policy and window in memory and on the cluster, step by step.
    const a = loadRun(join(runs, 'memory-run'), { withSteps: true });
    const b = loadRun(join(runs, 'kube-run'), { withSteps: true });
    const cmp = compareRuns({ id: a.id, config: a.config, steps: a.steps ?? [] }, { id: b.id, config: b.config, steps: b.steps ?? [] });
    console.log(`[sim-to-real]\n${formatComparison(cmp, STEPS + 1)}`);
    expect(cmp.warnings).toEqual([]);
    expect(cmp.pairs).toHaveLength(STEPS + 1);
    expect(cmp.desired.maxAbsDiff).toBe(0);
    // Both backends bring the replicas up within a step (memory: start-up latency median 2 s,
    // p99 5 s; KWOK: about a second of real time, 10 s simulated at speed 10), so at step ends
    // ready agrees except where one lags a fresh scale-up: at most half a replica on average.
    expect(cmp.ready.meanAbsDiff).toBeLessThanOrEqual(0.5);
    expect(cmp.ready.correlation!).toBeGreaterThan(0.9);
    // Reward differs only through the ready count inside each window (same demand, same
    // reward function): the per-step difference stays small next to the reward's own spread.
    const spread = Math.max(...cmp.pairs.filter((p) => p.rewardA !== null).map((p) => Math.abs(p.rewardA!)));
    expect(cmp.reward.meanAbsDiff).toBeLessThanOrEqual(0.25 * spread);
    expect(cmp.reward.correlation!).toBeGreaterThan(0.8);

    // The CLI prints the same comparison.
    const out: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
    try {
      expect(await main(['node', 'simenv', 'compare', join(runs, 'memory-run'), join(runs, 'kube-run'), '--max-ready-diff', '0.5'])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(out.join('')).toContain(`aligned steps: ${STEPS + 1}`);
  });

  it('set-up is idempotent: a second reset, a restart after a crash and a new run neither duplicate nor leak', async () => {
    const ns = await testNamespaces.create('replay-idem');
    const { model, controlled } = await loadDsb();
    const ctx = (log: (m: string) => void) => ({ model, controlled, tracePath: DSB_TRACE, log });
    const kube = { kubeconfig: admin, namespace: ns, speed: 20, workloads: ['compose-post-service', 'text-service'] };
    const snap = emptySnapshot();

    // Run "crash": reset, then abandoned without close (its objects stay, as after a killed process).
    const first = memoryLog();
    const crashed = await createKubeBackend(ctx(first.log), { ...kube, runId: 'crash' });
    await crashed.reset({ startTimeS: 600, initialReplicas: 3, rng: new Rng(1) });
    const afterCrash = await labelledObjects(kc, ns, 'crash');
    expect(afterCrash.deployments).toEqual(['compose-post-service', 'nginx-thrift', 'text-service']);
    expect(afterCrash.pods).toHaveLength(6 + 5 + 3);

    // The same run id again (a restart): it converges on the same objects, no duplicates.
    const again = memoryLog();
    const restarted = await createKubeBackend(ctx(again.log), { ...kube, runId: 'crash' });
    await restarted.reset({ startTimeS: 600, initialReplicas: 3, rng: new Rng(1) });
    const afterRestart = await labelledObjects(kc, ns, 'crash');
    expect(afterRestart.deployments).toEqual(afterCrash.deployments);
    expect(afterRestart.pods).toHaveLength(14);
    expect(afterRestart.pods).toEqual(afterCrash.pods);

    // A second reset at another time: the objects move to the trace's state there.
    await restarted.reset({ startTimeS: 1000, initialReplicas: 2, rng: new Rng(2) });
    restarted.snapshot(snap);
    expect(snap).toMatchObject({ timeS: 1000, desired: 2, ready: 2, pending: 0, terminating: 0 });
    const apps = kc.makeApiClient(AppsV1Api);
    const replicas = async (name: string) => (await apps.readNamespacedDeployment({ name, namespace: ns })).spec!.replicas;
    expect(await replicas('compose-post-service')).toBe(6);
    expect(await replicas('text-service')).toBe(1);
    expect(await replicas('nginx-thrift')).toBe(2);
    await restarted.close();
    expect(total(await labelledObjects(kc, ns))).toBe(0);
    await crashed.close(); // idempotent: nothing left to delete
    expect(total(await labelledObjects(kc, ns))).toBe(0);

    // Leftovers of a crashed run with another id: a new run adopts or deletes them.
    const orphan = await createKubeBackend(ctx(memoryLog().log), { ...kube, runId: 'orphan', workloads: 'all' });
    await orphan.reset({ startTimeS: 0, initialReplicas: 1, rng: new Rng(3) });
    expect((await labelledObjects(kc, ns, 'orphan')).deployments).toHaveLength(27);
    const next = memoryLog();
    const fresh = await createKubeBackend(ctx(next.log), { ...kube, runId: 'fresh' });
    await fresh.reset({ startTimeS: 0, initialReplicas: 1, rng: new Rng(4) });
    const mixed = await labelledObjects(kc, ns);
    expect(mixed.deployments).toEqual(['compose-post-service', 'nginx-thrift', 'text-service']);
    expect((await labelledObjects(kc, ns, 'fresh')).deployments).toEqual(mixed.deployments);
    expect(next.lines.some((l) => l.includes('deleting 24 labelled deployments'))).toBe(true);
    await fresh.close();
    expect(total(await labelledObjects(kc, ns))).toBe(0);
    await orphan.close();
  });

  it('`simenv teardown` removes what a crashed run left behind, by its label', async () => {
    const ns = await testNamespaces.create('replay-teardown');
    const { model, controlled } = await loadDsb();
    const left = await createKubeBackend({ model, controlled, tracePath: DSB_TRACE, log: () => {} }, { kubeconfig: admin, namespace: ns, speed: 20, workloads: [], runId: 'left' });
    await left.reset({ startTimeS: 0, initialReplicas: 2, rng: new Rng(0) });
    expect((await labelledObjects(kc, ns)).pods).toHaveLength(2);
    let out = '';
    const write = process.stdout.write;
    process.stdout.write = ((s: string) => ((out += String(s)), true)) as typeof process.stdout.write;
    try {
      expect(await main(['node', 'simenv', 'teardown', '--ns', ns, '--kubeconfig', admin])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(out).toMatch(new RegExp(`^teardown of ${RUN_LABEL} in namespace ${ns}: deployments=1 replicasets=1 pods=2\n$`));
    expect(total(await labelledObjects(kc, ns))).toBe(0);
    await left.close();
  });

  it('`simenv run --backend kube` runs end to end through the CLI and leaves nothing behind', async () => {
    // The runner maps --ns to both the trace namespace and the cluster namespace: dsb.
    const core = kc.makeApiClient(CoreV1Api);
    let created = false;
    const phase = await core.readNamespace({ name: 'dsb' }).then((n) => n.status?.phase ?? 'Active', () => 'Missing');
    if (phase !== 'Active') {
      // A dsb namespace still terminating (an earlier run of this test) must go first.
      if (phase === 'Terminating') await deleteTestNamespace(kc, 'dsb', { timeoutMs: 60_000 });
      await core.createNamespace({ body: { metadata: { name: 'dsb' } } });
      created = true;
    }
    try {
      const out = join(dir, 'cli-runs');
      let printed = '';
      const write = process.stdout.write;
      process.stdout.write = ((s: string) => ((printed += String(s)), true)) as typeof process.stdout.write;
      let code: number;
      try {
        code = await main(['node', 'simenv', 'run', '--trace', DSB_TRACE, '--deploy', 'nginx-thrift', '--ns', 'dsb', '--backend', 'kube', '--kubeconfig', admin, '--speed', '20', '--step', '15', '--duration', '60', '--agent', 'static', '--target', '3', '--out', out, '--run-id', 'cli-kube', '--json']);
      } finally {
        process.stdout.write = write;
      }
      expect(code, printed).toBe(0);
      const run = loadRun(join(out, 'cli-kube'), { withSteps: true });
      expect(run.config?.backend).toBe('kube');
      expect(run.summary.status).toBe('completed');
      expect(run.steps).toHaveLength(5);
      expect(run.steps!.at(-1)!.observation).toMatchObject({ desired: 3, ready: 3 });
      expect(total(await labelledObjects(kc, 'dsb', 'cli-kube'))).toBe(0);
    } finally {
      if (created) await deleteTestNamespace(kc, 'dsb', { timeoutMs: 60_000 });
    }
  });
});
