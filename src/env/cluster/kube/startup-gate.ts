import type { V1Pod } from '@kubernetes/client-node';
import type { StartupLatency } from '../../options.js';
import { Rng } from '../../rng.js';
import { StartupLatencyDraw } from '../memory/startup-latency.js';
import type { ClusterObserver } from './cluster-observer.js';
import { mapLimit } from './concurrency.js';
import type { KubeClient } from './kube-client.js';
import { STARTUP_LATENCY_ANNOTATION } from './manifests.js';
import { isGone, patchPodAnnotations } from './pod-annotations.js';
import { podPhase } from '../../k8s/pod-phase.js';

/**
 * Start-up latency on KWOK like the memory backend's: each controlled pod, once bound to a
 * node, gets a bind-to-Ready delay drawn from the env's `startupLatency` distribution (default
 * lognormal, median 2 s, p99 5 s; StartupLatencyDraw, the memory backend's own sampler) with
 * a stream seeded from the episode's PRNG, written as the pod annotation `simenv.io/ready-at`:
 * the wall-clock time (RFC 3339) the pod is to turn Ready, the moment its binding was seen plus
 * the latency in real time (simulated seconds / speed), so the patch's own latency does not add. The controlled pod template carries
 * `simenv.io/startup-latency: drawn`, which takes the pod out of SimKube's `pod-ready` stage and
 * into simenv's `pod-ready-drawn` stage (scripts/control-plane/kwok/), which waits for that
 * annotation and then for the delay: so a pod never turns Ready before its delay is known.
 * Pods of the episode's starting state are released with no delay (memory makes them Ready at
 * reset). On a cluster without simenv's stage the opt-in annotation is inert.
 */

/** Template annotation opting a pod into the drawn delay. */
export { STARTUP_LATENCY_ANNOTATION };
/** Value of STARTUP_LATENCY_ANNOTATION. */
export const STARTUP_LATENCY_DRAWN = 'drawn';
/** Per-pod annotation with the Ready time (RFC 3339), read by the `pod-ready-drawn` stage's delay. */
export const READY_AT_ANNOTATION = 'simenv.io/ready-at';

const PATCH_CONCURRENCY = 8;

export interface StartupGateOptions {
  client: KubeClient;
  observer: ClusterObserver;
  latency: StartupLatency;
  speed: number;
  log: (message: string) => void;
}

/** See the module comment. */
export class StartupGate {
  private readonly draw: StartupLatencyDraw;
  private rng: Rng | null = null;
  /** Pods released (namespace/name -> simulated delay), so each is drawn and patched once. */
  private readonly released = new Map<string, number>();
  private running: Promise<void> | undefined;
  private again = false;
  private unsubscribe: (() => void) | undefined;
  private failures = 0;

  constructor(private readonly opts: StartupGateOptions) {
    this.draw = new StartupLatencyDraw(opts.latency);
  }

  /** Follow the observer's pod events (idempotent). */
  start(): void {
    this.unsubscribe ??= this.opts.observer.onChange(() => void this.release());
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Pods bound from now on start at once (an episode's initial state is being built). */
  beginReset(): void {
    this.rng = null;
  }

  /** Pods bound from now on get drawn delays, from a stream seeded by the episode's PRNG. */
  beginEpisode(episodeRng: Rng): void {
    this.rng = new Rng(episodeRng.nextUint32());
    this.draw.resetStream();
    void this.release();
  }

  /** The simulated delays drawn so far (for logs and tests). */
  get delays(): ReadonlyMap<string, number> {
    return this.released;
  }

  /** Patch every bound, opted-in pod that has no delay yet; coalesces overlapping calls. */
  release(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.releaseOnce();
      } while (this.again);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async releaseOnce(): Promise<void> {
    const due: Array<{ pod: V1Pod; key: string; delayS: number }> = [];
    const seenMs = Date.now();
    for (const pod of this.opts.observer.controlledPods()) {
      const ann = pod.metadata?.annotations;
      if (ann?.[STARTUP_LATENCY_ANNOTATION] !== STARTUP_LATENCY_DRAWN || ann[READY_AT_ANNOTATION] !== undefined) continue;
      if (podPhase(pod) !== 'starting') continue;
      const key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
      if (this.released.has(key)) continue;
      const delayS = this.rng ? this.draw.draw(this.rng) : 0;
      this.released.set(key, delayS);
      due.push({ pod, key, delayS });
    }
    if (due.length === 0) return;
    await mapLimit(due, PATCH_CONCURRENCY, async ({ pod, key, delayS }) => {
      const name = pod.metadata?.name ?? '';
      const namespace = pod.metadata?.namespace ?? '';
      // KWOK compares with its own wall clock (same machine), so the wall clock is the right one here.
      const value = new Date(seenMs + (delayS / this.opts.speed) * 1000).toISOString();
      try {
        await patchPodAnnotations(this.opts.client, namespace, name, { [READY_AT_ANNOTATION]: value });
        this.failures = 0;
      } catch (err) {
        if (isGone(err)) return;
        // Without the annotation the pod never turns Ready: forget it so the next event retries.
        this.released.delete(key);
        if (this.failures++ % 20 === 0) this.opts.log(`kube: setting the start-up delay of pod ${namespace}/${name} failed (${this.failures} in a row): ${(err as Error).message ?? String(err)}`);
      }
    });
  }
}
