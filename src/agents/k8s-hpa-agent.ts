import type { Action, AgentContext, StepInfo } from '../env/types.js';
import { actionForReplicas, type Agent } from './agent.js';

/**
 * `--agent k8s-hpa`: the real HorizontalPodAutoscaler controller of the cluster scales the
 * controlled workload (the kube backend applies the manifest, `kube.hpa`), and this agent only
 * holds whatever the controller last set, so the run observes and logs the episode as usual.
 * Its step records carry `actor: "hpa-controller"`.
 */
export class K8sHpaAgent implements Agent {
  readonly name = 'k8s-hpa';
  readonly actor = 'hpa-controller' as const;

  constructor(
    private readonly ctx: AgentContext,
    private readonly manifestName: string,
  ) {}

  /** Hold the replica count the controller set (the backend does not apply it anyway). */
  act(_observation: Float32Array, info: StepInfo): Action {
    const current = Math.round(info.observation.desired);
    return actionForReplicas(this.ctx, current, current);
  }

  describe(): Record<string, unknown> {
    return { agent: this.name, actor: this.actor, controller: 'kube-controller-manager (horizontal-pod-autoscaler)', hpa: this.manifestName };
  }
}
