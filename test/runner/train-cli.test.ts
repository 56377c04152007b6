import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PpoConfigSchema } from '../../src/agents/learned/ppo.js';
import { loadAgent, readPolicyInfo } from '../../src/agents/registry.js';
import { SimEnv } from '../../src/env/sim-env.js';
import { trainAgent } from '../../src/runner/train/train-loop.js';
import { TrainLogRecordSchema, TrainSummaryRecordSchema } from '../../src/runner/train/train-records.js';
import { cliInProcess as cli } from './helpers.js';

const TRACE = 'examples/traces/dsb-scaling.sktrace';
const root = mkdtempSync(join(tmpdir(), 'simenv-train-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
});


const small = ['--trace', TRACE, '--deploy', 'dsb/nginx-thrift', '--horizon', '8', '--envs', '2', '--seed', '3', '--quiet'];

describe('simenv train', () => {
  it('trains DQN briefly: finite losses, train.jsonl, checkpoints, a policy that loads and acts deterministically', async () => {
    const out = join(root, 'dqn');
    const r = await cli(['train', '--agent', 'dqn', ...small, '--steps', '400', '--out', out, '--hyper', '{"learningStarts":64,"batchSize":16}', '--log-every', '10', '--checkpoint-every', '50']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = readFileSync(join(out, 'train.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(3);
    const records = lines.map((l) => TrainLogRecordSchema.parse(JSON.parse(l)));
    expect(records.every((x) => x.loss === null || Number.isFinite(x.loss))).toBe(true);
    expect(records.some((x) => x.loss !== null)).toBe(true);
    expect(records[records.length - 1]!.step).toBe(400);
    const summary = TrainSummaryRecordSchema.parse(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')));
    expect(summary.status).toBe('completed');
    expect(summary.policyDir).toBe(join(out, 'policy'));
    expect(readdirSync(join(out, 'checkpoints')).length).toBeLessThanOrEqual(3);
    for (const f of ['model.json', 'weights.bin', 'policy.json']) expect(existsSync(join(out, 'policy', f))).toBe(true);

    const info = await readPolicyInfo(out);
    expect(info.agent).toBe('dqn');
    expect(info.action).toEqual({ n: 5, start: -2, mode: 'delta' });
    const env = await SimEnv.create({ trace: TRACE, deployment: 'dsb/nginx-thrift', actionMode: 'delta' });
    const a1 = await loadAgent(out, env.agentContext);
    const a2 = await loadAgent(join(out, 'policy'), env.agentContext);
    let { observation, info: stepInfo } = env.reset({ seed: 5 });
    for (let i = 0; i < 20; i++) {
      const x = a1.act(observation, stepInfo);
      expect(a2.act(observation, stepInfo)).toBe(x);
      expect(a1.act(observation, stepInfo)).toBe(x);
      const s = env.step(x);
      observation = s.observation;
      stepInfo = s.info;
    }
    a1.dispose?.();
    a2.dispose?.();
    await env.close();
  });

  it('trains PPO briefly over two deployments', async () => {
    const out = join(root, 'ppo');
    const r = await cli(['train', '--agent', 'ppo', ...small.map((x) => (x === 'dsb/nginx-thrift' ? 'dsb/nginx-thrift,dsb/text-service' : x)), '--steps', '64', '--out', out, '--hyper', '{"numSteps":16}']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { updates: number; status: string };
    expect(summary.status).toBe('completed');
    // two rollouts of 16 steps x 2 envs, each the default epochs x minibatches
    const ppo = PpoConfigSchema.parse({});
    expect(summary.updates).toBe(2 * ppo.updateEpochs * ppo.numMinibatches);
    const meta = JSON.parse(readFileSync(join(out, 'policy', 'policy.json'), 'utf8')) as { training: { deployments: string[] } };
    expect(meta.training.deployments).toEqual(['dsb/nginx-thrift', 'dsb/text-service']);
    expect(existsSync(join(out, 'policy', 'critic', 'model.json'))).toBe(true);
  });

  it('rejects bad input with exit code 2 and a message naming the flag', async () => {
    const unknown = await cli(['train', '--agent', 'a2c', ...small, '--out', join(root, 'x')]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/a2c/);
    const steps = await cli(['train', '--agent', 'dqn', ...small, '--steps', '0', '--out', join(root, 'x')]);
    expect(steps.code).toBe(2);
    expect(steps.err).toMatch(/--steps: expected an integer >= 1, got "0"/);
    const win = await cli(['train', '--agent', 'dqn', '--trace', TRACE, '--deploy', 'nginx-thrift', '--window', '0:600', '--out', join(root, 'x')]);
    expect(win.code).toBe(2);
    expect(win.err).toMatch(/--window: expected --horizon/);
    const hyper = await cli(['train', '--agent', 'dqn', ...small, '--hyper', '{"gamma": 2}', '--out', join(root, 'x')]);
    expect(hyper.code).toBe(1);
    expect(hyper.err).toMatch(/hyper\.gamma/);
    expect(existsSync(join(root, 'x'))).toBe(false);
  });

  it('refuses to overwrite a previous training unless asked', async () => {
    const out = join(root, 'taken');
    mkdirSync(out);
    writeFileSync(join(out, 'train.json'), '{}');
    const r = await cli(['train', '--agent', 'dqn', ...small, '--steps', '50', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/expected a new or empty directory/);
    const ok = await cli(['train', '--agent', 'dqn', ...small, '--steps', '50', '--out', out, '--overwrite']);
    expect(ok.code).toBe(0);
  });

  it('on interrupt writes a checkpoint and points the summary at it', async () => {
    const out = join(root, 'interrupted');
    const controller = new AbortController();
    let progressCalls = 0;
    const r = await trainAgent(
      { agent: 'dqn', env: { trace: TRACE, deployment: 'dsb/nginx-thrift', horizon: 8 }, steps: 1_000_000, numEnvs: 2, out, hyper: { learningStarts: 32, batchSize: 8 } },
      {
        signal: controller.signal,
        onProgress: () => {
          progressCalls++;
          if (progressCalls === 2) controller.abort('SIGINT');
        },
      },
    );
    expect(r.summary.status).toBe('interrupted');
    expect(r.summary.steps).toBeLessThan(1_000_000);
    expect(r.summary.policyDir).toMatch(/checkpoints\/step-\d{9}$/);
    expect(existsSync(join(out, 'policy'))).toBe(false);
    const env = await SimEnv.create({ trace: TRACE, deployment: 'dsb/nginx-thrift', actionMode: 'delta' });
    const agent = await loadAgent(out, env.agentContext);
    expect(agent.name).toBe('dqn');
    agent.dispose?.();
    await env.close();
  });
});

describe('simenv train: one --out, one training (issue 14, defects 7, 8, 13)', () => {
  it('a second training into an --out another live training holds is refused, even with --overwrite; a stale lock is taken over', async () => {
    const { spawn } = await import('node:child_process');
    const out = join(root, 'locked');
    mkdirSync(out);
    const holder = spawn('sleep', ['30']);
    try {
      writeFileSync(join(out, '.simenv-train.lock'), `${holder.pid}\n`);
      const r = await cli(['train', '--agent', 'dqn', ...small, '--steps', '50', '--out', out, '--overwrite']);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(new RegExp(`no other training is writing, got .*locked \\(process ${holder.pid} holds \\.simenv-train\\.lock\\)`));
      expect(readdirSync(out)).toEqual(['.simenv-train.lock']);
    } finally {
      holder.kill('SIGKILL');
    }
    await new Promise((r) => holder.on('close', r));
    // The holder is gone: its lock is stale, the training runs and releases the lock.
    const ok = await cli(['train', '--agent', 'dqn', ...small, '--steps', '50', '--out', out]);
    expect(ok.code).toBe(0);
    expect(readdirSync(out)).not.toContain('.simenv-train.lock');
  });

  it('--out under /proc or /sys is a one-line usage error, not an endless mkdir', async () => {
    for (const bad of ['/proc/ro/x', '/sys/kernel/x']) {
      const r = await cli(['train', '--agent', 'dqn', ...small, '--steps', '50', '--out', bad]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^simenv: --out: expected a directory that can be created/);
    }
  });

  it('a learner that cannot be built leaves no directory behind to block the rerun', async () => {
    const out = join(root, 'huge-buffer');
    const r = await cli(['train', '--agent', 'dqn', ...small, '--steps', '50', '--out', out, '--hyper', '{"bufferSize":1e12}']);
    expect([1, 2]).toContain(r.code);
    expect(r.err).toMatch(/^simenv: .*(bufferSize|hyper)/);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });
});

describe('eval --policy on a training killed before its summary (issue 14, defect 13)', () => {
  it('uses the newest complete checkpoint, not a save in flight', async () => {
    const { cpSync } = await import('node:fs');
    const { resolvePolicyDir } = await import('../../src/agents/learned/policy-metadata.js');
    const out = join(root, 'killed-src');
    const r = await cli(['train', '--agent', 'dqn', ...small, '--steps', '200', '--out', out, '--checkpoint-every', '20', '--hyper', '{"learningStarts":32,"batchSize":8}']);
    expect(r.code).toBe(0);
    // What a SIGKILL leaves: no summary, no final policy, maybe a half-written save.
    const killed = join(root, 'killed');
    cpSync(out, killed, { recursive: true });
    rmSync(join(killed, 'summary.json'));
    rmSync(join(killed, 'policy'), { recursive: true });
    const names = readdirSync(join(killed, 'checkpoints')).sort();
    mkdirSync(join(killed, 'checkpoints', 'step-999999999.tmp-4242'));
    expect(resolvePolicyDir(killed)).toBe(join(killed, 'checkpoints', names[names.length - 1]!));
    const ev = await cli(['eval', '--policy', killed, '--trace', TRACE, '--deploy', 'dsb/nginx-thrift', '--seeds', '1', '--out', join(root, 'killed-eval'), '--quiet']);
    expect(ev.code).toBe(0);
  });
});
