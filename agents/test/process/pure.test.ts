import { execFileSync } from 'node:child_process';
import { UNLIMITED_MANDATE, type Mandate } from '@gridledger/core';
import fc from 'fast-check';
import {
  agentIdOf,
  agentKeyOf,
  answerRequests,
  auctionBid,
  communityBalance,
  ConfigInvalid,
  newAgentKey,
  nextCycleInterval,
  parseConfig,
  positionIn,
  visibleOffers,
  type OfferTerms,
} from '../../src/process/index.js';
import type { SurplusRecord } from '../../src/dht/index.js';

const band = { feedInMicrosPerKwh: 50_000, retailMicrosPerKwh: 300_000, gridFeeMicrosPerKwh: 10_000 };
const home = { participantId: 'home-1', meterIds: ['home-1.main'], apiKey: 'k1', agentKeyPem: 'pem' };

describe('configuration', () => {
  const valid = { communityId: 'c-1', gatewayUrl: 'http://127.0.0.1:8081', positionsFile: '/tmp/p.json', homes: [home] };

  it('fills the defaults and keeps what is given', () => {
    const c = parseConfig(valid);
    expect(c).toMatchObject({ dhtHost: '127.0.0.1', bootstrap: [], leadSeconds: 120, buyerDelaySeconds: 20, pollMs: 1000 });
    expect(c.homes).toEqual([{ ...home, zoneId: 'default', dhtPort: 0 }]);
    expect(parseConfig({ ...valid, leadSeconds: 90, buyerDelaySeconds: 30 })).toMatchObject({ leadSeconds: 90, buyerDelaySeconds: 30 });
  });

  it.each([
    [{ ...valid, homes: [] }, 'homes'],
    [{ ...valid, communityId: 'bad id' }, 'communityId'],
    [{ ...valid, homes: [{ ...home, meterIds: [] }] }, 'homes[0].meterIds'],
    [{ ...valid, homes: [{ ...home, apiKey: '' }] }, 'homes[0].apiKey'],
    [{ ...valid, homes: [{ ...home, dhtPort: 70_000 }] }, 'homes[0].dhtPort'],
    [{ ...valid, homes: [home, home] }, 'homes[1].participantId'],
    [{ ...valid, leadSeconds: 60, buyerDelaySeconds: 61 }, 'buyerDelaySeconds'],
    [{ ...valid, positionsFile: '' }, 'positionsFile'],
  ])('refuses a bad field, naming it (%#)', (input, field) => {
    expect(() => parseConfig(input)).toThrow(ConfigInvalid);
    try {
      parseConfig(input);
    } catch (e) {
      expect((e as ConfigInvalid).field).toBe(field);
    }
  });
});

describe('planned positions', () => {
  const plan = { 'home-1': { '2026-12-06T20:00:00Z': { netWh: -600 }, '2026-12-06T20:01:00Z': { netWh: 900, batteryWh: 200 } } };
  it("reads a home's interval, and nothing for another home, interval or a bad entry", () => {
    expect(positionIn(plan, 'home-1', '2026-12-06T20:00:00Z')).toEqual({ netWh: -600, batteryWh: 0 });
    expect(positionIn(plan, 'home-1', '2026-12-06T20:01:00Z')).toEqual({ netWh: 900, batteryWh: 200 });
    expect(positionIn(plan, 'home-2', '2026-12-06T20:00:00Z')).toBeUndefined();
    expect(positionIn(plan, 'home-1', '2026-12-06T20:02:00Z')).toBeUndefined();
    expect(positionIn({ 'home-1': { t: { netWh: 1.5 } } }, 'home-1', 't')).toBeUndefined();
    expect(positionIn({ 'home-1': { t: { netWh: 5, batteryWh: -1 } } }, 'home-1', 't')).toBeUndefined();
    expect(positionIn(null, 'home-1', 't')).toBeUndefined();
  });
});

