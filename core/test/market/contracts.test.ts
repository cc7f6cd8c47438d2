import fc from 'fast-check';
import { ErrorCodes, formatInstant, parseInstant } from '../../src/core';
import {
  ContractTerms,
  contractEscrowMicros,
  correctContractParty,
  deliveryDays,
  deliversIn,
  deliverySchedule,
  netBalances,
  settleContracts,
  settleInterval,
  spotPosition,
  validateContractTerms,
} from '../../src/market';
import { codeOf } from '../support';

const market = { intervalSeconds: 900, feedInMicrosPerKwh: 50_000, retailMicrosPerKwh: 300_000 };
const settlement = { feedInMicrosPerKwh: 50_000, retailMicrosPerKwh: 300_000, gridFeeMicrosPerKwh: 10_000, utilityId: 'utility' };
const terms: ContractTerms = {
  communityId: 'c1',
  sellerId: 'S',
  buyerId: 'B',
  energyWhPerInterval: 1000,
  priceMicrosPerKwh: 120_000,
  firstDay: '2026-12-01',
  lastDay: '2026-12-03',
  dailyFrom: '10:00',
  dailyTo: '14:00',
};
const at = (text: string) => parseInstant(text)!;

describe('contract terms', () => {
  it('accepts the documented terms and refuses each bad field with CONTRACT_INVALID naming it', () => {
    expect(validateContractTerms(terms, market)).toEqual(terms);
    const bad: [Record<string, unknown>, string][] = [
      [{ buyerId: 'S' }, 'buyerId'],
      [{ sellerId: 'no spaces' }, 'sellerId'],
      [{ energyWhPerInterval: 0 }, 'energyWhPerInterval'],
      [{ priceMicrosPerKwh: 300_001 }, 'priceMicrosPerKwh'],
      [{ priceMicrosPerKwh: 49_999 }, 'priceMicrosPerKwh'],
      [{ firstDay: '2026-02-30' }, 'firstDay'],
      [{ lastDay: '2026-11-30' }, 'lastDay'],
      [{ lastDay: '2027-01-01' }, 'lastDay'],
      [{ dailyFrom: '10:05' }, 'dailyFrom'],
      [{ dailyTo: '10:00' }, 'dailyTo'],
      [{ dailyTo: '24:15' }, 'dailyTo'],
      [{ extra: 1 }, 'extra'],
    ];
    for (const [change, field] of bad) {
      let details: unknown;
      try {
        validateContractTerms({ ...terms, ...change }, market);
      } catch (e) {
        details = e;
      }
      expect(details).toMatchObject({ code: ErrorCodes.CONTRACT_INVALID, details: { field } });
    }
  });

  it('delivers in every interval from 10:00 to 14:00 UTC of each day, and escrows exactly what the deliveries take', () => {
    // 3 days × 16 quarter hours.
    expect(deliverySchedule(terms, 900)).toEqual({ firstStart: at('2026-12-01T10:00:00Z'), perDay: 16, count: 48 });
    expect(deliversIn(terms, at('2026-12-01T10:00:00Z'), 900)).toBe(true);
    expect(deliversIn(terms, at('2026-12-03T13:45:00Z'), 900)).toBe(true);
    expect(deliversIn(terms, at('2026-12-03T14:00:00Z'), 900)).toBe(false);
    expect(deliversIn(terms, at('2026-12-01T09:45:00Z'), 900)).toBe(false);
    expect(deliversIn(terms, at('2026-12-04T10:00:00Z'), 900)).toBe(false);
    // Each delivery: 1,000 Wh × 120,000 µ/kWh = 120,000 µ plus 10,000 µ fee; 48 of them.
    expect(contractEscrowMicros(terms, 900, 10_000)).toBe(48 * 130_000);
  });

  it('counts exactly the intervals deliversIn says (any window on the grid, any day range)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 3 }),
        (fromHour, hours, days) => {
          const t = {
            ...terms,
            dailyFrom: `${String(fromHour).padStart(2, '0')}:00`,
            dailyTo: `${String(Math.min(fromHour + hours, 24)).padStart(2, '0')}:00`,
            lastDay: formatInstant(at('2026-12-01T00:00:00Z') + (days - 1) * 86_400).slice(0, 10),
          };
          let n = 0;
          for (let s = at('2026-11-30T00:00:00Z'); s < at('2026-12-06T00:00:00Z'); s += 900) if (deliversIn(t, s, 900)) n += 1;
          expect(n).toBe(deliverySchedule(t, 900).count);
        },
      ),
      { numRuns: 50 },
    );
  });
});

