/**
 * The 'simenv/learned' entry point: the DQN and PPO learners, tfjs model I/O, the policy
 * agent class and the TensorFlow.js backend choice. Apart from 'simenv' because these name
 * TensorFlow.js types, and tfjs 4.22's own declarations do not type-check under a consumer's
 * `skipLibCheck: false` (a project importing this entry needs `skipLibCheck: true`). Training
 * (`trainAgent`) and running a trained policy (`loadAgent`) are in 'simenv' itself.
 */

export { DqnLearner, DqnConfigSchema, type DqnConfig, type DqnConfigInput } from './agents/learned/dqn.js';
export { PpoLearner, PpoConfigSchema, type PpoConfig, type PpoConfigInput } from './agents/learned/ppo.js';
export type { Learner, UpdateStats } from './agents/learned/learner.js';
export { PolicyAgent, loadPolicyAgent } from './agents/learned/policy-agent.js';
export { writePolicyDir, saveModel, loadModel } from './agents/learned/policy-io.js';
export { initTfBackend, currentTfBackend, availableTfBackends, type Tf, type TfBackendChoice } from './agents/tf-backend.js';
