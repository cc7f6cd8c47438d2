import fc from 'fast-check';
import { ErrorCodes, UTILITY_ACCOUNT } from '../../src/core';
import { connectionState, islandClearing, islandPriceOf, settleIslandedInterval, validateIslandChange } from '../../src/grid';
import { clearAuction, netBalances, Order, settleInterval, settlementPage, settlementPlan } from '../../src/market';

const params = { feedInMicrosPerKwh: 10_000, retailMicrosPerKwh: 100_000, gridFeeMicrosPerKwh: 4_000, kPpm: 500_000 };
const settleParams = { ...params, utilityId: UTILITY_ACCOUNT };
const order = (participantId: string, side: 'buy' | 'sell', energyWh: number, price: number): Order => ({
  orderId: `o-${participantId}`,
  participantId,
  side,
  energyWh,
  priceMicrosPerKwh: price,
  placedAt: '2026-11-23T08:00:00Z',
});
const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return 'none';
};

describe('islandClearing: what the book cannot serve locally, curtailed in priority order', () => {
  const state = {
    since: '2026-11-23T10:00:00Z',
    cause: 'utility' as const,
    loadPriorities: { clinic: 'critical' as const, ev: 'deferrable' as const },
  };

  it('cuts demand beyond the offered supply, the deferrable load first and the critical one last, whatever the bids', () => {
    const book = [
      order('s1', 'sell', 700, 50_000),
      order('clinic', 'buy', 500, 20_000),
      order('ev', 'buy', 300, 90_000),
      order('h1', 'buy', 400, 90_000),
    ];
    const out = islandClearing(book, state);
    expect(out).toMatchObject({ mode: 'islanded', demandWh: 1200, supplyWh: 700, curtailedWh: 500 });
    expect(Object.fromEntries(out.curtailments.map((c) => [c.loadId, c.curtailedWh]))).toEqual({ clinic: 0, ev: 300, h1: 200 });
  });

  it('curtails nothing when local supply covers the demand', () => {
    const out = islandClearing([order('s1', 'sell', 700, 50_000), order('h1', 'buy', 400, 10_000)], state);
    expect([out.curtailedWh, out.curtailments[0].servedWh]).toEqual([0, 400]);
  });
});

describe('settleIslandedInterval: no utility leg, deviations shared among the participants', () => {
  it('property: no deviation posting with the utility, credits conserved, paged like the whole', () => {
    const arb = fc.array(
      fc.record({
        side: fc.constantFrom('buy' as const, 'sell' as const),
        energyWh: fc.integer({ min: 1, max: 90 }),
        step: fc.integer({ min: 2, max: 9 }),
        net: fc.integer({ min: 0, max: 120 }),
      }),
      { minLength: 1, maxLength: 12 },
    );
    fc.assert(
      fc.property(arb, (rows) => {
        const book = rows.map((r, k) => order(`p${k}`, r.side, r.energyWh, r.step * 10_000));
        const clearing = { ...clearAuction(book, params) };
        const metered = rows.map((r, k) => ({ participantId: `p${k}`, netWh: r.side === 'sell' ? r.net : -r.net }));
        const island = settleIslandedInterval(clearing, settleParams, metered);
        const connected = settleInterval(clearing, settleParams, metered);
        for (const p of island.postings) expect(p.reason.startsWith('deviation')).toBe(false);
        // The utility receives the grid fees only, and pays nothing.
        const toUtility = island.postings.filter((p) => p.to === UTILITY_ACCOUNT);
        expect(toUtility.every((p) => p.reason === 'grid-fee')).toBe(true);
        expect(island.postings.some((p) => p.from === UTILITY_ACCOUNT)).toBe(false);
        const balance = netBalances(island.postings);
        expect([...balance.values()].reduce((a, b) => a + b, 0n)).toBe(0n);
        for (const p of island.participants) expect(BigInt(p.netMicros)).toBe(balance.get(p.participantId) ?? 0n);
        expect(island.participants.map((p) => p.deviationWh)).toEqual(connected.participants.map((p) => p.deviationWh));
        // The island imbalance moves the shortfall served by others' excess at the island price, never more than the excess.
        const energy = island.postings.filter((p) => p.reason === 'island-imbalance').reduce((s, p) => s + p.energyWh, 0);
        const excess = island.participants.reduce((s, p) => s + Math.max(0, p.deviationWh), 0);
        expect(energy).toBeLessThanOrEqual(excess);
        const sizes = { trades: 1, participants: 2 };
        const plan = settlementPlan(island, clearing.trades, sizes);
        const paged = Array.from({ length: plan.pageCount }, (_, k) => settlementPage(island, clearing, plan, k, settleParams, sizes));
        const byId = (a: { postingId: string }, b: { postingId: string }) => (a.postingId < b.postingId ? -1 : 1);
        expect(paged.flatMap((p) => p.postings).sort(byId)).toEqual([...island.postings].sort(byId));
      }),
      { numRuns: 200 },
    );
  });

  it('prices the imbalance at the clearing price, or between feed-in and retail when nothing traded', () => {
    expect(islandPriceOf({ priceMicrosPerKwh: 42_000 }, params)).toBe(42_000);
    expect(islandPriceOf({ priceMicrosPerKwh: null }, params)).toBe(55_000);
  });
});

describe('validateIslandChange', () => {
  const ok = { mode: 'islanded', since: '2026-11-23T10:00:00Z', reason: 'storm' };
  it('takes the documented shape and refuses anything else with ISLAND_INPUT_INVALID', () => {
    expect(validateIslandChange(ok, 900)).toEqual({ mode: 'islanded', since: Date.parse(ok.since) / 1000, reason: 'storm' });
    for (const bad of [
      { ...ok, mode: 'off' },
      { ...ok, since: '2026-11-23T10:01:00Z' },
      { ...ok, reason: '' },
      { ...ok, reason: 'x'.repeat(201) },
      { ...ok, extra: 1 },
      { ...ok, mode: 'connected', alertId: 'al-1' },
      { ...ok, loadPriorities: { h1: 'vip' } },
      { ...ok, loadPriorities: [] },
    ])
      expect(codeOf(() => validateIslandChange(bad, 900))).toBe(ErrorCodes.ISLAND_INPUT_INVALID);
  });
});

describe('connectionState', () => {
  const open = { powerW: 10, frequencyMHz: 49_700 };
  const normal = { powerW: 3_000, frequencyMHz: 50_000 };
  it('is open on three open-looking samples, closed on three normal ones, unclear in between or with fewer', () => {
    expect(connectionState([open, open])).toBe('unclear');
    expect(connectionState([normal, open, open, open])).toBe('open');
    expect(connectionState([open, normal, normal, normal])).toBe('closed');
    expect(connectionState([open, open, normal])).toBe('unclear');
    // Balanced but held at nominal: connected; drifting with power through it: connected.
    expect(connectionState([0, 0, 0].map((powerW) => ({ powerW, frequencyMHz: 50_000 })))).toBe('closed');
    expect(connectionState([0, 0, 0].map(() => ({ powerW: 4_000, frequencyMHz: 49_600 })))).toBe('closed');
  });
});
