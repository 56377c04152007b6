import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TraceFormatError, TraceValidationError } from '../../../src/env/errors.js';
import type { KubeObject, Trace } from '../../../src/env/trace/schema.js';
import { readTrace, writeTrace } from '../../../src/env/trace/trace-codec.js';
import { traceFromJson } from '../../../src/env/trace/trace-json.js';

/** Shared trace fixtures for the codec tests. */

export const TRACES_DIR = fileURLToPath(new URL('../../../examples/traces/', import.meta.url));
export const DSB_SCALING = `${TRACES_DIR}dsb-scaling.sktrace`;
export const DSB_LARGE_JSON = `${TRACES_DIR}dsb-large.json`;
export const NGINX_SMALL_JSON = `${TRACES_DIR}nginx-small.json`;

/**
 * Every problem readTrace (bytes), traceFromJson (text) or writeTrace (a Trace value) finds;
 * [] when the input is valid.
 */
export function problemsOf(input: Uint8Array | string | Trace): TraceFormatError[] {
  try {
    if (input instanceof Uint8Array) readTrace(input);
    else if (typeof input === 'string') traceFromJson(input);
    else writeTrace(input);
    return [];
  } catch (err) {
    if (err instanceof TraceValidationError) return err.problems;
    if (err instanceof TraceFormatError) return [err];
    throw err;
  }
}

export function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** A Deployment manifest with the fields the model reads. */
export function deployment(name: string, replicas: number, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'ns' },
    spec: {
      replicas,
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image: 'nginx', resources: { requests: { cpu: '250m', memory: '64Mi' } } }] },
      },
      ...extra,
    },
  };
}

/**
 * A trace that exercises everything a naive codec loses: pod_lifecycles with tuple keys, all
 * three lifecycle variants, hashes at and above 2^53 up to 2^64-1, small hashes (short
 * encodings), a manifest integer beyond 2^53, unicode, floats, nulls and empty containers.
 */
export function richTrace(): Trace {
  return {
    version: 2,
    config: {
      trackedObjects: {
        'apps/v1.Deployment': { podSpecTemplatePaths: ['/spec/template'], trackLifecycle: true },
        'batch/v1.Job': { podSpecTemplatePaths: null, skipOwned: false },
      },
    },
    events: [
      {
        ts: 1_700_000_000,
        applied_objs: [
          deployment('web', 2),
          {
            apiVersion: 'batch/v1',
            kind: 'Job',
            metadata: { name: 'etl', namespace: 'ns', annotations: { note: 'héllo ✓ 日本語', empty: '' } },
            spec: { parallelism: 3, backoffLimit: 6, activeDeadlineSeconds: 9_007_199_254_740_993n, ratio: 0.25, neg: -129, x: null, list: [], map: {} },
          },
        ],
        deleted_objs: [],
      },
      { ts: 1_700_000_000, applied_objs: [deployment('web', 4)], deleted_objs: [] },
      { ts: 1_700_000_060, applied_objs: [], deleted_objs: [deployment('web', 4)] },
    ],
    index: {
      'apps/v1.Deployment': { 'ns/web': 18_446_744_073_709_551_615n, 'ns/api': 9_007_199_254_740_993n },
      'batch/v1.Job': { 'ns/etl': 7n },
    },
    pod_lifecycles: [
      {
        owner: ['apps/v1.Deployment', 'ns/web'],
        pods: [
          {
            hash: 12_345_678_901_234_567_890n,
            lifecycles: [{ state: 'Running', start: 1_700_000_001 }, { state: 'Finished', start: 1_700_000_002, end: 1_700_000_050 }, { state: 'Empty' }],
          },
          { hash: 2n ** 53n, lifecycles: [] },
        ],
      },
      { owner: ['batch/v1.Job', 'ns/etl'], pods: [{ hash: 42n, lifecycles: [{ state: 'Finished', start: 1, end: 2 }] }] },
    ],
  };
}

/** A minimal valid trace around `events`. */
export function traceWith(events: Trace['events'], extra: Partial<Trace> = {}): Trace {
  return { version: 2, config: { trackedObjects: {} }, events, index: {}, pod_lifecycles: [], ...extra };
}
