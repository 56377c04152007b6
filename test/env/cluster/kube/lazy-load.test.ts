import { describe, expect, it, vi } from 'vitest';

// If anything below imports the Kubernetes client, this factory runs and the import fails.
vi.mock('@kubernetes/client-node', () => {
  throw new Error('@kubernetes/client-node was loaded');
});

describe('the kube backend loads lazily', () => {
  it('importing the public index does not load @kubernetes/client-node', async () => {
    const api = await import('../../../../src/index.js');
    expect(typeof api.kubePreflight).toBe('function');
    expect(api.parseKubeOptions({}).mode).toBe('replay');
  });

  it('building the CLI (every command registered) does not load it either', async () => {
    const { buildProgram } = await import('../../../../src/runner/cli.js');
    const names = buildProgram().commands.map((c) => c.name());
    expect(names).toEqual(expect.arrayContaining(['preflight', 'setup', 'teardown', 'compare']));
  });

  // vitest wraps the factory's error in its own message.
  it('calling a kube tool does load it (the mock proves the check above can fail)', async () => {
    const { kubePreflight } = await import('../../../../src/index.js');
    await expect(kubePreflight({ options: (await import('../../../../src/index.js')).parseKubeOptions({}) })).rejects.toThrow(/error when mocking a module|client-node was loaded/);
  });
});