describe("a seller's answers", () => {
  const offer = { energyWh: 2000, acceptedWh: 200, priceMicrosPerKwh: 120_000 };
  const req = (n: number, energyWh: number) => ({ requestId: `r${n}`, buyerId: `b${n}`, energyWh });

  it('accepts in order while the offer has energy, refuses the rest for quantity', () => {
    expect(answerRequests(offer, [req(1, 600), req(2, 600), req(3, 1000), req(4, 600)], UNLIMITED_MANDATE, 0)).toEqual({
      accept: ['r1', 'r2', 'r4'],
      refuse: [{ requestId: 'r3', reason: 'quantity' }],
    });
  });

  it("refuses on price when the owner's minimum is above the offer's price, and everything with automation off", () => {
    const raised = { ...UNLIMITED_MANDATE, minSellPriceMicrosPerKwh: 130_000 };
    expect(answerRequests(offer, [req(1, 100)], raised, 0).refuse).toEqual([{ requestId: 'r1', reason: 'price' }]);
    expect(answerRequests(offer, [req(1, 100)], { ...UNLIMITED_MANDATE, automation: false }, 0).refuse).toEqual([
      { requestId: 'r1', reason: 'other' },
    ]);
    expect(answerRequests(offer, [req(1, 100)], undefined, 0).accept).toEqual([]);
  });

  it("keeps to the mandate's energy per interval, counting what was sold before", () => {
    const limited = { ...UNLIMITED_MANDATE, maxEnergyWhPerInterval: 1000 };
    expect(answerRequests(offer, [req(1, 300), req(2, 300), req(3, 100)], limited, 500)).toEqual({
      accept: ['r1', 'r3'],
      refuse: [{ requestId: 'r2', reason: 'quantity' }],
    });
  });

  it('never accepts beyond the offer or the mandate (property)', () => {
    const mandate = fc.record({
      minSellPriceMicrosPerKwh: fc.option(fc.integer({ min: 0, max: 300_000 }), { nil: null }),
      maxBuyPriceMicrosPerKwh: fc.constant(null),
      maxEnergyWhPerInterval: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: null }),
      batteryReserveWh: fc.constant(0),
      preferredSources: fc.constant<Mandate['preferredSources']>([]),
      locality: fc.constant('community' as const),
      automation: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 300_000 }),
        fc.array(fc.integer({ min: 1, max: 2000 }), { maxLength: 12 }),
        mandate,
        fc.integer({ min: 0, max: 3000 }),
        (energyWh, accepted, price, sizes, m: Mandate, soldWh) => {
          const o = { energyWh, acceptedWh: Math.min(accepted, energyWh), priceMicrosPerKwh: price };
          const pending = sizes.map((e, k) => req(k, e));
          const a = answerRequests(o, pending, m, soldWh);
          expect(a.accept.length + a.refuse.length).toBe(pending.length);
          const taken = pending.filter((r) => a.accept.includes(r.requestId)).reduce((s, r) => s + r.energyWh, 0);
          expect(taken).toBeLessThanOrEqual(o.energyWh - o.acceptedWh);
          if (taken > 0) {
            expect(m.automation).toBe(true);
            expect(price).toBeGreaterThanOrEqual(m.minSellPriceMicrosPerKwh ?? 0);
            expect(soldWh + taken).toBeLessThanOrEqual(m.maxEnergyWhPerInterval ?? Number.MAX_SAFE_INTEGER);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the market as an agent sees it', () => {
  const record = (
    agentId: string,
    balance: 'surplus' | 'deficit',
    energyWh: number,
    offers: SurplusRecord['offers'] = [],
  ): SurplusRecord => ({
    communityId: 'c-1',
    agentId,
    meterId: `${agentId}.main`,
    zoneId: 'z1',
    intervalStart: 1_800_000_000,
    intervalEnd: 1_800_000_060,
    balance,
    energyWh,
    offers,
    seq: 1,
  });

  it("sums the community's supply and demand from the records", () => {
    expect(communityBalance([record('a', 'surplus', 900), record('b', 'deficit', 400), record('c', 'deficit', 700)])).toEqual({
      supplyWh: 900,
      demandWh: 1100,
    });
    expect(communityBalance([])).toEqual({ supplyWh: 0, demandWh: 0 });
  });

  it("lists the records' offers with the ledger's terms, leaving out offers without terms and those excluded", () => {
    const records = [
      record('a', 'surplus', 900, [{ offerId: 'o1', energyWh: 900, priceMicrosPerKwh: 120_000 }]),
      record('b', 'surplus', 500, [{ offerId: 'o2', energyWh: 50, priceMicrosPerKwh: 110_000 }]),
      record('c', 'surplus', 500, [{ offerId: 'o3', energyWh: 500, priceMicrosPerKwh: 100_000 }]),
      record('d', 'deficit', 500),
    ];
    const terms = new Map<string, OfferTerms>([
      ['o1', { offerId: 'o1', sellerId: 'a', minEnergyWh: 100, sources: ['solar'], zone: 'z2' }],
      ['o2', { offerId: 'o2', sellerId: 'b', minEnergyWh: 100, sources: [], zone: null }],
      ['o3', { offerId: 'o3', sellerId: 'c', minEnergyWh: 100, sources: [], zone: null }],
    ]);
    const seen = visibleOffers(records, terms, new Set(['o3']));
    expect(seen.map((o) => [o.offerId, o.sellerId, o.energyWh, o.minEnergyWh, o.zoneId, o.sources])).toEqual([
      ['o1', 'a', 900, 100, 'z2', ['solar']],
      ['o2', 'b', 50, 50, 'z1', []],
    ]);
    expect(visibleOffers(records, new Map()).length).toBe(0);
  });

  it('bids what the bilateral trades left: a deficit at the mandate maximum, a surplus at its minimum', () => {
    const tally = { soldWh: 0, boughtWh: 400, offeredWh: 0, requestedWh: 0 };
    expect(auctionBid({ netWh: -600, batteryWh: 0 }, tally, { ...UNLIMITED_MANDATE, maxBuyPriceMicrosPerKwh: 90_000 }, band)).toEqual({
      side: 'buy',
      energyWh: 200,
      priceMicrosPerKwh: 90_000,
    });
    expect(auctionBid({ netWh: -600, batteryWh: 0 }, tally, UNLIMITED_MANDATE, band)?.priceMicrosPerKwh).toBe(300_000);
    expect(auctionBid({ netWh: -400, batteryWh: 0 }, tally, UNLIMITED_MANDATE, band)).toBeUndefined();
    const sold = { ...tally, boughtWh: 0, soldWh: 1500 };
    expect(auctionBid({ netWh: 2000, batteryWh: 0 }, sold, { ...UNLIMITED_MANDATE, minSellPriceMicrosPerKwh: 170_000 }, band)).toEqual({
      side: 'sell',
      energyWh: 500,
      priceMicrosPerKwh: 170_000,
    });
    expect(auctionBid({ netWh: 2000, batteryWh: 0 }, sold, UNLIMITED_MANDATE, band)?.priceMicrosPerKwh).toBe(50_000);
    expect(
      auctionBid({ netWh: 2000, batteryWh: 0 }, sold, { ...UNLIMITED_MANDATE, minSellPriceMicrosPerKwh: 400_000 }, band),
    ).toBeUndefined();
    expect(auctionBid({ netWh: -600, batteryWh: 0 }, tally, { ...UNLIMITED_MANDATE, automation: false }, band)).toBeUndefined();
  });
});

describe('cycles and keys', () => {
  it('starts a cycle for the first interval whose lead time has not passed', () => {
    expect(nextCycleInterval(1000, 60, 90)).toBe(1140);
    expect(nextCycleInterval(1050, 60, 90)).toBe(1140);
    expect(nextCycleInterval(1051, 60, 90)).toBe(1200);
  });

  it('makes an agent key whose id is its libp2p peer id, from a PEM openssl can write too', async () => {
    const { agentKeyPem, agentId } = await newAgentKey();
    expect(agentIdOf(await agentKeyOf(agentKeyPem))).toBe(agentId);
    expect(agentId).toMatch(/^12D3KooW/);
    const openssl = execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519']).toString();
    expect(agentIdOf(await agentKeyOf(openssl))).toMatch(/^12D3KooW/);
    const ec = execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']).toString();
    await expect(agentKeyOf(ec)).rejects.toThrow(/Ed25519/);
  });
});
