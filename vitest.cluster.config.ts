import { defineConfig } from 'vitest/config';

// Real-cluster suites: a control plane started by scripts/control-plane (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, KWOK) on 127.0.0.1. The global setup starts it (or
// reuses a running one) and exports its kubeconfig path as SIMENV_TEST_KUBECONFIG.
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    globalSetup: ['test/cluster/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
    fileParallelism: false,
  },
});
