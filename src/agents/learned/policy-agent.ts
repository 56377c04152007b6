import { PolicyError } from '../../env/errors.js';
import type { Action, StepInfo } from '../../env/types.js';
import type { Agent } from '../agent.js';
import type { AgentContext } from '../../env/types.js';
import { initTfBackend, type LogFn, type Tf, type TfBackendPreference } from '../tf-backend.js';
import { argmax, type LayersModel } from './networks.js';
import { checkPolicyFits, readPolicyMetadata, resolvePolicyDir, type DiscreteActionMetadata, type PolicyMetadata } from './policy-metadata.js';
import { loadModel, writePolicyDir } from './policy-io.js';

/**
 * A trained policy acting greedily: the action with the largest Q-value (DQN) or logit (PPO).
 * The same weights and observation always give the same action.
 */
export class PolicyAgent implements Agent {
  readonly name: string;
  private readonly input: Float32Array;
  private readonly action: DiscreteActionMetadata;

  constructor(
    private readonly tf: Tf,
    readonly model: LayersModel,
    readonly metadata: PolicyMetadata,
  ) {
    this.name = metadata.agent;
    this.input = new Float32Array(metadata.observation.shape[0]!);
    if (metadata.action.type !== 'Discrete') {
      throw new PolicyError(`expected a policy of one deployment, got one of ${metadata.action.deployments.length} deployments`, { hint: 'load it with loadApplicationPolicyAgent (simenv run --deploy a,b,c)' });
    }
    this.action = metadata.action;
  }

  /** The network's raw outputs (Q-values or logits) for one observation. */
  outputs(observation: Float32Array): Float32Array {
    return policyOutputs(this.tf, this.model, this.metadata, this.input, observation);
  }

  /** Greedy action: start + argmax of the outputs. */
  act(observation: Float32Array, _info: StepInfo): Action {
    const out = this.outputs(observation);
    return this.action.start + argmax(out, 0, this.action.n);
  }

  async save(dir: string): Promise<void> {
    await writePolicyDir(this.tf, dir, { model: this.model, metadata: this.metadata });
  }

  describe(): Record<string, unknown> {
    return { agent: this.name, head: this.metadata.head, training: this.metadata.training, tfBackend: this.metadata.tfBackend };
  }

  dispose(): void {
    this.model.dispose();
  }
}

/**
 * A saved policy network's outputs for one observation: scaled by the metadata's scaling into
 * `input` (the caller's reused buffer), one predict.
 */
export function policyOutputs(tf: Tf, model: LayersModel, metadata: PolicyMetadata, input: Float32Array, observation: Float32Array): Float32Array {
  const { offset, scale } = metadata.scaling;
  for (let i = 0; i < input.length; i++) input[i] = (observation[i]! - offset[i]!) / scale[i]!;
  return tf.tidy(() => (model.predict(tf.tensor2d(input, [1, input.length])) as import('@tensorflow/tfjs').Tensor).dataSync() as Float32Array);
}

/** Options for loading a policy. */
export interface LoadPolicyOptions {
  tfBackend?: TfBackendPreference;
  log?: LogFn;
}

/** Load a saved policy directory as a greedy agent, after checking it fits `ctx`. */
export async function loadPolicyAgent(given: string, ctx: AgentContext, options: LoadPolicyOptions = {}): Promise<PolicyAgent> {
  const dir = resolvePolicyDir(given);
  const meta = await readPolicyMetadata(dir);
  checkPolicyFits(meta, ctx, dir);
  const { tf, model } = await loadPolicyNetwork(dir, meta, options);
  return new PolicyAgent(tf, model, meta);
}

/** Load the acting network of policy `dir`, checking its shape against `meta` (outputs: n, or the sum of nvec). */
export async function loadPolicyNetwork(dir: string, meta: PolicyMetadata, options: LoadPolicyOptions): Promise<{ tf: Tf; model: LayersModel }> {
  const { tf } = await initTfBackend({ prefer: options.tfBackend, log: options.log });
  const model = await loadModel(tf, dir);
  const inShape = (model.inputs[0]?.shape ?? []).slice(1);
  const outShape = (model.outputs[0]?.shape ?? []).slice(1);
  const outputs = meta.action.type === 'Discrete' ? meta.action.n : meta.action.nvec.reduce((a, b) => a + b, 0);
  if (inShape.join(',') !== meta.observation.shape.join(',') || outShape.join(',') !== String(outputs)) {
    model.dispose();
    throw new PolicyError(
      `${dir}: expected a network from [${meta.observation.shape.join(', ')}] to [${outputs}] as policy.json says, got [${inShape.join(', ')}] to [${outShape.join(', ')}]`,
      { hint: 'model.json and policy.json do not belong together: use another checkpoint or retrain' },
    );
  }
  return { tf, model };
}
