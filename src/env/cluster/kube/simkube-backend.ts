import type { V1LabelSelector, V1Pod } from '@kubernetes/client-node';
import { ClusterError, TimeoutError } from '../../errors.js';
import type { BackendContext, BackendResetParams } from '../backend.js';
import { httpStatusOf } from './api-errors.js';
import { ClusterObserver } from './cluster-observer.js';
import { collectionPath, type KubeClient } from './kube-client.js';
import type { KubeOptions } from './kube-options.js';
import { runSelector } from './labels.js';
import { labelSelectorMatches } from '../../k8s/labels.js';
import { LocalDriver } from './local-driver.js';
import { RealtimeBackend } from './realtime-backend.js';
import type { RunScope } from './run-scope.js';
import {
  buildSimulation,
  simulationStatus,
  SIMULATION_GROUP,
  SIMULATION_PLURAL,
  SIMULATION_VERSION,
  type SimulationStatus,
} from './simulation.js';

/**
 * SimKube mode: SimKube's driver replays the trace; simenv creates the `Simulation`, follows
 * its `status.state`, scales the controlled deployment where the driver recreated it
 * (`<virtualNsPrefix>-<trace namespace>`, e.g. `virtual-dsb`), and observes the pods there,
 * not in the driver's namespace (where the prototype looked and saw none).
 */
export class SimKubeBackend extends RealtimeBackend {
  private observerStarted = false;
  private episode = 0;
  private simulationName: string | undefined;
  private lastState: SimulationStatus['state'] = undefined;
  /** `simkubeDriver: local`: SimKube's driver as a child process, simenv playing sk-ctrl. */
  private readonly localDriver: LocalDriver | undefined;
  private crdsReady = false;
  private driverEndLogged = false;

  constructor(
    client: KubeClient,
    options: KubeOptions,
    scope: RunScope,
    ctx: BackendContext,
    /** The controlled deployment's pod selector (`spec.selector` in the trace: matchLabels and matchExpressions). */
    selector: V1LabelSelector,
    runId: string,
    private readonly tracePath: string,
  ) {
    const observer = new ClusterObserver({
      client,
      namespace: scope.virtualNamespace!,
      controlledIndexOf: (pod: V1Pod) => (labelSelectorMatches(selector, pod.metadata?.labels) ? 0 : -1),
      nodeSelector: options.nodeSelector,
      syncTimeoutMs: options.timeouts.syncMs,
      log: ctx.log,
    });
    super(client, options, scope, ctx, observer, runId);
    if (options.simkubeDriver === 'local') {
      this.localDriver = new LocalDriver({ client, options, scope, runId, trace: ctx.model.trace, controlled: ctx.controlled, log: ctx.log });
    }
  }

  /** The local driver's work dir (certificates, trace, log), when simenv runs the driver. */
  get driverWorkDir(): string | undefined {
    return this.localDriver?.workDir;
  }

  /** The namespace observed and scaled in: `<virtualNsPrefix>-<trace namespace>`. */
  get observedNamespace(): string {
    return this.scope.virtualNamespace!;
  }

  /** The Simulation of the current episode. */
  get currentSimulation(): string | undefined {
    return this.simulationName;
  }

  protected get controlledNamespace(): string {
    return this.observedNamespace;
  }

  protected get controlledName(): string {
    return this.ctx.controlled.name;
  }

  private simulationCall(verb: string, name?: string) {
    return { verb, resource: SIMULATION_PLURAL, group: SIMULATION_GROUP, name };
  }

