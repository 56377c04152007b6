import type { V1Deployment } from '@kubernetes/client-node';
import type { KubeClient } from './kube-client.js';
import { WatchCache } from './watch-cache.js';

/**
 * Follows the controlled Deployment's `spec.replicas` when something other than the agent
 * sets it (the real HPA controller, `kube.hpa`): a watch of the run's Deployments whose
 * changes are logged with the monotonic time they were seen, so the backend can stamp them in
 * simulated time like the ready changes.
 */

/** A change of the controlled workload's desired replicas, at a monotonic clock time. */
export interface DesiredChange {
  atMs: number;
  replicas: number;
}

export interface DesiredFollowerOptions {
  client: KubeClient;
  namespace: string;
  /** The run label selector (every replayed Deployment carries it). */
  labelSelector: string;
  name: string;
  syncTimeoutMs: number;
  log: (message: string) => void;
}

/** See the module comment. */
export class DesiredFollower {
  private readonly cache: WatchCache<V1Deployment>;
  private changes: DesiredChange[] = [];
  private last: number | undefined;

  constructor(private readonly opts: DesiredFollowerOptions) {
    const { client, namespace, labelSelector } = opts;
    const what = { verb: 'list', resource: 'deployments', group: 'apps', namespace };
    this.cache = new WatchCache<V1Deployment>({
      path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
      labelSelector,
      list: () => client.call(what, (a) => a.apps.listNamespacedDeployment({ namespace, labelSelector })),
      watch: client.watch,
      clock: client.clock,
      retry: { attempts: 1, baseDelayMs: 200, maxDelayMs: 5000 },
      what: { ...what, verb: 'watch' },
      server: client.server,
      onChange: (_type, d) => this.onDeployment(d),
      log: opts.log,
    });
  }

  /** Start watching; resolves once the first list is in. */
  start(): Promise<void> {
    return this.cache.start(this.opts.syncTimeoutMs);
  }

  stop(): void {
    this.cache.stop();
  }

  /** The replicas last seen (undefined before the Deployment exists). */
  get replicas(): number | undefined {
    return this.last;
  }

  /** Changes seen since the last drain, oldest first. */
  drain(): DesiredChange[] {
    const out = this.changes;
    this.changes = [];
    return out;
  }

  private onDeployment(d: V1Deployment | null): void {
    if (!d || d.metadata?.name !== this.opts.name) return;
    const r = d.spec?.replicas;
    if (typeof r !== 'number' || r === this.last) return;
    this.last = r;
    this.changes.push({ atMs: this.opts.client.clock.nowMs(), replicas: r });
  }
}
