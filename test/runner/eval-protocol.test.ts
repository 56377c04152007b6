import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EvalRecordSchema } from '../../src/runner/eval-report.js';
import { EpisodeLineSchema } from '../../src/runner/schema-files.js';
import { RunConfigRecordSchema, SummaryRecordSchema, type SummaryRecord } from '../../src/runner/records.js';
import { cliInProcess, DSB_TRACE, readJsonl, REPO, tempDir } from './helpers.js';

const HPA_DEFAULT = join(REPO, 'examples/hpa/default.yaml');
const HPA_TUNED = join(REPO, 'examples/hpa/tuned.yaml');
const COMPOSE = ['--trace', DSB_TRACE, '--deploy', 'dsb/compose-post-service'];

function summaryOf(dir: string): SummaryRecord {
  return SummaryRecordSchema.parse(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')));
}

async function usage(args: string[], message: RegExp): Promise<void> {
  const r = await cliInProcess(args);
  expect(r.code, r.err).toBe(2);
  expect(r.err.split('\n').filter((l) => !l.startsWith('[backend]'))[0]).toMatch(message);
  expect(r.err).not.toMatch(/\n\s+at /);
}

/** `simenv eval` end to end, in process. */

describe('simenv eval', () => {
  it("issue 13's repro: the HPA at 90% on compose-post breaks the SLO about 12% of the time, not 51.7% (float noise at the SLO)", async () => {
    const out = tempDir();
    const r = await cliInProcess(['eval', '--trace', DSB_TRACE, '--deploy', 'dsb/compose-post-service', '--agent', 'hpa', '--target', '90', '--step', '15', '--seeds', '1,2,3', '--episodes', '2', '--out', out, '--quiet']);
    expect(r.code, r.err).toBe(0);
    const [dir] = readdirSync(out);
    const s = SummaryRecordSchema.parse(JSON.parse(readFileSync(join(out, dir!, 'summary.json'), 'utf8')));
    expect(s.episodes).toBe(6);
    // Measured: 54 of 456 steps (11.8%) and 10.1% of the simulated time; before the tolerance 240
    // steps and 51.7%. With readyMetricsDelaySeconds 0 (the port before it waited for new pods'
    // CPU as the real controller does, issue 11) it was 30 steps (6.6%) and 4.8%.
    expect(s.slo.stepViolationRate!).toBeGreaterThan(0.09);
    expect(s.slo.stepViolationRate!).toBeLessThan(0.15);
    expect(s.slo.violationRate!).toBeGreaterThan(0.07);
    expect(s.slo.violationRate!).toBeLessThan(0.13);
  });

  it("the platform engineer's loop: --hpa tuned.yaml against --baseline hpa:default.yaml on the same seeds, paired", async () => {
    const out = tempDir();
    const r = await cliInProcess(['eval', ...COMPOSE, '--agent', 'hpa', '--hpa', HPA_TUNED, '--baseline', `hpa:${HPA_DEFAULT}`, '--step', '15', '--duration', '600', '--seeds', '1..3', '--episodes', '2', '--out', out, '--run-id', 'tuned']);
    expect(r.code, r.err).toBe(0);
    const evalLines = r.out.split('\n').filter((l) => l.startsWith('[eval]'));
    expect(evalLines[0]).toMatch(/^\[eval\] +hpa\(tuned\.yaml\): reward -?[\d.]+ \(95% CI -?[\d.]+\.\.-?[\d.]+, n=6\)/);
    expect(evalLines[1]).toMatch(/^\[eval\] +baseline hpa\(default\.yaml\): reward /);
    expect(evalLines[2]).toMatch(/^\[eval\] +hpa\(tuned\.yaml\) - hpa\(default\.yaml\): reward [-+][\d.]+ \(95% CI .*n=6\) over paired episodes \(wins \d, losses \d, ties \d\)/);
    const dirs = readdirSync(out).sort();
    expect(dirs).toHaveLength(2);
    const baseDir = join(out, dirs.find((d) => d !== 'tuned')!);
    const rec = EvalRecordSchema.parse(JSON.parse(readFileSync(join(out, 'tuned', 'eval.json'), 'utf8')));
    const cand = summaryOf(join(out, 'tuned'));
    const base = summaryOf(baseDir);
    // Same seeds for both agents, in order: 1, 2, 3 each with one derived episode seed.
    expect(base.perEpisode.map((e) => e.seed)).toEqual(cand.perEpisode.map((e) => e.seed));
    expect(rec.seeds).toEqual(cand.perEpisode.map((e) => e.seed));
    expect(rec.seeds.filter((_, i) => i % 2 === 0)).toEqual([1, 2, 3]);
    // The agents really are the two manifests (the env range covers both: 1..20).
    expect(RunConfigRecordSchema.parse(JSON.parse(readFileSync(join(out, 'tuned', 'config.json'), 'utf8'))).agent.params).toMatchObject({ targetUtilisation: 75, minReplicas: 2, maxReplicas: 16 });
    expect(RunConfigRecordSchema.parse(JSON.parse(readFileSync(join(baseDir, 'config.json'), 'utf8'))).agent.params).toMatchObject({ targetUtilisation: 60, minReplicas: 1, maxReplicas: 20 });
    // The difference is computed from the two runs' episodes, pair by pair.
    const diffs = cand.perEpisode.map((e, i) => e.reward.total - base.perEpisode[i]!.reward.total);
    expect(rec.difference!.pairs).toBe(6);
    expect(rec.difference!.reward.mean).toBeCloseTo(diffs.reduce((a, b) => a + b) / 6, 10);
    expect(rec.difference!.wins + rec.difference!.losses + rec.difference!.ties).toBe(6);
    expect(rec.difference!.reward.lo!).toBeLessThanOrEqual(rec.difference!.reward.mean!);
    expect(rec.difference!.reward.hi!).toBeGreaterThanOrEqual(rec.difference!.reward.mean!);
    expect(rec.agent.reward.mean).toBeCloseTo(cand.reward.mean!, 10);
    expect(rec.baseline!.reward.mean).toBeCloseTo(base.reward.mean!, 10);

    // Against the baseline's run directory: the env must be the same (here the replica range
    // 1..20 both manifests made); then the numbers are the same.
    const out2 = tempDir();
    const againArgs = ['eval', ...COMPOSE, '--agent', 'hpa', '--hpa', HPA_TUNED, '--baseline', baseDir, '--step', '15', '--duration', '600', '--seeds', '1..3', '--episodes', '2', '--out', out2];
    await usage(againArgs, /^simenv: --baseline: expected a run in the same env as this eval \(maxReplicas 16\), got maxReplicas 20 in /);
    const again = await cliInProcess([...againArgs, '--min-replicas', '1', '--max-replicas', '20', '--run-id', 'tuned', '--json']);
    expect(again.code, again.err).toBe(0);
    const doc = JSON.parse(again.out) as { eval: unknown };
    const rec2 = EvalRecordSchema.parse(doc.eval);
    expect(rec2.difference!.reward).toEqual(rec.difference!.reward);
  });

  it('says when seeds produce identical episodes (a static agent that never scales draws nothing)', async () => {
    const out = tempDir();
    const r = await cliInProcess(['eval', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift', '--agent', 'static', '--step', '60', '--duration', '300', '--seeds', '1..3', '--out', out, '--run-id', 'st']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/\[eval\] +note: static: seeds 1, 2, 3 produced identical episodes, so they count as one observation, not 3/);
    const rec = EvalRecordSchema.parse(JSON.parse(readFileSync(join(out, 'st', 'eval.json'), 'utf8')));
    expect(rec.agent.identicalEpisodes).toEqual([[1, 2, 3]]);
    expect(rec.baseline).toBeNull();
    expect(rec.difference).toBeNull();
  });

  it('bad eval input: one line, exit 2', async () => {
    const out = tempDir();
    const base = ['eval', ...COMPOSE, '--step', '15', '--out', out];
    await usage([...base, '--agent', 'random', '--hpa', HPA_TUNED], /^simenv: --hpa: the random agent does not use --hpa; it applies to --agent hpa and --agent k8s-hpa$/);
    await usage([...base, '--agent', 'hpa', '--hpa', join(REPO, 'package.json')], /^simenv: --hpa: package\.json: kind: expected HorizontalPodAutoscaler, got undefined$/);
    await usage([...base, '--agent', 'hpa', '--hpa', HPA_TUNED, '--target', '50'], /^simenv: --target: the --hpa manifest sets the target/);
    await usage([...base, '--agent', 'hpa', '--baseline', 'static:x'], /^simenv: --baseline: expected static:N with N replicas, got "static:x"$/);
    await usage([...base, '--agent', 'hpa', '--baseline', 'hpa:150'], /^simenv: --baseline: expected hpa:N with N an integer percent in \(0, 100\], got "hpa:150"$/);
    await usage([...base, '--agent', 'hpa', '--baseline', join(out, 'nope')], /^simenv: --baseline: expected a baseline agent \(static, random, trace, hpa, static:N, hpa:FILE\) or an eval run directory with config\.json, got ".*nope" \(ENOENT\)$/);
    await usage([...base, '--agent', 'hpa', '--seeds', '5..1'], /^simenv: --seeds: expected comma-separated integers or ranges such as 1,2,3 or 1\.\.10, got "5\.\.1" \(range 5\.\.1 ends before it starts\)$/);
    await usage(['run', ...COMPOSE, '--agent', 'hpa', '--baseline', 'hpa', '--out', out], /^error: unknown option '--baseline'/);
    await usage([...base, '--agent', 'hpa', '--hpa', HPA_TUNED, '--max-replicas', '10'], /^simenv: hpa\.maxReplicas: expected at most the env's maxReplicas 10, got 16$/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('--log episodes keeps one episode record per episode and no step.jsonl; --log none keeps config and summary', async () => {
    const out = tempDir();
    const args = ['eval', ...COMPOSE, '--agent', 'hpa', '--step', '15', '--seeds', '1,2', '--episodes', '2', '--out', out, '--quiet'];
    expect((await cliInProcess([...args, '--run-id', 'ep', '--log', 'episodes'])).code).toBe(0);
    expect((await cliInProcess([...args, '--run-id', 'none', '--log', 'none'])).code).toBe(0);
    expect((await cliInProcess([...args, '--run-id', 'steps'])).code).toBe(0);
    expect(readdirSync(join(out, 'ep')).sort()).toEqual(['config.json', 'episode.jsonl', 'eval.json', 'summary.json']);
    expect(readdirSync(join(out, 'none')).sort()).toEqual(['config.json', 'eval.json', 'summary.json']);
    expect(existsSync(join(out, 'steps', 'step.jsonl'))).toBe(true);
    const episodes = readJsonl(join(out, 'ep', 'episode.jsonl')).map((l) => EpisodeLineSchema.parse(l));
    const s = summaryOf(join(out, 'ep'));
    expect(episodes).toEqual(s.perEpisode.map((e) => ({ run: 'ep', ...e })));
    // The figures do not depend on what is logged.
    expect(summaryOf(join(out, 'none')).perEpisode).toEqual(s.perEpisode);
    expect(summaryOf(join(out, 'steps')).perEpisode).toEqual(s.perEpisode);
  });
});