  private async readSimulation(name: string): Promise<unknown | undefined> {
    try {
      return await this.client.call(this.simulationCall('get', name), (a) =>
        a.custom.getClusterCustomObject({ group: SIMULATION_GROUP, version: SIMULATION_VERSION, plural: SIMULATION_PLURAL, name }),
      );
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  }

  private async deleteSimulations(): Promise<void> {
    const path = collectionPath(SIMULATION_GROUP, SIMULATION_VERSION, SIMULATION_PLURAL);
    const selector = runSelector(this.runId);
    await this.client.call(this.simulationCall('deletecollection'), () => this.client.rest('DELETE', path, { labelSelector: selector }));
    const start = this.client.clock.nowMs();
    for (;;) {
      const list = await this.client.call(this.simulationCall('list'), () => this.client.rest<{ items?: unknown[] }>('GET', path, { labelSelector: selector }));
      if ((list.items ?? []).length === 0) return;
      if (this.client.clock.nowMs() - start > this.options.timeouts.teardownMs) {
        throw new TimeoutError(`the Simulations of run ${this.runId} to be deleted`, this.options.timeouts.teardownMs, {
          hint: 'SimKube\'s controller removes its finalizers; check that it is running',
        });
      }
      await this.client.clock.sleep(250);
    }
  }

  protected async prepareEpisode({ startTimeS, initialReplicas }: BackendResetParams): Promise<void> {
    if (this.localDriver) {
      // The previous episode's driver, webhook, Lease and virtual namespace go first.
      await this.localDriver.cleanup();
      if (!this.crdsReady) await this.localDriver.ensureCrds();
      this.crdsReady = true;
      this.driverEndLogged = false;
    }
    if (!this.observerStarted) {
      await this.observer.start();
      this.observerStarted = true;
    }
    // One Simulation per episode; a leftover of this run (an earlier episode, a crash) goes first.
    await this.deleteSimulations();
    this.episode++;
    const name = `simenv-${this.runId}-e${this.episode}`;
    const sim = buildSimulation({
      name,
      runId: this.runId,
      driverImage: this.options.driverImage,
      driverNamespace: this.scope.namespace,
      driverPort: this.options.driverPort,
      tracePath: this.tracePath,
      secrets: this.scope.secrets,
      virtualNsPrefix: this.options.virtualNsPrefix,
      durationS: this.ctx.model.durationS,
      speed: this.options.speed,
    });
    await this.client.call(this.simulationCall('create', name), (a) =>
      a.custom.createClusterCustomObject({ group: SIMULATION_GROUP, version: SIMULATION_VERSION, plural: SIMULATION_PLURAL, body: sim }),
    );
    this.simulationName = name;
    if (this.localDriver) {
      this.ctx.log(`kube: created Simulation ${name}; SimKube's driver runs on this machine (simkubeDriver: local); observing ${this.observedNamespace}`);
      await this.localDriver.start(name);
    } else {
      this.ctx.log(`kube: created Simulation ${name} (driver ${this.options.driverImage} in ${this.scope.namespace}, trace ${this.tracePath}); observing ${this.observedNamespace}`);
    }
    if (this.options.waitForRunning) await this.waitForState(name, 'Running', this.options.timeouts.simulationStartMs);
    if (startTimeS > 0) {
      // The driver always starts at the trace's beginning: wait until it reaches the episode start.
      this.ctx.log(`kube: waiting ${(startTimeS / this.options.speed).toFixed(1)} s for the Simulation to reach t=${startTimeS}s`);
      await this.client.clock.sleep((startTimeS / this.options.speed) * 1000);
    }
    await this.waitForControlled();
    this.desired[0] = initialReplicas;
    await this.setDesiredReplicas(initialReplicas);
  }

  private async waitForState(name: string, want: 'Running', timeoutMs: number): Promise<void> {
    const start = this.client.clock.nowMs();
    for (;;) {
      const status = simulationStatus(await this.readSimulation(name));
      this.noteState(name, status);
      if (status.state === want || status.state === 'Finished') return;
      if (status.state === 'Failed') {
        throw new ClusterError(`Simulation ${name} failed before it ran (status.state Failed)`, {
          hint: `kubectl describe simulation ${name}; kubectl -n ${this.scope.namespace} get jobs,pods (a missing ServiceAccount, Secret or trace file stops the driver)`,
        });
      }
      if (this.client.clock.nowMs() - start > timeoutMs) {
        throw new TimeoutError(`Simulation ${name} to reach ${want} (state: ${status.state ?? 'none yet'})`, timeoutMs, {
          hint: 'is SimKube\'s controller (sk-ctrl) running in the cluster? kubectl get pods -A | grep sk-',
        });
      }
      await this.client.clock.sleep(500);
    }
  }

  private noteState(name: string, status: SimulationStatus): void {
    if (status.state !== this.lastState) {
      this.lastState = status.state;
      this.ctx.log(`kube: Simulation ${name} state ${status.state ?? '(none)'}`);
    }
  }

  private async waitForControlled(): Promise<void> {
    const ns = this.observedNamespace;
    const name = this.controlledName;
    const start = this.client.clock.nowMs();
    for (;;) {
      try {
        await this.client.call({ verb: 'get', resource: 'deployments', group: 'apps', namespace: ns, name }, (a) => a.apps.readNamespacedDeployment({ name, namespace: ns }));
        return;
      } catch (err) {
        if (httpStatusOf(err) !== 404) throw err;
      }
      if (this.client.clock.nowMs() - start > this.options.timeouts.settleMs) {
        throw new TimeoutError(`the driver to create ${this.scope.controlled.kind} ${name} in namespace ${ns}`, this.options.timeouts.settleMs, {
          hint: `check the driver's logs (kubectl -n ${this.scope.namespace} logs job/...) and that kube.virtualNsPrefix matches the Simulation's`,
        });
      }
      await this.client.clock.sleep(500);
    }
  }

  protected async applyDueUntil(timeS: number): Promise<void> {
    // The driver applies the trace; here we only notice when its Simulation fails.
    if (!this.simulationName) return;
    if (this.localDriver?.finished) {
      const failure = this.localDriver.failure();
      if (failure) throw failure;
      if (!this.driverEndLogged) {
        this.driverEndLogged = true;
        this.ctx.log(`kube: sk-driver finished the trace by t=${timeS}s (exit 0) and removed its objects; the episode's remaining steps see an empty ${this.observedNamespace}`);
      }
      return;
    }
    const status = simulationStatus(await this.readSimulation(this.simulationName));
    this.noteState(this.simulationName, status);
    if (status.state === 'Failed') {
      throw new ClusterError(`Simulation ${this.simulationName} failed at t=${timeS}s (status.state Failed)`, {
        hint: `kubectl describe simulation ${this.simulationName}`,
      });
    }
  }

  protected async teardown(): Promise<void> {
    if (!this.observerStarted) return;
    if (this.localDriver) {
      if (!this.localDriver.finished) this.ctx.log('kube: the episode ended before sk-driver finished the trace; stopping it');
      await this.localDriver.cleanup();
    }
    await this.deleteSimulations();
    this.ctx.log(`kube: deleted the Simulations of run ${this.runId}`);
  }
}
