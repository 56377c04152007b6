/**
 * simenv's public API. Each area appends its exports in its own section.
 */

// --- errors ---
export * from './env/errors.js';

// --- trace codec and model ---
export * from './env/trace/schema.js';
export * from './env/trace/trace-codec.js';
export * from './env/trace/trace-model.js';
export * from './env/trace/quantity.js';

// --- env (SimEnv, spaces, checker, vector env) ---
export * from './env/types.js';
export * from './env/rng.js';
export * from './env/cluster/backend.js';
export * from './env/spaces.js';
export * from './env/options.js';
export * from './env/sim-env.js';
export * from './env/observation.js';
export * from './env/reward.js';
export * from './env/service-model.js';
export * from './env/demand.js';

// --- agents ---
export * from './agents/agent.js';

// --- runner ---
