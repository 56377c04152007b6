import { describe, expect, it } from 'vitest';
import { initTfBackend } from '../../src/agents/tf-backend.js';

describe('tfjs backend selection', () => {
  it('picks a backend, logs which, and explains why better ones were skipped', async () => {
    const lines: string[] = [];
    const choice = await initTfBackend({ log: (m) => lines.push(m) });
    expect(['tensorflow', 'wasm', 'cpu']).toContain(choice.backend);
    expect(choice.tf.getBackend()).toBe(choice.backend);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^tfjs backend: ${choice.backend}`));
    // every backend tried before the chosen one is reported as unavailable, with a reason
    const idx = ['tensorflow', 'wasm', 'cpu'].indexOf(choice.backend);
    expect(choice.attempts).toHaveLength(idx + 1);
    for (const a of choice.attempts.slice(0, -1)) expect(a).toMatch(/: unavailable \(.+\)$/);
  });

  it('runs a model on the chosen backend and on cpu when asked', async () => {
    for (const prefer of ['auto', 'cpu'] as const) {
      const { tf, backend } = await initTfBackend({ prefer });
      if (prefer === 'cpu') expect(backend).toBe('cpu');
      const y = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync()[0]);
      expect(y).toBe(11);
    }
  });

  it('reports a missing tfjs-node instead of failing when it is asked for explicitly', async () => {
    let installed = true;
    try {
      await import(['@tensorflow', 'tfjs-node'].join('/'));
    } catch {
      installed = false;
    }
    if (installed) {
      expect((await initTfBackend({ prefer: 'node' })).backend).toBe('tensorflow');
    } else {
      await expect(initTfBackend({ prefer: 'node' })).rejects.toThrow(/tensorflow: unavailable/);
    }
  });
});

describe('tfjs backend preference', () => {
  it('auto returns to the best backend after an explicit switch', async () => {
    const best = await initTfBackend();
    const cpu = await initTfBackend({ prefer: 'cpu' });
    expect(cpu.tf.getBackend()).toBe('cpu');
    const again = await initTfBackend();
    expect(again.backend).toBe(best.backend);
    expect(again.tf.getBackend()).toBe(best.backend);
  });
});
