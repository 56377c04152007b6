/**
 * The names of TensorFlow.js backends and the one logger type, apart from tf-backend.ts so
 * that code (and public declarations) naming them does not pull in tfjs's types: tfjs 4.22's
 * own declarations fail a consumer's `skipLibCheck: false` build.
 */

/** Backends in order of preference; `tensorflow` is tfjs-node's name for its native backend. */
export const TF_BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type TfBackendName = (typeof TF_BACKENDS)[number];
/** What the user may ask for: `auto` tries them in order; `node` is the tfjs-node backend. */
export type TfBackendPreference = 'auto' | 'node' | 'wasm' | 'cpu';

/** A logger for one-line messages (the CLI passes stderr; library code never prints). */
export type LogFn = (message: string) => void;
