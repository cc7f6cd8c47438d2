import fc from 'fast-check';
import { ErrorCodes } from '../../src/core';
import {
  intervalZones,
  islandContractSettlement,
  LOAD_PRIORITIES,
  settleShedDeviations,
  sheddingClearing,
  validateShedding,
} from '../../src/grid';
import { ContractPartySettlement, Posting, settleContracts, settleInterval } from '../../src/market';

const errorOf = (f: () => unknown): { code?: string; details?: { field?: string } } | undefined => {
  try {
    f();
  } catch (e) {
    return e as { code?: string; details?: { field?: string } };
  }
};

const buy = (participantId: string, energyWh: number) => ({ participantId, side: 'buy' as const, energyWh });
const sell = (participantId: string, energyWh: number) => ({ participantId, side: 'sell' as const, energyWh });

// a tree: root ─ f1 ─ f1a, root ─ f2
const zones = [
  { zoneId: 'root', parentZoneId: null },
  { zoneId: 'f1', parentZoneId: 'root' },
  { zoneId: 'f1a', parentZoneId: 'f1' },
  { zoneId: 'f2', parentZoneId: 'root' },
];

describe('validateShedding: the documented shape, or SHEDDING_INPUT_INVALID naming the field', () => {
  const ok = { zoneId: 'f1', from: '2026-12-06T12:00:00Z', to: '2026-12-06T12:30:00Z', shedW: 4000, reason: 'feeder 1 overload' };
  it('takes a valid order and its window on the interval grid', () => {
    expect(validateShedding(ok, 900)).toEqual({ ...ok, from: Date.UTC(2026, 11, 6, 12) / 1000, to: Date.UTC(2026, 11, 6, 12, 30) / 1000 });
    expect(validateShedding({ ...ok, zoneId: undefined }, 900).zoneId).toBeNull();
  });
  it.each([
    [{ ...ok, extra: 1 }, 'extra'],
    [{ ...ok, zoneId: 'a b' }, 'zoneId'],
    [{ ...ok, from: '2026-12-06T12:01:00Z' }, 'from'],
    [{ ...ok, to: ok.from }, 'to'],
    [{ ...ok, to: '2026-12-07T12:15:00Z' }, 'to'],
    [{ ...ok, shedW: 0 }, 'shedW'],
    [{ ...ok, shedW: 1.5 }, 'shedW'],
    [{ ...ok, shedW: 3 }, 'shedW'],
    [{ ...ok, reason: '' }, 'reason'],
    [{ ...ok, reason: 'a\nb' }, 'reason'],
    [{ ...ok, loadPriorities: { clinic: 'vip' } }, 'loadPriorities'],
  ])('refuses %j (field %s)', (input, field) => {
    expect(errorOf(() => validateShedding(input, 900))).toMatchObject({ code: ErrorCodes.SHEDDING_INPUT_INVALID, details: { field } });
  });
});

