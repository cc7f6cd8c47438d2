import fc from 'fast-check';
import {
  DEFAULT_WEIGHTS,
  energiesOf,
  fillsOf,
  objectiveOf,
  objectiveVector,
  problemOf,
  scoreOf,
  tradeSurplus,
  validateWeights,
} from '../../src/agents';
import { ErrorCodes } from '../../src/core';
import { codeOf } from '../support';
import { BAND, MAX_PRICE, offer, offersArb, termsOf } from './fixtures';

describe('the objective f(X) = C1·a × Σ Ci·Xi', () => {
  it('computes X of a set by its definitions: coverage, energy-weighted s, e, p, summed durations and multiplied qualities', () => {
    const a = offer('a', 's1', 3000, 100, { priceMicrosPerKwh: 140_000, efficiencyPpm: 980_000, durationSeconds: 6, qualityPpm: 900_000 });
    const b = offer('b', 's2', 1000, 100, { priceMicrosPerKwh: 260_000, efficiencyPpm: 960_000, durationSeconds: 12, qualityPpm: 800_000 });
    const x = objectiveVector(
      [
        { candidate: a, energyWh: 3000 },
        { candidate: b, energyWh: 1000 },
      ],
      termsOf(8000),
    );
    expect(x.a).toBe(0.5);
    // s: (320000 - 140000 - 20000) / 240000 = 2/3 and (320000 - 260000 - 20000) / 240000 = 1/6, weighted 3:1.
    expect(x.s).toBeCloseTo((3 * (2 / 3) + 1 / 6) / 4, 12);
    expect(x.e).toBeCloseTo((3 * 0.98 + 0.96) / 4, 12);
    expect(x.t).toBeCloseTo(1 - 18 / 60, 12);
    expect(x.q).toBeCloseTo(0.72, 12);
    expect(x.p).toBeCloseTo(0.5, 12);
    const w = DEFAULT_WEIGHTS;
    expect(objectiveOf(x, w)).toBeCloseTo(0.5 * (0.35 * x.s + 0.15 * x.e + 0.1 * x.t + 0.3 * x.q + 0.1 * x.p), 12);
  });

  it('treats a seller with two offers as one transaction: its slowest duration, its lowest quality', () => {
    const a = offer('a', 's1', 500, 1, { durationSeconds: 4, qualityPpm: 900_000 });
    const b = offer('b', 's1', 500, 1, { durationSeconds: 9, qualityPpm: 950_000 });
    const x = objectiveVector(
      [
        { candidate: a, energyWh: 500 },
        { candidate: b, energyWh: 500 },
      ],
      termsOf(1000),
    );
    expect([x.t, x.q]).toEqual([1 - 9 / 60, 0.9]);
  });

  it('clips the trade surplus to [0, 1]', () => {
    expect(tradeSurplus(80_000, termsOf(1))).toBeCloseTo(220_000 / 240_000, 12);
    expect(tradeSurplus(310_000, termsOf(1))).toBe(0);
    expect(tradeSurplus(0, { ...termsOf(1), gridFeeMicrosPerKwh: 0 })).toBe(1);
  });

  it('prefers one seller to two for the same energy at the same price', () => {
    const one = [offer('a', 's1', 1000, 1), offer('b', 's1', 1000, 1)];
    const two = [offer('a', 's1', 1000, 1), offer('b', 's2', 1000, 1)];
    const score = (offers: typeof one) => {
      const fills = offers.map((candidate) => ({ candidate, energyWh: 1000 }));
      return objectiveOf(objectiveVector(fills, termsOf(2000)), DEFAULT_WEIGHTS);
    };
    expect(score(one)).toBeGreaterThan(score(two));
  });

  it('scores a set in the solvers exactly as the reference formula does', () => {
    fc.assert(
      fc.property(offersArb(8), fc.integer({ min: 1, max: 20_000 }), (offers, demand) => {
        const problem = problemOf(offers, termsOf(demand), DEFAULT_WEIGHTS, MAX_PRICE);
        const members = problem.candidates.map((_, i) => i).filter((i) => i % 2 === 0);
        const scored = scoreOf(problem, members);
        if (energiesOf(problem, members) === null || members.length === 0) return expect(scored.score).toBe(-Infinity);
        expect(scored.score).toBeCloseTo(objectiveOf(objectiveVector(fillsOf(problem, members), problem.terms), DEFAULT_WEIGHTS), 10);
      }),
    );
  });

  it('hands out the energies of a set optimally: no feasible other split of the same offers scores higher', () => {
    fc.assert(
      fc.property(
        offersArb(5),
        fc.integer({ min: 1, max: 12_000 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true })),
        (offers, demand, u) => {
          const problem = problemOf(offers, termsOf(demand), DEFAULT_WEIGHTS, MAX_PRICE);
          const members = problem.candidates.map((_, i) => i);
          const energies = energiesOf(problem, members);
          if (energies === null || members.length === 0) return;
          // Another split: each offer between its minimum and its energy, the total within the demand.
          let rest = demand - members.reduce((s, i) => s + problem.candidates[i].minEnergyWh, 0);
          const other = members.map((i, k) => {
            const c = problem.candidates[i];
            const more = Math.min(rest, Math.floor((u[k] ?? 0.5) * (c.energyWh - c.minEnergyWh)));
            rest -= more;
            return { candidate: c, energyWh: c.minEnergyWh + more };
          });
          const best = objectiveOf(objectiveVector(fillsOf(problem, members), problem.terms), DEFAULT_WEIGHTS);
          expect(objectiveOf(objectiveVector(other, problem.terms), DEFAULT_WEIGHTS)).toBeLessThanOrEqual(best + 1e-12);
        },
      ),
    );
  });

  it('refuses weights out of shape with AGENT_INPUT_INVALID', () => {
    expect(validateWeights({ ...DEFAULT_WEIGHTS, surplus: 2 })).toEqual({ ...DEFAULT_WEIGHTS, surplus: 2 });
    for (const bad of [
      { ...DEFAULT_WEIGHTS, surplus: -1 },
      { ...DEFAULT_WEIGHTS, extra: 1 },
      { ...DEFAULT_WEIGHTS, availability: 0 },
      null,
    ])
      expect(codeOf(() => validateWeights(bad))).toBe(ErrorCodes.AGENT_INPUT_INVALID);
    expect(BAND.retailMicrosPerKwh).toBeGreaterThan(MAX_PRICE);
  });
});
