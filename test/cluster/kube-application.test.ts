// An ApplicationEnv on the kube backend (replay mode) on the real control plane: one agent scales
// three DeathStarBench deployments at once, each through its own scale subresource; each one's
// ready pods follow its own action component, the other deployments replay as recorded, and
// teardown by run label leaves nothing behind.
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { RUN_LABEL, WORKLOAD_LABEL } from '../../src/env/cluster/kube/labels.js';
import { buildReplayPlan, stateAt } from '../../src/env/cluster/kube/replay-plan.js';
import { findWorkload } from '../../src/env/trace/trace-model.js';
import { SimEnv } from '../../src/env/sim-env.js';
import { testKubeconfigPath, useTestNamespaces } from './helpers.js';
import { DSB_TRACE, labelledObjects, loadDsb, memoryLog } from './kube-helpers.js';

const START_S = 480;
const STEP_S = 15;
const SPEED = 10;
const DEPLOYMENTS = ['dsb/nginx-thrift', 'dsb/compose-post-service', 'dsb/text-service'];
/** Replicas per deployment per step (absolute actions): each held two steps, the three out of phase. */
const SCHEDULE = [
  [2, 3, 1],
  [2, 3, 1],
  [4, 1, 3],
  [4, 1, 3],
  [1, 5, 6],
  [1, 5, 6],
  [3, 2, 5],
  [3, 2, 5],
];
const STEPS = SCHEDULE.length;

describe('ApplicationEnv on the kube backend (replay mode), on a real control plane', () => {
  const namespaces = useTestNamespaces();

  it('scales three DeathStarBench deployments at once: each one\'s ready pods follow its own action, teardown leaves nothing', async () => {
    const kc = namespaces.kc();
    const ns = await namespaces.create('kube-app');
    const log = memoryLog();
    const env = await SimEnv.create(
      {
        trace: DSB_TRACE,
        deployments: DEPLOYMENTS,
        stepSeconds: STEP_S,
        horizon: STEPS,
        maxReplicas: 10,
        episodeStart: { type: 'offset', seconds: START_S },
        seed: 7,
        backend: 'kube',
        kube: { kubeconfig: testKubeconfigPath(), namespace: ns, speed: SPEED, runId: 'kube-app' },
      },
      { log: log.log },
    );
    expect(env.isAsync).toBe(true);
    expect(env.backendKind).toBe('kube');
    expect(env.actionSpace.nvec).toHaveLength(3);
    const steps: Array<{ applied: number[]; ready: number[]; desired: number[]; windowS: number[]; timeS: number }> = [];
    const t0 = performance.now();
    try {
      const reset = await env.resetAsync();
      // Each deployment starts at its recorded replicas at 480 s (the default initialReplicas).
      for (const d of reset.info.deployments) expect(d.observation.ready, d.name).toBe(d.action.applied);
      for (let s = 0; s < STEPS; s++) {
        const r = await env.stepAsync(Int32Array.from(SCHEDULE[s]!));
        steps.push({
          applied: r.info.deployments.map((d) => d.action.applied),
          ready: r.info.deployments.map((d) => d.observation.ready),
          desired: r.info.deployments.map((d) => d.observation.desired),
          windowS: r.info.deployments.map((d) => d.service.windowS),
          timeS: r.info.timeS,
        });
        if (s === STEPS - 1) expect(r.truncated).toBe(true);
      }
      const wallS = (performance.now() - t0) / 1000;
      console.log(`[kube application] 3 deployments, ${STEPS} steps of ${STEP_S}s at speed ${SPEED}: ${wallS.toFixed(1)} s wall (reset and settle included)`);

      expect(steps.map((s) => s.applied)).toEqual(SCHEDULE);
      expect(steps.at(-1)!.timeS).toBe(START_S + STEP_S * STEPS);
      // Every step's service window covers the whole step for every deployment (the segments tile it).
      for (const s of steps) for (const w of s.windowS) expect(w).toBeCloseTo(STEP_S, 6);
      // Each deployment's ready pods follow its own component (KWOK: Ready within about a second,
      // 10 s simulated, inside a 15 s step); the last action was held two steps, so all match then.
      for (let i = 0; i < DEPLOYMENTS.length; i++) {
        const following = steps.filter((s) => s.ready[i] === s.applied[i] && s.desired[i] === s.applied[i]).length;
        console.log(`[kube application] ${DEPLOYMENTS[i]}: ready = action at ${following}/${STEPS} step ends`);
        expect(following / STEPS, `${DEPLOYMENTS[i]}: ${JSON.stringify(steps)}`).toBeGreaterThanOrEqual(0.75);
      }
      expect(steps.at(-1)!.ready).toEqual(SCHEDULE.at(-1));

      // On the cluster: each controlled deployment's spec and its Ready pods on the KWOK nodes.
      const apps = kc.makeApiClient(AppsV1Api);
      const core = kc.makeApiClient(CoreV1Api);
      const live = new Map((await apps.listNamespacedDeployment({ namespace: ns, labelSelector: `${RUN_LABEL}=kube-app` })).items.map((d) => [d.metadata!.name!, d.spec!.replicas]));
      expect(live.size).toBe(27);
      const nodes = new Map((await core.listNode({})).items.map((n) => [n.metadata!.name!, n.metadata!.labels ?? {}]));
      for (let i = 0; i < DEPLOYMENTS.length; i++) {
        const name = DEPLOYMENTS[i]!.split('/')[1]!;
        const want = SCHEDULE.at(-1)![i]!;
        expect(live.get(name), name).toBe(want);
        const pods = (await core.listNamespacedPod({ namespace: ns, labelSelector: `${WORKLOAD_LABEL}=deployment.${name}` })).items.filter((p) => !p.metadata?.deletionTimestamp);
        expect(pods, name).toHaveLength(want);
        for (const p of pods) {
          expect(nodes.get(p.spec!.nodeName!)?.type).toBe('virtual');
          expect(p.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
        }
      }
      // The 24 deployments the agent does not control are where the trace has them at the end.
      const { model } = await loadDsb();
      const plan = buildReplayPlan(model, DEPLOYMENTS.map((d) => findWorkload(model, d)!), { workloads: 'all' });
      expect(plan.controlledAll.map((t) => t.name)).toEqual(DEPLOYMENTS.map((d) => d.split('/')[1]));
      let others = 0;
      for (const { target, manifest } of stateAt(plan, START_S + STEP_S * STEPS)) {
        if (target.controlled || target.kind !== 'Deployment') continue;
        others++;
        expect(live.get(target.name), target.name).toBe((manifest as unknown as { spec: { replicas: number } }).spec.replicas);
      }
      expect(others).toBe(24);
    } finally {
      await env.close();
    }
    expect(await labelledObjects(kc, ns)).toEqual({ deployments: [], replicasets: [], pods: [] });
  });
});
