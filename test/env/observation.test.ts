import { describe, expect, it } from 'vitest';
import { emptyNamedObservation, ObservationEncoder, OBSERVATION_SIZE, observationBox } from '../../src/env/observation.js';
import { OBSERVATION_FIELDS } from '../../src/env/types.js';

describe('observation encoding', () => {
  it('normalises each field by its documented scale', () => {
    const enc = new ObservationEncoder(20, 100);
    const n = { ...emptyNamedObservation(), desired: 10, ready: 5, pending: 2, terminating: 4, utilisation: 0.7, demand: 1000, demandTrend: -200, freeCpu: 35, traceProgress: 0.25 };
    const out = new Float32Array(OBSERVATION_SIZE);
    enc.encode(n, 140, out);
    expect(Array.from(out)).toEqual(Array.from(Float32Array.from([0.5, 0.25, 0.1, 0.2, 0.7, 0.5, -0.1, 0.25, 0.25])));
    expect(observationBox().contains(out)).toBe(true);
    expect(enc.replicas(out[0]!)).toBeCloseTo(10);
    expect(enc.rps(out[5]!)).toBeCloseTo(1000);
  });

  it('clips out-of-range and non-finite inputs into the box', () => {
    const enc = new ObservationEncoder(10, 10);
    const n = { ...emptyNamedObservation(), desired: 50, terminating: 100, demand: 1e9, demandTrend: -1e9, utilisation: Number.NaN, freeCpu: 5, traceProgress: 3 };
    const out = new Float32Array(OBSERVATION_SIZE);
    enc.encode(n, 0, out);
    expect(observationBox().contains(out)).toBe(true);
    expect(out[0]).toBe(1);
    expect(out[3]).toBe(2);
    expect(out[4]).toBe(0);
    expect(out[7]).toBe(0); // no cluster CPU: 0, not NaN
  });

  it('the box has one bound pair per named field', () => {
    const box = observationBox();
    expect(box.shape).toEqual([OBSERVATION_FIELDS.length]);
    expect(Object.keys(emptyNamedObservation())).toEqual([...OBSERVATION_FIELDS]);
  });
});
