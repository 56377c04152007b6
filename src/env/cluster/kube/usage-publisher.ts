import type { V1Pod } from '@kubernetes/client-node';
import type { ServiceLoad } from '../backend.js';
import type { ClusterObserver } from './cluster-observer.js';
import { mapLimit } from './concurrency.js';
import type { KubeClient } from './kube-client.js';
import { isGone, patchPodAnnotations } from './pod-annotations.js';
import { podPhase } from '../../k8s/pod-phase.js';
import { readyPodCpu, STARTING_POD_CPU, USAGE_CPU_ANNOTATION, usageAnnotationValue } from './pod-usage.js';

/**
 * Keeps the controlled pods' `kwok.x-k8s.io/usage-cpu` annotation equal to what the demand
 * model says they use (pod-usage.ts), on a real-time tick while an episode runs: KWOK turns it
 * into a kubelet-style CPU counter, metrics-server into `kubectl top` and the metrics API, and
 * the HPA controller into replicas. Only pods whose value changed are patched.
 *
 * The value is the mean over the last `windowS` simulated seconds (metrics-server's resolution)
 * of the instantaneous per-pod CPU, not the instantaneous value: KWOK adds (time since its last
 * scrape) x (the value at the scrape) to its counter, so what a scrape sees is held over the
 * whole window, where a kubelet's counter would integrate the real usage. Publishing the
 * trailing mean makes the rate metrics-server computes the window's mean, as on a real node.
 */

const PATCH_CONCURRENCY = 8;

export interface UsagePublisherOptions {
  client: KubeClient;
  observer: ClusterObserver;
  load: ServiceLoad;
  /** Simulated time now. */
  simNow: () => number;
  /** CPU request of one controlled pod at a simulated time, cores. */
  podCpuAt: (timeS: number) => number;
  intervalMs: number;
  /** Averaging window of the published usage, simulated seconds (metrics-server's resolution). */
  windowS: number;
  log: (message: string) => void;
}

/** See the module comment. */
export class UsagePublisher {
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | undefined;
  /** Last value written per pod (namespace/name). */
  private readonly written = new Map<string, string>();
  private failures = 0;
  /** Instantaneous per-ready-pod CPU at each update, for the trailing mean. */
  private samples: Array<{ t: number; cores: number }> = [];
  /** Patches sent since start (for logs and tests). */
  patches = 0;

  constructor(private readonly opts: UsagePublisherOptions) {}

  /** Start ticking (idempotent); the first update runs at once. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.opts.intervalMs);
    void this.tick();
  }

  /** Stop ticking and wait for an update in flight. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    this.samples = [];
  }

  /** Time-weighted mean of the samples over [t - windowS, t], each held until the next. */
  private trailingMean(t: number, cores: number): number {
    const s = this.samples;
    s.push({ t, cores });
    const from = t - this.opts.windowS;
    while (s.length > 1 && s[1]!.t <= from) s.shift();
    if (s.length === 1 || !(t > s[0]!.t)) return cores;
    let sum = 0;
    for (let i = 0; i + 1 < s.length; i++) sum += s[i]!.cores * (s[i + 1]!.t - Math.max(from, s[i]!.t));
    return sum / (t - Math.max(from, s[0]!.t));
  }

  /** One update (skipped while the previous one is still in flight). */
  tick(): Promise<void> {
    if (!this.running) {
      this.running = this.update().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  private async update(): Promise<void> {
    const { observer, load } = this.opts;
    const t = this.opts.simNow();
    const ready = observer.controlled.ready;
    const cores = this.trailingMean(t, readyPodCpu(load, t, ready, this.opts.podCpuAt(t)));
    const due: Array<{ pod: V1Pod; key: string; value: string }> = [];
    const seen = new Set<string>();
    for (const pod of observer.controlledPods()) {
      const key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
      seen.add(key);
      const phase = podPhase(pod);
      if (phase === 'terminating' || phase === 'finished') continue;
      const value = usageAnnotationValue(phase === 'ready' ? cores : STARTING_POD_CPU, pod.spec?.containers?.length ?? 1);
      const current = this.written.get(key) ?? pod.metadata?.annotations?.[USAGE_CPU_ANNOTATION];
      if (current !== value) due.push({ pod, key, value });
    }
    for (const key of this.written.keys()) if (!seen.has(key)) this.written.delete(key);
    if (due.length === 0) return;
    await mapLimit(due, PATCH_CONCURRENCY, async ({ pod, key, value }) => {
      const name = pod.metadata?.name ?? '';
      const namespace = pod.metadata?.namespace ?? '';
      try {
        await patchPodAnnotations(this.opts.client, namespace, name, { [USAGE_CPU_ANNOTATION]: value }, { retry: false });
        this.written.set(key, value);
        this.patches++;
        this.failures = 0;
      } catch (err) {
        // A pod deleted between the watch event and the patch is normal; anything else is
        // logged (the first, then every 20th in a row) and retried on the next tick.
        if (isGone(err)) return;
        if (this.failures++ % 20 === 0) this.opts.log(`kube: publishing CPU usage on pod ${namespace}/${name} failed (${this.failures} in a row): ${(err as Error).message ?? String(err)}`);
      }
    });
  }
}
