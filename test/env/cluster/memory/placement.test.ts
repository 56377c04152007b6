import { describe, expect, it } from 'vitest';
import { selectorMatches, toleratesAll, toleratesTaint } from '../../../../src/env/cluster/memory/placement.js';

describe('toleration matching (Kubernetes semantics)', () => {
  const taint = { key: 'gpu', value: 'true', effect: 'NoSchedule' as const };

  it('Equal needs key, value and effect to match', () => {
    expect(toleratesTaint({ key: 'gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }, taint)).toBe(true);
    expect(toleratesTaint({ key: 'gpu', operator: 'Equal', value: 'false', effect: 'NoSchedule' }, taint)).toBe(false);
    expect(toleratesTaint({ key: 'gpu', operator: 'Equal', value: 'true', effect: 'NoExecute' }, taint)).toBe(false);
    expect(toleratesTaint({ key: 'tpu', operator: 'Equal', value: 'true' }, taint)).toBe(false);
  });

  it('a missing operator means Equal', () => {
    expect(toleratesTaint({ key: 'gpu', value: 'true' }, taint)).toBe(true);
    expect(toleratesTaint({ key: 'gpu' }, taint)).toBe(false);
    expect(toleratesTaint({ key: 'gpu' }, { key: 'gpu', effect: 'NoSchedule' })).toBe(true);
  });

  it('Exists ignores the value; an empty effect matches every effect', () => {
    expect(toleratesTaint({ key: 'gpu', operator: 'Exists' }, taint)).toBe(true);
    expect(toleratesTaint({ key: 'gpu', operator: 'Exists', effect: '' }, { ...taint, effect: 'NoExecute' })).toBe(true);
    expect(toleratesTaint({ key: 'gpu', operator: 'Exists', effect: 'NoExecute' }, taint)).toBe(false);
  });

  it('an empty key with Exists tolerates every taint', () => {
    expect(toleratesTaint({ operator: 'Exists' }, taint)).toBe(true);
    expect(toleratesTaint({ key: '', operator: 'Exists' }, { key: 'x', value: 'y', effect: 'NoExecute' })).toBe(true);
  });

  it('every NoSchedule/NoExecute taint must be tolerated; PreferNoSchedule never blocks', () => {
    const taints = [taint, { key: 'zone', value: 'a', effect: 'NoExecute' as const }, { key: 'soft', effect: 'PreferNoSchedule' as const }];
    expect(toleratesAll([{ key: 'gpu', operator: 'Exists' }], taints)).toBe(false);
    expect(toleratesAll([{ key: 'gpu', operator: 'Exists' }, { key: 'zone', value: 'a' }], taints)).toBe(true);
    expect(toleratesAll([], [{ key: 'soft', effect: 'PreferNoSchedule' }])).toBe(true);
    expect(toleratesAll([], [])).toBe(true);
  });
});

describe('nodeSelector', () => {
  it('needs every pair present and equal', () => {
    expect(selectorMatches({}, {})).toBe(true);
    expect(selectorMatches({ a: '1' }, { a: '1', b: '2' })).toBe(true);
    expect(selectorMatches({ a: '1', b: '3' }, { a: '1', b: '2' })).toBe(false);
    expect(selectorMatches({ c: '1' }, { a: '1' })).toBe(false);
  });
});
