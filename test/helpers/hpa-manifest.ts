/**
 * An autoscaling/v2 HorizontalPodAutoscaler manifest for deployment `name` (the text a user
 * writes for `--hpa`), with a CPU utilisation target when `cpuUtilization` is given.
 */
export function hpaManifest(name: string, { min, max, cpuUtilization }: { min: number; max: number; cpuUtilization?: number }): string {
  const head = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: ${name} }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: ${name} }
  minReplicas: ${min}
  maxReplicas: ${max}
`;
  if (cpuUtilization === undefined) return head;
  return `${head}  metrics:
    - type: Resource
      resource: { name: cpu, target: { type: Utilization, averageUtilization: ${cpuUtilization} } }
`;
}
