import { ConfigError } from '../errors.js';
import type { SimEnvOptions } from '../options.js';
import type { BackendContext, ClusterBackend, KubeBackendFactory } from './backend.js';
import { MemoryBackend } from './memory/memory-backend.js';

// A variable specifier keeps tsc and bundlers from resolving the kube module eagerly, so the
// memory path never loads @kubernetes/client-node (and compiles while kube is being written).
const KUBE_MODULE = './kube/kube-backend.js';

/** Build the backend the options ask for (the kube module is loaded only when asked for). */
export async function createBackend(ctx: BackendContext, options: SimEnvOptions): Promise<ClusterBackend> {
  if (options.backend === 'memory') {
    return new MemoryBackend(ctx, {
      nodeSource: options.nodes.source,
      pools: options.nodes.pools,
      inject: options.nodes.inject,
      startupLatency: options.startupLatency,
    });
  }
  let factory: KubeBackendFactory;
  try {
    const mod = (await import(KUBE_MODULE)) as { createKubeBackend?: KubeBackendFactory };
    if (typeof mod.createKubeBackend !== 'function') throw new Error('module has no createKubeBackend export');
    factory = mod.createKubeBackend;
  } catch (err) {
    throw new ConfigError('backend', `expected the kube backend module to load, got: ${(err as Error).message}`, {
      hint: 'use backend "memory", or reinstall simenv with its @kubernetes/client-node dependency',
    });
  }
  return factory(ctx, options.kube);
}
