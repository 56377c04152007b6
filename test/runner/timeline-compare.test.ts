import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareTimelines, formatTimelineComparison, sampleTimeline } from '../../src/runner/timeline-compare.js';
import { readTimeline, TimelineRecordSchema, type TimelineRecord } from '../../src/runner/timeline.js';
import { DSB_TRACE, runCli, tempDir } from './helpers.js';

const seg = (t0: number, t1: number, ready: number, desired: number, pending = 0, episode = 0): TimelineRecord => ({ episode, t0, t1, ready, desired, held: ready, pending });

describe('timeline comparison on a grid', () => {
  it('samples the segment holding each time, the edge segments outside them', () => {
    const s = sampleTimeline([seg(10, 20, 2, 4), seg(0, 10, 1, 1, 3)], [-5, 0, 9.99, 10, 19.9, 25]);
    expect(s.ready).toEqual([1, 1, 1, 2, 2, 2]);
    expect(s.desired).toEqual([1, 1, 1, 4, 4, 4]);
    expect(s.pending).toEqual([3, 3, 3, 0, 0, 0]);
  });

  it('finds a ready delay between step ends: mean/max diff and when, and the time to the scale-up target', () => {
    // Both scale 2 -> 6 at t=100; A's pods are Ready at 103, B's at 112. Steps of 15 s end at
    // 105, 120: only the 105 step end sees the difference; the 1-s grid sees all 9 s of it.
    const a = [seg(90, 100, 2, 2), seg(100, 103, 2, 6, 0), seg(103, 150, 6, 6)];
    const b = [seg(90, 100, 2, 2), seg(100, 112, 2, 6, 4), seg(112, 150, 6, 6)];
    const c = compareTimelines(a, b, { gridS: 1 });
    expect(c.fromS).toBe(90);
    expect(c.toS).toBe(150);
    expect(c.samples).toBe(60);
    expect(c.series.ready.maxAbsDiff).toBe(4);
    expect(c.series.ready.maxAtS).toBe(103);
    expect(c.series.ready.meanAbsDiff).toBeCloseTo((9 * 4) / 60, 12);
    expect(c.series.desired.meanAbsDiff).toBe(0);
    expect(c.series.pending.maxAbsDiff).toBe(4);
    expect(c.scaleUp.ready).toEqual({ target: 6, reachedA: 13, reachedB: 22, delayS: 9 });
    expect(c.scaleUp.desired).toEqual({ target: 6, reachedA: 10, reachedB: 10, delayS: 0 });
    expect(formatTimelineComparison(c)).toMatch(/ready +mean .* max \|diff\| 4 at t=103s/);
    expect(formatTimelineComparison(c)).toMatch(/scale-up ready >= 6: A after 13 s, B after 22 s \(B - A = 9 s\)/);
    // An explicit target that B never reaches.
    expect(compareTimelines(a, [seg(90, 150, 2, 2)], { gridS: 1, target: 6 }).scaleUp.ready).toEqual({ target: 6, reachedA: 13, reachedB: null, delayS: null });
  });

  it('says so when the episode is missing or the windows do not overlap', () => {
    expect(compareTimelines([seg(0, 10, 1, 1)], [seg(0, 10, 1, 1, 0, 1)], { gridS: 1 }).warnings[0]).toMatch(/episode 0 has no timeline in B/);
    expect(compareTimelines([seg(0, 10, 1, 1)], [seg(20, 30, 1, 1)], { gridS: 1 }).warnings[0]).toMatch(/do not overlap/);
    expect(() => compareTimelines([], [], { gridS: 0 })).toThrow(/grid > 0/);
  });

  it('simenv run --timeline writes the segments between step ends; compare samples them', async () => {
    const out = tempDir();
    const args = (id: string, extra: string[]) => ['run', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift', '--step', '30', '--duration', '600', '--timeline', '--out', out, '--run-id', id, '--quiet', ...extra];
    expect((await runCli(args('hpa', ['--agent', 'hpa', '--hpa', 'examples/hpa/cpu-60.yaml']))).code).toBe(0);
    expect((await runCli(args('static', ['--target', '2']))).code).toBe(0);
    const t = readTimeline(join(out, 'hpa'))!;
    expect(t.length).toBeGreaterThan(20);
    for (const r of t) expect(TimelineRecordSchema.parse(r)).toEqual(r);
    // Contiguous, and changes happen between the 30-s step ends (start-up latency, scheduling).
    for (let i = 1; i < t.length; i++) expect(t[i]!.t0).toBe(t[i - 1]!.t1);
    expect(t.some((r) => (r.t0 - t[0]!.t0) % 30 !== 0)).toBe(true);
    expect(readTimeline(join(out, 'static'))).not.toBeNull();
    const r = await runCli(['compare', join(out, 'hpa'), join(out, 'static'), '--grid', '5']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/timeline, episode 0: 120 samples every 5 s/);
    expect(r.stdout).toMatch(/pending +mean/);
    const j = await runCli(['compare', join(out, 'hpa'), join(out, 'static'), '--json']);
    const parsed = JSON.parse(j.stdout) as { timelines: Array<{ gridS: number; series: { ready: { n: number } } }> };
    expect(parsed.timelines[0]!.gridS).toBe(2);
    expect(parsed.timelines[0]!.series.ready.n).toBe(300);
  });
});
