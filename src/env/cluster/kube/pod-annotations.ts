import { PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import type { KubeClient } from './kube-client.js';
import { FIELD_MANAGER } from './labels.js';

/** Merge `annotations` into one pod's metadata (a JSON merge patch; `patch pods`). */
export async function patchPodAnnotations(client: KubeClient, namespace: string, name: string, annotations: Record<string, string>, opts: { retry?: boolean } = {}): Promise<void> {
  await client.call(
    { verb: 'patch', resource: 'pods', namespace, name },
    (a) =>
      a.objects.patch(
        { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, annotations } } as KubernetesObject,
        undefined,
        undefined,
        FIELD_MANAGER,
        undefined,
        PatchStrategy.MergePatch,
      ),
    opts,
  );
}

/** Whether a failed call was about an object that no longer exists (not worth reporting). */
export function isGone(err: unknown): boolean {
  return /not found|404/i.test((err as Error).message ?? String(err));
}
