import { describe, expect, it } from 'vitest';
import { labelSelectorMatches, labelsMatch } from '../../../src/env/k8s/labels.js';

describe('labelsMatch (nodeSelector, matchLabels)', () => {
  it('needs every pair present and equal', () => {
    expect(labelsMatch({ service: 'a' }, { service: 'a', x: '1' })).toBe(true);
    expect(labelsMatch({ service: 'a' }, { service: 'b' })).toBe(false);
    expect(labelsMatch({ service: 'a' }, undefined)).toBe(false);
    expect(labelsMatch({}, undefined)).toBe(true);
  });
});

describe('labelSelectorMatches', () => {
  const labels = { app: 'web', tier: 'front' };
  it('reads matchLabels and every matchExpressions operator', () => {
    expect(labelSelectorMatches({}, labels)).toBe(true);
    expect(labelSelectorMatches({ matchLabels: { app: 'web' } }, labels)).toBe(true);
    expect(labelSelectorMatches({ matchLabels: { app: 'db' } }, labels)).toBe(false);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] }, labels)).toBe(true);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['back'] }] }, labels)).toBe(false);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['back'] }] }, labels)).toBe(true);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels)).toBe(true);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels)).toBe(true);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels)).toBe(false);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels)).toBe(false);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'app', operator: 'Bogus' }] }, labels)).toBe(false);
  });
  it('needs both parts to hold', () => {
    const sel = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['back'] }] };
    expect(labelSelectorMatches(sel, labels)).toBe(false);
  });
});