const delivery = (contractId: string, sellerId: string, buyerId: string, energyWh: number, priceMicrosPerKwh = 120_000) => ({
  contractId,
  sellerId,
  buyerId,
  energyWh,
  priceMicrosPerKwh,
  gridFeeMicrosPerKwh: 10_000,
});
const positions = (p: Record<string, number>, estimated: string[] = []) =>
  new Map(Object.entries(p).map(([id, netWh]) => [id, { netWh, estimated: estimated.includes(id) }]));
const net = (r: ReturnType<typeof settleContracts>) => Object.fromEntries(r.parties.map((p) => [p.participantId, p.netMicros]));

describe('contracts spanning midnight', () => {
  const night = { ...terms, dailyFrom: '22:00', dailyTo: '02:00', lastDay: '2026-12-02' };

  it('delivers from 22:00 to 02:00 the next morning, for each of its days, and indexes the day after the last', () => {
    expect(validateContractTerms(night, market)).toEqual(night);
    // 2 days × 16 quarter hours.
    expect(deliverySchedule(night, 900)).toEqual({ firstStart: at('2026-12-01T22:00:00Z'), perDay: 16, count: 32 });
    for (const [instant, delivers] of [
      ['2026-12-01T21:45:00Z', false],
      ['2026-12-01T22:00:00Z', true],
      ['2026-12-01T23:45:00Z', true],
      ['2026-12-02T00:00:00Z', true],
      ['2026-12-02T01:45:00Z', true],
      ['2026-12-02T02:00:00Z', false],
      ['2026-12-01T01:45:00Z', false],
      ['2026-12-03T01:45:00Z', true],
      ['2026-12-03T22:00:00Z', false],
      ['2026-12-04T00:00:00Z', false],
    ] as const)
      expect([instant, deliversIn(night, at(instant), 900)]).toEqual([instant, delivers]);
    expect(deliveryDays(night)).toEqual(['2026-12-01', '2026-12-02', '2026-12-03']);
    expect(deliveryDays(terms)).toEqual(['2026-12-01', '2026-12-02', '2026-12-03']);
    expect(deliveryDays({ ...night, dailyTo: '00:00' })).toEqual(['2026-12-01', '2026-12-02']);
    expect(contractEscrowMicros(night, 900, 10_000)).toBe(32 * 130_000);
    expect(codeOf(() => validateContractTerms({ ...night, dailyTo: '22:00' }, market))).toBe(ErrorCodes.CONTRACT_INVALID);
    expect(codeOf(() => validateContractTerms({ ...night, dailyFrom: '24:00' }, market))).toBe(ErrorCodes.CONTRACT_INVALID);
  });

  it('counts exactly the intervals deliversIn says, each on a day deliveryDays names, for any window including past midnight', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 95 }),
        fc.integer({ min: 1, max: 95 }),
        fc.integer({ min: 1, max: 3 }),
        (fromQ, lengthQ, days) => {
          const hhmm = (q: number) => `${String(Math.floor((q % 96) / 4)).padStart(2, '0')}:${String((q % 4) * 15).padStart(2, '0')}`;
          const t = {
            ...terms,
            dailyFrom: hhmm(fromQ),
            dailyTo: hhmm(fromQ + lengthQ),
            lastDay: formatInstant(at('2026-12-01T00:00:00Z') + (days - 1) * 86_400).slice(0, 10),
          };
          let n = 0;
          const onDays = new Set<string>();
          for (let s = at('2026-11-29T00:00:00Z'); s < at('2026-12-07T00:00:00Z'); s += 900) {
            if (deliversIn(t, s, 900)) {
              n += 1;
              onDays.add(formatInstant(s).slice(0, 10));
            }
          }
          expect(n).toBe(deliverySchedule(t, 900).count);
          expect(n).toBe(days * lengthQ);
          expect([...onDays].every((d) => deliveryDays(t).includes(d))).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('settleContracts, hand-computed', () => {
  it('exact delivery, seller shortfall, seller excess and buyer under-consumption, by the spot rules', () => {
    const c = [delivery('k1', 'S', 'B', 1000)];
    // Exact: 120,000 to the seller, 130,000 from the buyer.
    expect(net(settleContracts(c, positions({ S: 1000, B: -1000 }), new Set(), settlement))).toEqual({ S: 120_000, B: -130_000 });
    // Shortfall of 400 Wh at retail: 120,000 − 120,000.
    expect(net(settleContracts(c, positions({ S: 600, B: -1000 }), new Set(), settlement))).toEqual({ S: 0, B: -130_000 });
    // Excess 300 Wh at feed-in: +15,000.
    expect(net(settleContracts(c, positions({ S: 1300, B: -1000 }), new Set(), settlement))).toEqual({ S: 135_000, B: -130_000 });
    // The buyer used 700 Wh: 300 Wh sold back at feed-in, +15,000.
    const r = settleContracts(c, positions({ S: 1000, B: -700 }), new Set(), settlement);
    expect(net(r)).toEqual({ S: 120_000, B: -115_000 });
    expect(r.postings.map((p) => p.postingId)).toEqual(['contract:k1', 'contract-fee:k1', 'deviation:B']);
    expect(r.tokenTransfers).toEqual([{ contractId: 'k1', sellerId: 'S', buyerId: 'B', energyWh: 1000 }]);
  });

  it('leaves the deviation of a party that trades spot too to the spot settlement, which sees the position minus the contract', () => {
    const r = settleContracts([delivery('k1', 'S', 'B', 1000)], positions({ S: 1500, B: -1000 }), new Set(['S']), settlement);
    expect(r.parties.find((p) => p.participantId === 'S')).toMatchObject({ deviationWh: null, netMicros: 120_000 });
    expect(r.postings.some((p) => p.postingId === 'deviation:S')).toBe(false);
    expect(spotPosition(1500, 1000, 0)).toBe(500);
  });

  it(
    "shares a seller's delivered energy over its contracts pro rata " + 'for tokens; an estimated position is settled in money and flagged',
    () => {
      const r = settleContracts(
        [delivery('k2', 'S', 'B2', 1000), delivery('k1', 'S', 'B', 3000)],
        positions({ S: 2000, B: -3000, B2: -1000 }, ['S']),
        new Set(),
        settlement,
      );
      expect(r.tokenTransfers).toEqual([
        { contractId: 'k1', sellerId: 'S', buyerId: 'B', energyWh: 1500 },
        { contractId: 'k2', sellerId: 'S', buyerId: 'B2', energyWh: 500 },
      ]);
      expect(r.parties.find((p) => p.participantId === 'S')).toMatchObject({ estimated: true, deviationWh: -2000 });
      expect(codeOf(() => settleContracts([delivery('k1', 'S', 'B', 1000)], positions({ S: 1 }), new Set(), settlement))).toBe(
        ErrorCodes.SETTLEMENT_METERING_INCOMPLETE,
      );
    },
  );
});

describe('settleContracts, properties', () => {
  it('conserves money and settles a contract-only pair exactly as the spot settlement settles the same trade', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 50_000, max: 300_000 }),
        fc.integer({ min: -2_000_000, max: 2_000_000 }),
        fc.integer({ min: -2_000_000, max: 2_000_000 }),
        (energyWh, price, sellerNet, buyerNet) => {
          const r = settleContracts(
            [delivery('k1', 'S', 'B', energyWh, price)],
            positions({ S: sellerNet, B: buyerNet }),
            new Set(),
            settlement,
          );
          const sum = [...netBalances(r.postings).values()].reduce((s, v) => s + v, 0n);
          expect(sum).toBe(0n);
          const amountMicros = Math.floor((energyWh * price) / 1000);
          const gridFeeMicros = Math.floor((energyWh * 10_000) / 1000);
          const clearing = {
            priceMicrosPerKwh: price,
            fills: [
              { orderId: 'b', participantId: 'B', side: 'buy' as const, energyWh, filledWh: energyWh, priceMicrosPerKwh: price },
              { orderId: 's', participantId: 'S', side: 'sell' as const, energyWh, filledWh: energyWh, priceMicrosPerKwh: price },
            ],
            trades: [
              {
                buyOrderId: 'b',
                sellOrderId: 's',
                buyerId: 'B',
                sellerId: 'S',
                energyWh,
                priceMicrosPerKwh: price,
                amountMicros,
                gridFeeMicros,
              },
            ],
          };
          const spot = settleInterval(clearing, settlement, [
            { participantId: 'S', netWh: sellerNet },
            { participantId: 'B', netWh: buyerNet },
          ]);
          expect(net(r)).toEqual(Object.fromEntries(spot.participants.map((p) => [p.participantId, p.netMicros])));
          expect(r.tokenTransfers.reduce((s, t) => s + t.energyWh, 0)).toBe(spot.tokenTransfers.reduce((s, t) => s + t.energyWh, 0));
        },
      ),
    );
  });
});