describe('sheddingClearing: whom an order sheds, in the zone and below it, critical loads last', () => {
  const zoneOf = { h1: 'f1', h2: 'f1a', clinic: 'f1', h3: 'f2', ev: 'f1a' };
  const orders = [buy('h1', 600), buy('h2', 400), buy('clinic', 1000), buy('h3', 900), buy('ev', 300), sell('s1', 5000)];
  const priorities = { clinic: 'critical' as const, ev: 'deferrable' as const };

  it('takes the deferrable load whole, then the standard ones pro rata, never the critical one, nothing outside the zone', () => {
    const shed = sheddingClearing(orders, {
      orders: [{ sheddingId: 1, zoneId: 'f1', shedWh: 800, loadPriorities: priorities }],
      zoneOf,
      zones,
    });
    expect(shed.orders).toEqual([{ sheddingId: 1, zoneId: 'f1', shedWh: 800, curtailedWh: 800 }]);
    // ev 300 whole, then 500 over h1 600 / h2 400: 300 and 200.
    expect(shed.sheds).toEqual([
      { loadId: 'clinic', priority: 'critical', demandWh: 1000, shedWh: 0 },
      { loadId: 'ev', priority: 'deferrable', demandWh: 300, shedWh: 300 },
      { loadId: 'h1', priority: 'standard', demandWh: 600, shedWh: 300 },
      { loadId: 'h2', priority: 'standard', demandWh: 400, shedWh: 200 },
    ]);
    expect(shed.shedWh).toBe(800);
  });

  it('applies orders by number to what the earlier ones left; a null zone reaches every buyer', () => {
    const shed = sheddingClearing(orders, {
      orders: [
        { sheddingId: 2, zoneId: null, shedWh: 1000, loadPriorities: {} },
        { sheddingId: 1, zoneId: 'f1a', shedWh: 600, loadPriorities: priorities },
      ],
      zoneOf,
      zones,
    });
    // Order 1 first: ev 300 (deferrable), then h2 300 of 400. Order 2 (all standard) over what is left:
    // h1 600, h2 100, clinic 1000, h3 900, ev 0: 1000 pro rata to 2600.
    expect(shed.orders.map((o) => [o.sheddingId, o.curtailedWh])).toEqual([
      [1, 600],
      [2, 1000],
    ]);
    const by = Object.fromEntries(shed.sheds.map((s) => [s.loadId, s.shedWh]));
    expect(by).toEqual({ ev: 300, h2: 300 + 38, h1: 231, clinic: 385, h3: 346 });
  });

  it('property: never sheds more than asked nor more than a buyer bought, and a critical load only after every other is shed whole', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 5, maxLength: 5 }),
        fc.array(fc.constantFrom(...LOAD_PRIORITIES), { minLength: 5, maxLength: 5 }),
        fc.array(fc.constantFrom('root', 'f1', 'f1a', 'f2', null), { minLength: 5, maxLength: 5 }),
        fc.integer({ min: 1, max: 12_000 }),
        (demands, classes, where, shedWh) => {
          const book = ids.map((id, k) => buy(id, demands[k]));
          const loadPriorities = Object.fromEntries(ids.map((id, k) => [id, classes[k]]));
          const zoneOf = Object.fromEntries(ids.map((id, k) => [id, where[k]]));
          const shed = sheddingClearing(book, { orders: [{ sheddingId: 1, zoneId: 'f1', shedWh, loadPriorities }], zoneOf, zones });
          const reached = ids.filter((_, k) => where[k] === 'f1' || where[k] === 'f1a');
          const demandIn = reached.reduce((s, id) => s + demands[ids.indexOf(id)], 0);
          expect(shed.shedWh).toBe(Math.min(shedWh, demandIn));
          expect(shed.sheds.map((s) => s.loadId).sort()).toEqual(reached.sort());
          for (const s of shed.sheds) expect(s.shedWh).toBeLessThanOrEqual(s.demandWh);
          const criticalShed = shed.sheds.some((s) => s.priority === 'critical' && s.shedWh > 0);
          if (criticalShed) for (const s of shed.sheds) if (s.priority !== 'critical') expect(s.shedWh).toBe(s.demandWh);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('settleShedDeviations: a shed buyer is held harmless for what it bought and could not use', () => {
  const params = { utilityId: 'utility', feedInMicrosPerKwh: 80_000, retailMicrosPerKwh: 300_000, gridFeeMicrosPerKwh: 10_000 };
  const clearing = {
    priceMicrosPerKwh: 200_000,
    fills: [
      { orderId: 'ob', participantId: 'b', side: 'buy' as const, energyWh: 1000, filledWh: 1000, priceMicrosPerKwh: 250_000 },
      { orderId: 'os', participantId: 's', side: 'sell' as const, energyWh: 1000, filledWh: 1000, priceMicrosPerKwh: 150_000 },
    ],
    trades: [
      {
        buyOrderId: 'ob',
        sellOrderId: 'os',
        buyerId: 'b',
        sellerId: 's',
        energyWh: 1000,
        priceMicrosPerKwh: 200_000,
        amountMicros: 200_000,
        gridFeeMicros: 10_000,
      },
    ],
  };
  // b bought 1000 Wh and used 300 (700 shed-or-not-used); s delivered 1000.
  const connected = settleInterval(clearing, params, [
    { participantId: 'b', netWh: -300 },
    { participantId: 's', netWh: 1000 },
  ]);

  it('takes the shed Wh back at the price paid, the rest of the deviation at feed-in, money conserved', () => {
    const shed = settleShedDeviations(connected, [{ loadId: 'b', shedWh: 500 }], params);
    const of = (id: string) => shed.postings.find((p) => p.postingId === id);
    expect(of('shed:b')).toMatchObject({ from: 'utility', to: 'b', energyWh: 500, amountMicros: 100_000, reason: 'shed-taken' });
    expect(of('deviation:b')).toMatchObject({ from: 'utility', to: 'b', energyWh: 200, amountMicros: 16_000, reason: 'deviation-taken' });
    const before = connected.participants.find((p) => p.participantId === 'b')!.netMicros;
    const after = shed.participants.find((p) => p.participantId === 'b')!.netMicros;
    // 500 Wh at 200,000 instead of at 80,000 feed-in: 60,000 more.
    expect(after - before).toBe(60_000);
    const sum = (ps: Posting[]) => ps.reduce((s, p) => s + (p.to === 'b' ? p.amountMicros : p.from === 'b' ? -p.amountMicros : 0), 0);
    expect(sum(shed.postings)).toBe(after);
  });

  it('changes nothing for a shed that exceeds no deviation, or a participant that was not shed', () => {
    expect(settleShedDeviations(connected, [{ loadId: 's', shedWh: 500 }], params)).toEqual(connected);
    const used = settleInterval(clearing, params, [
      { participantId: 'b', netWh: -1000 },
      { participantId: 's', netWh: 1000 },
    ]);
    expect(settleShedDeviations(used, [{ loadId: 'b', shedWh: 500 }], params)).toEqual(used);
  });
});

describe('islandContractSettlement: contract-only parties share their deviations, no utility leg', () => {
  const params = { utilityId: 'utility', feedInMicrosPerKwh: 80_000, retailMicrosPerKwh: 300_000 };
  const deliveries = [
    { contractId: 'k1', sellerId: 's', buyerId: 'b', energyWh: 1000, priceMicrosPerKwh: 150_000, gridFeeMicrosPerKwh: 10_000 },
    { contractId: 'k2', sellerId: 't', buyerId: 'c', energyWh: 500, priceMicrosPerKwh: 150_000, gridFeeMicrosPerKwh: 10_000 },
  ];
  const positions = new Map([
    ['s', { netWh: 1400, estimated: false }], // 400 beyond its contract
    ['t', { netWh: 500, estimated: false }],
    ['b', { netWh: -1300, estimated: false }], // 300 beyond its contract
    ['c', { netWh: -500, estimated: false }],
  ]);
  const connected = settleContracts(deliveries, positions, new Set(), params);

  it('replaces every deviation posting with the utility by postings between the parties at the island price', () => {
    expect(connected.postings.some((p) => p.reason === 'deviation-supplied')).toBe(true);
    const island = islandContractSettlement(connected, 200_000);
    expect(island.postings.filter((p) => p.reason.startsWith('deviation'))).toEqual([]);
    expect(island.postings.filter((p) => p.reason === 'island-imbalance')).toEqual([
      {
        postingId: 'contract-island:b:s',
        from: 'b',
        to: 's',
        amountMicros: 60_000,
        energyWh: 300,
        reason: 'island-imbalance',
        orderIds: [],
      },
    ]);
    // The contracts and their fees stay; the utility receives fees only.
    const toUtility = island.postings.filter((p) => p.to === 'utility' || p.from === 'utility');
    expect(toUtility.every((p) => p.reason === 'grid-fee' && p.to === 'utility')).toBe(true);
    const net = (ps: ContractPartySettlement[]) => ps.reduce((s, p) => s + p.netMicros, 0);
    const fees = toUtility.reduce((s, p) => s + p.amountMicros, 0);
    expect(net(island.parties) + fees).toBe(0);
  });

  it('leaves out parties the spot settlement settles', () => {
    const withSpot = settleContracts(deliveries, positions, new Set(['s']), params);
    const island = islandContractSettlement(withSpot, 200_000);
    // Only b is short among the contract-only parties and no one is long among them: nothing to share.
    expect(island.postings.filter((p) => p.reason === 'island-imbalance')).toEqual([]);
  });
});

describe('intervalZones: every zone with its price, feeder flow and measured balance', () => {
  const model = [
    { zoneId: 'root', parentZoneId: null, exportLimitW: 0, importLimitW: 0, lossPpm: 0 },
    { zoneId: 'f2', parentZoneId: 'root', exportLimitW: 5000, importLimitW: 4000, lossPpm: 20_000 },
    { zoneId: 'f1', parentZoneId: 'root', exportLimitW: 3000, importLimitW: 2000, lossPpm: 10_000 },
  ];
  const measured = [
    {
      zone: 'f1',
      intervalStart: 'x',
      intervalSeconds: 900,
      ticks: 10,
      meanSupplyW: 100,
      meanDemandW: 2100,
      meanFeederFlowW: -2000,
      peakLoadingPpm: 1_000_000,
      minFrequencyMHz: 49_990,
      maxFrequencyMHz: 50_010,
      minVoltageMv: 229_000,
      maxVoltageMv: 231_000,
    },
  ];

  it('a zonal clearing: each zone its area price and its feeder; the root none', () => {
    const clearing = {
      priceMicrosPerKwh: 150_000,
      zones: [
        { zoneId: 'root', areaZoneId: 'root', priceMicrosPerKwh: 150_000 },
        { zoneId: 'f1', areaZoneId: 'f1', priceMicrosPerKwh: 210_000 },
        { zoneId: 'f2', areaZoneId: 'root', priceMicrosPerKwh: 150_000 },
      ],
      feeders: [
        { zoneId: 'f1', parentZoneId: 'root', flowWh: -500, binding: 'import', lossWh: 5, lossMicros: 1050, congestionRentMicros: 30_000 },
        { zoneId: 'f2', parentZoneId: 'root', flowWh: 200, binding: null, lossWh: 4, lossMicros: 600, congestionRentMicros: 0 },
      ],
    };
    const view = intervalZones(model, clearing as never, measured);
    expect(
      view.map((z) => [z.zoneId, z.priceMicrosPerKwh, z.areaZoneId, z.feeder?.flowWh ?? null, z.measured?.meanFeederFlowW ?? null]),
    ).toEqual([
      ['f1', 210_000, 'f1', -500, -2000],
      ['f2', 150_000, 'root', 200, null],
      ['root', 150_000, 'root', null, null],
    ]);
    expect(view[0].feeder).toEqual({ flowWh: -500, binding: 'import', lossWh: 5, lossMicros: 1050, congestionRentMicros: 30_000 });
    expect(view[0].importLimitW).toBe(2000);
  });

  it('a uniform clearing gives every zone its one price; before the clearing there is none', () => {
    expect(intervalZones(model, { priceMicrosPerKwh: 99_000 }, []).map((z) => [z.priceMicrosPerKwh, z.areaZoneId, z.feeder])).toEqual([
      [99_000, 'root', null],
      [99_000, 'root', null],
      [99_000, 'root', null],
    ]);
    expect(intervalZones(model, undefined, measured).map((z) => [z.priceMicrosPerKwh, z.measured?.ticks ?? null])).toEqual([
      [null, 10],
      [null, null],
      [null, null],
    ]);
  });
});
