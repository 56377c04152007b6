import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { isTransient, retryAfterMs, toClusterError } from '../../../../src/env/cluster/kube/api-errors.js';
import { TransportError } from '../../../../src/env/cluster/kube/http-transport.js';
import { backoffDelayMs, withRetry } from '../../../../src/env/cluster/kube/retry.js';
import type { Clock } from '../../../../src/env/cluster/kube/wall-clock.js';
import { ClusterError } from '../../../../src/env/errors.js';

const server = 'https://127.0.0.1:16443';
const status = (code: number, message: string, headers: Record<string, string> = {}) =>
  new ApiException(code, 'x', JSON.stringify({ kind: 'Status', code, message, reason: 'Forbidden' }), headers);

describe('toClusterError', () => {
  it('a 403 names the verb, resource, namespace, server and the grant to add', () => {
    const e = toClusterError(status(403, 'nope'), { verb: 'patch', resource: 'deployments/scale', group: 'apps', namespace: 'ns1', name: 'web' }, server);
    expect(e).toBeInstanceOf(ClusterError);
    expect(e.message).toBe(
      `forbidden: cannot patch deployments/scale "web" in namespace ns1 at ${server}: grant "patch" on "deployments/scale" (API group "apps") (simenv setup creates a Role with it)`,
    );
    expect((e as ClusterError).status).toBe(403);
  });

  it('an unreachable server names the address and the reason', () => {
    const e = toClusterError(new TransportError('ECONNREFUSED', server, 'refused'), { verb: 'get', resource: 'version' }, server);
    expect(e.message).toContain(`the API server at ${server} is unreachable (ECONNREFUSED)`);
    const t = toClusterError(new TransportError('ETIMEDOUT', server, 'slow'), { verb: 'list', resource: 'pods', namespace: 'a' }, server);
    expect(t.message).toContain('did not answer in time');
  });

  it('other statuses carry the server\'s message', () => {
    expect(toClusterError(status(422, 'spec.replicas: Invalid value'), { verb: 'patch', resource: 'deployments' }, server).message).toContain('spec.replicas: Invalid value');
    expect(toClusterError(status(404, 'gone'), { verb: 'get', resource: 'namespaces', name: 'x' }, server).message).toMatch(/^not found: namespaces "x"/);
  });
});

describe('retries', () => {
  it('treats throttling, server errors and broken connections as transient, not 4xx', () => {
    for (const c of [429, 500, 502, 503, 504]) expect(isTransient(status(c, ''))).toBe(true);
    for (const c of [400, 401, 403, 404, 409, 422]) expect(isTransient(status(c, ''))).toBe(false);
    expect(isTransient(new TransportError('ECONNRESET', server, ''))).toBe(true);
    expect(isTransient(new Error('boom'))).toBe(false);
  });

  it('backs off exponentially up to the cap and honours Retry-After', () => {
    const p = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(p, n))).toEqual([100, 200, 400, 800, 1000]);
    const throttled = status(429, '', { 'retry-after': '2' });
    expect(retryAfterMs(throttled)).toBe(2000);
    expect(backoffDelayMs(p, 1, throttled)).toBe(1000);
  });

  it('retries transient failures with the backoff schedule, then gives up with the last error', async () => {
    const slept: number[] = [];
    const clock: Clock = { nowMs: () => 0, sleep: async (ms) => void slept.push(ms) };
    let calls = 0;
    const ok = await withRetry(async () => (++calls < 3 ? Promise.reject(status(503, '')) : 'done'), { attempts: 5, baseDelayMs: 10, maxDelayMs: 100 }, clock);
    expect(ok).toBe('done');
    expect(slept).toEqual([10, 20]);
    calls = 0;
    await expect(withRetry(async () => Promise.reject(status(503, `try ${++calls}`)), { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 }, clock)).rejects.toMatchObject({ code: 503 });
    expect(calls).toBe(3);
    calls = 0;
    await expect(withRetry(async () => Promise.reject(status(403, `${++calls}`)), { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 }, clock)).rejects.toMatchObject({ code: 403 });
    expect(calls).toBe(1);
  });
});