describe('correction of an estimated contract-only party', () => {
  const deliveries = [delivery('k1', 'S', 'B', 500)];

  it("settles the verified position once: the difference of the deviations, and the seller's delivered energy for tokens", () => {
    // S estimated at 0 Wh: 500 Wh short at retail, −150,000 µ, after +60,000 for the contract.
    const settled = settleContracts(deliveries, positions({ S: 0, B: -500 }, ['S']), new Set(), settlement);
    const party = settled.parties.find((p) => p.participantId === 'S')!;
    expect(party).toMatchObject({ estimated: true, deviationWh: -500, netMicros: -90_000 });
    // Verified: it exported 450 Wh: 50 Wh short, −15,000 µ instead of −150,000 µ: +135,000 µ from the utility.
    const r = correctContractParty(party, 450, deliveries, settlement);
    expect(r.posting).toEqual({
      postingId: 'contract-correction:S',
      from: 'utility',
      to: 'S',
      amountMicros: 135_000,
      energyWh: 450,
      reason: 'correction',
      orderIds: [],
    });
    expect(r.party).toMatchObject({ participantId: 'S', netWh: 450, estimated: false, deviationWh: -50, netMicros: 45_000 });
    expect(r.delivered).toEqual([{ contractId: 'k1', sellerId: 'S', buyerId: 'B', energyWh: 450 }]);
    // Once only, and never for a party the spot settlement settles.
    expect(codeOf(() => correctContractParty(r.party, 450, deliveries, settlement))).toBe(ErrorCodes.SETTLEMENT_INPUT_INVALID);
    expect(codeOf(() => correctContractParty({ ...party, deviationWh: null }, 450, deliveries, settlement))).toBe(
      ErrorCodes.SETTLEMENT_INPUT_INVALID,
    );
  });

  it('ends every party exactly where a settlement on the verified position would have put it', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            seller: fc.constantFrom('S', 'T'),
            buyer: fc.constantFrom('B', 'T'),
            energyWh: fc.integer({ min: 1, max: 100_000 }),
            price: fc.integer({ min: 50_000, max: 300_000 }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.record({
          S: fc.integer({ min: -200_000, max: 200_000 }),
          T: fc.integer({ min: -200_000, max: 200_000 }),
          B: fc.integer({ min: -200_000, max: 200_000 }),
        }),
        fc.record({
          S: fc.integer({ min: -200_000, max: 200_000 }),
          T: fc.integer({ min: -200_000, max: 200_000 }),
          B: fc.integer({ min: -200_000, max: 200_000 }),
        }),
        (list, estimate, verified) => {
          const ds = list.filter((d) => d.seller !== d.buyer).map((d, k) => delivery(`k${k}`, d.seller, d.buyer, d.energyWh, d.price));
          if (ds.length === 0) return;
          const onEstimate = settleContracts(ds, positions(estimate, ['S', 'T', 'B']), new Set(), settlement);
          const onVerified = settleContracts(ds, positions(verified), new Set(), settlement);
          for (const party of onEstimate.parties) {
            const r = correctContractParty(party, verified[party.participantId as 'S'], ds, settlement);
            const expected = onVerified.parties.find((p) => p.participantId === party.participantId)!;
            expect(r.party).toEqual(expected);
            const sum = (ts: { contractId: string; energyWh: number }[]) =>
              ts
                .filter((t) => ds.find((d) => d.contractId === t.contractId)!.sellerId === party.participantId)
                .reduce((s, t) => s + t.energyWh, 0);
            expect(sum(r.delivered)).toBe(sum(onVerified.tokenTransfers));
          }
        },
      ),
    );
  });
});
