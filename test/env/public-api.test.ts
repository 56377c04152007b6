import { describe, expect, it } from 'vitest';
import * as simenv from '../../src/index.js';

describe('public API (src/index.ts, what `import ... from "simenv"` gives)', () => {
  it('exports the env surface', async () => {
    expect(typeof simenv.SimEnv.create).toBe('function');
    expect(typeof simenv.checkEnv).toBe('function');
    expect(typeof simenv.VectorEnv.create).toBe('function');
    expect(typeof simenv.computeReward).toBe('function');
    expect(typeof simenv.buildScenarioTrace).toBe('function');
    expect(simenv.SimEnvOptionsSchema).toBeDefined();
    const env = await simenv.SimEnv.create({ trace: 'examples/traces/dsb-scaling.sktrace', deployment: 'dsb/nginx-thrift' });
    expect(env.reset().observation).toBeInstanceOf(Float32Array);
    await env.close();
  });

  it('exports the application surface', async () => {
    const app = await simenv.SimEnv.create({ trace: 'examples/traces/dsb-scaling.sktrace', deployments: ['nginx-thrift', 'text-service'] });
    expect(app).toBeInstanceOf(simenv.ApplicationEnv);
    expect(app.actionSpace).toBeInstanceOf(simenv.MultiDiscrete);
    expect(typeof simenv.createApplicationAgent).toBe('function');
    expect(simenv.DSB_SOCIAL_NETWORK_EDGES.length).toBeGreaterThan(20);
    await app.close();
  });
});
