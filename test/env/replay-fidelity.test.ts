import { describe, expect, it } from 'vitest';
import { inspectMemoryBackend } from '../../src/env/cluster/memory/memory-backend.js';
import { SimEnv } from '../../src/env/sim-env.js';
import { replicasAt, workloadsOfKind, type Workload } from '../../src/env/trace/trace-model.js';

/**
 * The "done when" replay: with the controlled deployment following the trace, every
 * deployment's ready replicas equal its recorded replica timeline once start-up latency has
 * passed, at every sampled instant of the whole trace.
 */
const STEP = 5;
const SETTLE = 20; // startupLatency.maxS: every draw is at most this

function lastChangeBefore(w: Workload, t: number): number {
  let last = -Infinity;
  for (const v of w.versions) if (v.timeS <= t && (last === -Infinity || replicasAt(w, v.timeS - 1e-9) !== v.replicas)) last = v.timeS;
  return last;
}

describe('dsb-scaling replay', () => {
  for (const deployment of ['dsb/nginx-thrift', 'dsb/compose-post-service']) {
    it(`ready replicas of all 27 deployments match the recorded timeline (controlling ${deployment})`, async () => {
      const env = await SimEnv.create({
        trace: 'examples/traces/dsb-scaling.sktrace',
        deployment,
        stepSeconds: STEP,
        maxReplicas: 30,
        startupLatency: { type: 'lognormal', medianS: 2, p99S: 5, maxS: SETTLE },
      });
      const backend = inspectMemoryBackend(env);
      const deployments = workloadsOfKind(env.model);
      expect(deployments).toHaveLength(27);
      let { info } = env.reset({ seed: 7 });
      let checked = 0;
      let inTransition = 0;
      const appliedAt: Array<[number, number]> = [[0, info.recordedReplicas]];
      for (;;) {
        const action = Math.max(1, info.recordedReplicas);
        const r = env.step(action);
        info = r.info;
        const t = info.timeS;
        appliedAt.push([t - STEP, action]);
        for (const w of deployments) {
          const ready = backend.readyReplicasOf(w.key);
          if (w.key === env.options.deployment) {
            // The agent's replicas apply at step boundaries: compare with what it asked for.
            const changes = appliedAt.filter(([, a], i) => i > 0 && a !== appliedAt[i - 1]![1]);
            const lastChange = changes.length > 0 ? changes[changes.length - 1]![0] : -Infinity;
            if (t - lastChange >= SETTLE) {
              expect(ready, `${w.key} at ${t}s`).toBe(action);
              checked++;
            }
            continue;
          }
          const recorded = replicasAt(w, t);
          if (t - lastChangeBefore(w, t) >= SETTLE) {
            expect(ready, `${w.key} at ${t}s`).toBe(recorded);
            checked++;
          } else if (ready !== recorded) inTransition++;
        }
        if (r.truncated) break;
      }
      // Whole timeline: 27 deployments x ~227 samples, nearly all settled.
      expect(checked).toBeGreaterThan(27 * 200);
      // Start-up latency is real: right after scale-ups some pods are not ready yet.
      expect(inTransition).toBeGreaterThan(0);
      await env.close();
    });
  }
});
