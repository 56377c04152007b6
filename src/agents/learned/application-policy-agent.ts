import type { ApplicationContext, ApplicationStepInfo } from '../../env/application/application-types.js';
import type { ApplicationAgent } from '../application/application-agent.js';
import type { Tf } from '../tf-backend.js';
import { argmax, type LayersModel } from './networks.js';
import { loadPolicyNetwork, policyOutputs, type LoadPolicyOptions } from './policy-agent.js';
import { checkApplicationPolicyFits, readPolicyMetadata, resolvePolicyDir, type MultiDiscreteActionMetadata, type PolicyMetadata } from './policy-metadata.js';

/**
 * A trained application policy (PPO with a factorised head) acting greedily: for each
 * deployment, the category with the largest logit in its slice of the outputs.
 */
export class ApplicationPolicyAgent implements ApplicationAgent {
  readonly name: string;
  private readonly input: Float32Array;
  private readonly action: Int32Array;

  constructor(
    private readonly tf: Tf,
    readonly model: LayersModel,
    readonly metadata: PolicyMetadata,
    private readonly space: MultiDiscreteActionMetadata,
  ) {
    this.name = metadata.agent;
    this.input = new Float32Array(metadata.observation.shape[0]!);
    this.action = new Int32Array(space.nvec.length);
  }

  /** The network's logits for one observation (all components side by side). */
  outputs(observation: Float32Array): Float32Array {
    return policyOutputs(this.tf, this.model, this.metadata, this.input, observation);
  }

  /** Greedy action: per component, start + argmax of its logits. */
  act(observation: Float32Array, _info: ApplicationStepInfo): Int32Array {
    const out = this.outputs(observation);
    const { nvec, start } = this.space;
    for (let d = 0, co = 0; d < nvec.length; co += nvec[d]!, d++) this.action[d] = start[d]! + argmax(out, co, nvec[d]!);
    return this.action;
  }

  describe(): Record<string, unknown> {
    return { agent: this.name, head: 'factorised', deployments: this.space.deployments, training: this.metadata.training, tfBackend: this.metadata.tfBackend };
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Load an application policy directory as a greedy agent, after checking it fits `ctx`. */
export async function loadApplicationPolicyAgent(given: string, ctx: ApplicationContext, options: LoadPolicyOptions = {}): Promise<ApplicationPolicyAgent> {
  const dir = resolvePolicyDir(given);
  const meta = await readPolicyMetadata(dir);
  const space = checkApplicationPolicyFits(meta, ctx, dir);
  const { tf, model } = await loadPolicyNetwork(dir, meta, options);
  return new ApplicationPolicyAgent(tf, model, meta, space);
}
