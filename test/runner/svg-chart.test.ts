import { describe, expect, it } from 'vitest';
import { renderRowChart } from '../../src/runner/report/row-chart.js';
import { legendLayout, renderChart, timeLabel, timeTicks } from '../../src/runner/report/svg-chart.js';
import { seriesColors, PALETTE } from '../../src/runner/report/html-study.js';

describe('report charts', () => {
  it('time axes: round ticks, hh:mm labels, days past 24 h', () => {
    expect(timeTicks(0, 86400, 8)).toEqual([0, 10800, 21600, 32400, 43200, 54000, 64800, 75600, 86400]);
    expect(timeTicks(2400, 3600, 8)).toEqual([2400, 2700, 3000, 3300, 3600]);
    expect(timeLabel(3 * 3600 + 5 * 60, 86400)).toBe('d0 03:05');
    expect(timeLabel(90000, 172800)).toBe('d1 01:00');
    expect(timeLabel(7200, 20000)).toBe('02:00');
    expect(timeLabel(150, 600)).toBe('02:30');
  });

  it('legends wrap into rows that fit, and the chart grows to hold them', () => {
    const labels = Array.from({ length: 12 }, (_, i) => `hpa(target=${50 + i}%, down-stab=${i * 10}s) run-${i}`);
    const { at, rows } = legendLayout(labels, 896);
    expect(rows).toBeGreaterThan(2);
    for (const [x] of at) expect(x).toBeLessThan(896);
    const series = labels.map((name, i) => ({ name, color: '#000', xs: [0, 1], ys: [i, i + 1] }));
    const one = renderChart({ id: 'c', title: 't', xLabel: 'x', yLabel: 'y', series: series.slice(0, 1) });
    const many = renderChart({ id: 'c', title: 't', xLabel: 'x', yLabel: 'y', series });
    const height = (svg: string): number => Number(/height="(\d+)"/.exec(svg)![1]);
    expect(height(many) - height(one)).toBe((rows - 1) * 16);
  });

  it('12 distinct colours, then one per agent name', () => {
    expect(new Set(seriesColors(Array.from({ length: 12 }, (_, i) => `a${i}`))).size).toBe(12);
    const colors = seriesColors([...Array.from({ length: 10 }, (_, i) => `hpa(target=${i})`), 'static(1)', 'static(2)', 'random']);
    expect(new Set(colors).size).toBe(3);
    expect(colors[0]).toBe(PALETTE[0]);
  });

  it('row charts: a row per entry, intervals with whiskers, values as dots', () => {
    const svg = renderRowChart({ id: 'r', title: 't', xLabel: 'x', zeroLine: true, rows: [{ label: 'a', color: '#000', mean: -1, lo: -2, hi: 0.5, values: [-1.5, -0.5] }, { label: 'b', color: '#111', mean: 2 }] });
    expect(svg.match(/<g class="row"/g)).toHaveLength(2);
    expect(svg).toContain('class="series interval"');
    expect(svg).toContain('data-points="2"');
    expect(svg).toContain('class="zero"');
  });
});
