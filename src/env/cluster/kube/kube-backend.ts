import type { V1LabelSelector } from '@kubernetes/client-node';
import { ConfigError } from '../../errors.js';
import type { Workload } from '../../trace/trace-model.js';
import type { BackendContext, KubeBackendFactory } from '../backend.js';
import { KubeClient } from './kube-client.js';
import { parseKubeOptions } from './kube-options.js';
import { newClusterRunLabel } from './labels.js';
import { driverWorkDir } from './local-driver.js';
import { driverTracePath, preflightError, runPreflight } from './preflight.js';
import type { RealtimeBackend } from './realtime-backend.js';
import { ReplayBackend } from './replay-backend.js';
import { buildReplayPlan } from './replay-plan.js';
import { resolveRunScope } from './run-scope.js';
import { SimKubeBackend } from './simkube-backend.js';

/**
 * The kube backend's entry point, loaded lazily by SimEnv.create for `backend: 'kube'`:
 * validates `options.kube`, connects, runs preflight (nothing is created before it passes),
 * and returns the replay or SimKube backend. Objects are created at the first reset.
 */
export const createKubeBackend: KubeBackendFactory = async (ctx: BackendContext, rawOptions: unknown) => {
  const options = parseKubeOptions(rawOptions);
  const controlledAll = ctx.controlledAll ?? [ctx.controlled];
  checkControlledAll(controlledAll, options.mode);
  const scope = resolveRunScope(options, ctx.model, ctx.controlled);
  const plan = options.mode === 'replay' ? buildReplayPlan(ctx.model, controlledAll, { workloads: options.workloads }) : undefined;
  const client = KubeClient.load({
    kubeconfig: options.kubeconfig,
    context: options.context,
    requestTimeoutMs: options.timeouts.requestMs,
    retry: options.retry,
    log: ctx.log,
  });
  if (options.preflight) {
    const report = await runPreflight({ options, model: ctx.model, tracePath: ctx.tracePath, controlled: ctx.controlled, client });
    const failure = preflightError(report);
    if (failure) throw failure;
    for (const r of report.results) if (r.status === 'warn') ctx.log(`kube preflight warning: ${r.check}: ${r.message}${r.fix ? ` (fix: ${r.fix})` : ''}`);
  }
  const runId = options.runId ?? newClusterRunLabel();
  let backend: RealtimeBackend;
  if (plan) {
    backend = new ReplayBackend(client, options, scope, ctx, plan, runId);
  } else {
    // A local driver reads the copy of the trace simenv writes for it (see local-driver.ts).
    const tracePath = options.simkubeDriver === 'local' ? `file://${driverWorkDir(runId)}/trace.sktrace` : driverTracePath(options, ctx.tracePath);
    if (!tracePath) {
      throw new ConfigError('kube.tracePath', 'expected a trace file for SimKube mode, got a decoded trace object', {
        hint: 'pass the trace as a path, or kube.tracePath (file://, s3://, gs://, azure://)',
      });
    }
    backend = new SimKubeBackend(client, options, scope, ctx, controlledSelector(ctx), runId, tracePath);
  }
  ctx.log(`kube: ${backend.describe()}`);
  return backend;
};

/**
 * Several controlled workloads: replay mode only (a SimKube driver replays the trace itself and
 * knows of one agent-owned workload), all of the first one's kind (one scale subresource, one
 * permission).
 */
function checkControlledAll(all: readonly Workload[], mode: 'replay' | 'simkube'): void {
  if (all.length <= 1) return;
  if (mode !== 'replay') {
    throw new ConfigError('kube.mode', `expected kube mode "replay" with ${all.length} controlled deployments, got "${mode}"`, {
      hint: 'use kube.mode "replay", or control one deployment (deployment instead of deployments)',
    });
  }
  const other = all.find((w) => w.kind !== all[0]!.kind);
  if (other) {
    throw new ConfigError('deployments', `expected every controlled workload to be a ${all[0]!.kind} on the kube backend, got ${other.kind} ${other.key}`, {
      hint: 'control workloads of one kind per env',
    });
  }
}

/** The controlled deployment's pod selector as recorded (its selector, else its template labels). */
function controlledSelector(ctx: BackendContext): V1LabelSelector {
  const obj = ctx.model.objects.get(ctx.controlled.gvk)?.get(ctx.controlled.key) as
    | { spec?: { selector?: V1LabelSelector; template?: { metadata?: { labels?: Record<string, string> } } } }
    | undefined;
  const selector = obj?.spec?.selector;
  if (selector && (Object.keys(selector.matchLabels ?? {}).length > 0 || (selector.matchExpressions ?? []).length > 0)) return selector;
  const labels = obj?.spec?.template?.metadata?.labels;
  if (!labels || Object.keys(labels).length === 0) {
    throw new ConfigError('deployment', `expected the controlled ${ctx.controlled.kind} ${ctx.controlled.key} to have a label selector in the trace, got none`);
  }
  return { matchLabels: labels };
}
