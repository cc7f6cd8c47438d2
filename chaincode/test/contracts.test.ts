import { ErrorCodes } from '@gridledger/core';
import { EnergyContract } from '../src/energy';
import { BilateralContract } from '../src/market/bilateral';
import { CreditsContract } from '../src/market/credits';
import { FiguresContract } from '../src/market/figures';
import { MarketContract } from '../src/market/market';
import { MeteringContract } from '../src/metering';
import { FakeFabric, identity, meterKeys, readingsOf, SEED, signReading, submitVia, withTransient } from './fake-fabric';
import { codeOf, expectOk, operator, regulator, setupMarket, T, TS, utility } from './market-support';

const metering = new MeteringContract();
const credits = new CreditsContract();
const market = new MarketContract();
const energy = new EnergyContract();
const contracts = new BilateralContract();
const figures = new FiguresContract();
const bridge = identity('CommunityMSP', 'meter-bridge', 'bridge-1');
const who = {
  s1: identity('CommunityMSP', 'prosumer', 's1'),
  b1: identity('CommunityMSP', 'consumer', 'b1'),
  b2: identity('CommunityMSP', 'consumer', 'b2'),
};
type Who = keyof typeof who;
const keys = { s1: meterKeys(), b1: meterKeys(), b2: meterKeys() };
const terms = {
  communityId: 'c1',
  sellerId: 's1',
  buyerId: 'b1',
  energyWhPerInterval: 1000,
  priceMicrosPerKwh: 120_000,
  firstDay: '2026-11-23',
  lastDay: '2026-11-23',
  dailyFrom: '10:00',
  dailyTo: '10:30',
};
const ok = expectOk;
const setup = () => setupMarket(keys);
const account = async (fabric: FakeFabric, id: string) => ok(await fabric.evaluate(utility, (ctx) => credits.getAccount(ctx, id)));
const tokens = async (fabric: FakeFabric, id: string) =>
  ok(await fabric.evaluate(utility, (ctx) => energy.getTokenBalance(ctx, id))).balanceWh;
const propose = (fabric: FakeFabric, by: Who, body: Record<string, unknown>) =>
  fabric.run(who[by], (ctx) => contracts.proposeContract(ctx, JSON.stringify(body)));

describe('bilateral contracts', () => {
  it(
    'proposal by the seller, acceptance by the buyer with escrow, settled against the position before the spot settlement, which sees ' +
      'the rest',
    async () => {
      const fabric = await setup();
      const { contract } = ok(await propose(fabric, 's1', { clientContractId: 'k', ...terms }));
      expect(contract).toMatchObject({ status: 'proposed', escrowMicros: 260_000, escrowTaken: false });
      expect(ok(await propose(fabric, 's1', { clientContractId: 'k', ...terms }))).toMatchObject({ replayed: true });
      expect(codeOf(await propose(fabric, 's1', { clientContractId: 'k', ...terms, energyWhPerInterval: 999 }))).toBe(
        ErrorCodes.CLIENT_ID_REUSED,
      );
      expect(codeOf(await propose(fabric, 'b2', { clientContractId: 'k', ...terms }))).toBe(ErrorCodes.ACCESS_DENIED);
      expect(codeOf(await propose(fabric, 's1', { clientContractId: 'k2', ...terms, priceMicrosPerKwh: 400_000 }))).toBe(
        ErrorCodes.CONTRACT_INVALID,
      );
      const accept = (by: Who) => fabric.run(who[by], (ctx) => contracts.acceptContract(ctx, contract.contractId));
      expect(codeOf(await accept('b2'))).toBe(ErrorCodes.ACCESS_DENIED);
      expect(codeOf(await accept('s1'))).toBe(ErrorCodes.CONTRACT_STATE_CONFLICT);
      expect(ok(await accept('b1')).contract).toMatchObject({ status: 'active', escrowTaken: true });
      // Two deliveries of 1,000 Wh × (120,000 + 10,000 fee) µ/kWh held.
      expect(await account(fabric, 'b1')).toMatchObject({ availableMicros: 740_000, escrowMicros: 260_000 });
      expect(codeOf(await fabric.run(who.b1, (ctx) => contracts.withdrawContract(ctx, contract.contractId)))).toBe(
        ErrorCodes.CONTRACT_STATE_CONFLICT,
      );

      // s1 also sells 500 Wh spot to b2 in the first interval: 150,000 µ/kWh.
      ok(
        await fabric.run(who.s1, (ctx) =>
          market.placeOrder(
            ctx,
            JSON.stringify({
              clientOrderId: 'a',
              communityId: 'c1',
              intervalStart: TS,
              side: 'sell',
              energyWh: 500,
              priceMicrosPerKwh: 100_000,
            }),
          ),
        ),
      );
      ok(
        await fabric.run(who.b2, (ctx) =>
          market.placeOrder(
            ctx,
            JSON.stringify({
              clientOrderId: 'a',
              communityId: 'c1',
              intervalStart: TS,
              side: 'buy',
              energyWh: 500,
              priceMicrosPerKwh: 200_000,
            }),
          ),
        ),
      );
      fabric.now = T - 300;
      ok(await fabric.run(operator, (ctx) => market.closeInterval(ctx, 'c1', TS)));
      expect(ok(await fabric.run(operator, (ctx) => market.clearInterval(ctx, 'c1', TS)))).toMatchObject({
        priceMicrosPerKwh: 150_000,
        volumeWh: 500,
      });
      fabric.now = T + 960;
      for (const [id, importWh, exportWh] of [
        ['s1', 0, 1600],
        ['b1', 1000, 0],
        ['b2', 500, 0],
      ] as const) {
        const [r] = readingsOf(`${id}.m`, T, [{ importWh, exportWh }]);
        expect(
          ok(await fabric.run(bridge, (ctx) => submitVia(metering, ctx, JSON.stringify([signReading(r, keys[id].privateKey)])))).results[0]
            .status,
        ).toBe('accepted');
      }
      const settleContracts = () => fabric.run(operator, (ctx) => contracts.settleContracts(ctx, 'c1', TS));
      expect(codeOf(await settleContracts())).toBe(ErrorCodes.SETTLEMENT_METERING_INCOMPLETE);
      ok(await fabric.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', TS)));
      // The spot settlement waits for the contracts of s1.
      expect(codeOf(await fabric.run(operator, (ctx) => market.settleInterval(ctx, 'c1', TS, '')))).toBe(
        ErrorCodes.SETTLEMENT_METERING_INCOMPLETE,
      );
      const settled = ok(await settleContracts());
      // b1 (contract only): consumed exactly the 1,000 Wh, no deviation. s1 trades spot too: its deviation is the spot settlement's.
      expect(settled.parties).toEqual([
        expect.objectContaining({ participantId: 'b1', deviationWh: 0, netMicros: -130_000 }),
        expect.objectContaining({ participantId: 's1', deviationWh: null, netMicros: 120_000 }),
      ]);
      expect(settled.tokenTransfers).toEqual([expect.objectContaining({ buyerId: 'b1', energyWh: 1000, movedWh: 1000, undeliveredWh: 0 })]);
      expect(codeOf(await settleContracts())).toBe(ErrorCodes.INTERVAL_STATE_CONFLICT);
      const spotRun = await fabric.run(operator, (ctx) => market.settleInterval(ctx, 'c1', TS, ''));
      const spot = ok(spotRun);
      // It read each party's contracts of the day (contractPartyDay), not every contract the party ever had (contractBy).
      const ranges = spotRun.reads.filter((r) => r.startsWith('range '));
      expect(ranges.filter((r) => r.includes('contractBy'))).toEqual([]);
      expect(ranges.filter((r) => r.includes('contractPartyDay') && r.includes('2026-11-23')).length).toBeGreaterThan(0);
      // s1's position for the spot settlement: 1,600 − 1,000 = 600 Wh; sold 500, so 100 Wh taken at feed-in: 5,000.
      expect(spot.participants.find((p: { participantId: string }) => p.participantId === 's1')).toMatchObject({
        netWh: 600,
        deviationWh: 100,
        netMicros: 80_000,
      });
      expect(await account(fabric, 's1')).toMatchObject({ availableMicros: 200_000, escrowMicros: 0 });
      expect(await account(fabric, 'b1')).toMatchObject({ availableMicros: 740_000, escrowMicros: 130_000 });
      expect([await tokens(fabric, 's1'), await tokens(fabric, 'b1'), await tokens(fabric, 'b2')]).toEqual([100, 1000, 500]);
      const supply = ok(await fabric.evaluate(regulator, (ctx) => credits.getSupply(ctx)));
      // Utility: two grid fees (contract 10,000, spot 5,000) minus the 5,000 feed-in.
      expect(supply.utilityMicros).toBe(10_000);
    },
  );

  it("a buyer's proposal escrows at once; withdrawn, the escrow comes back; nothing is accepted after the first gate", async () => {
    const fabric = await setup();
    const { contract } = ok(await propose(fabric, 'b1', { clientContractId: 'k', ...terms }));
    expect(await account(fabric, 'b1')).toMatchObject({ availableMicros: 740_000, escrowMicros: 260_000 });
    expect(codeOf(await propose(fabric, 'b2', { clientContractId: 'big', ...terms, buyerId: 'b2', energyWhPerInterval: 4000 }))).toBe(
      ErrorCodes.INSUFFICIENT_CREDITS,
    );
    ok(await fabric.run(who.s1, (ctx) => contracts.withdrawContract(ctx, contract.contractId)));
    expect(await account(fabric, 'b1')).toMatchObject({ availableMicros: 1_000_000, escrowMicros: 0 });
    const late = ok(await propose(fabric, 's1', { clientContractId: 'late', ...terms }));
    fabric.now = T - 300;
    expect(codeOf(await fabric.run(who.b1, (ctx) => contracts.acceptContract(ctx, late.contract.contractId)))).toBe(
      ErrorCodes.CONTRACT_STATE_CONFLICT,
    );
    expect(codeOf(await fabric.run(who.b2, (ctx) => contracts.getContract(ctx, late.contract.contractId)))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(ok(await fabric.evaluate(regulator, (ctx) => contracts.getContract(ctx, late.contract.contractId)))).toMatchObject({
      status: 'proposed',
    });
  });
  it('a contract past midnight (23:45–00:15) delivers on the day after its last day too, found there by the settlement', async () => {
    const fabric = await setup();
    const night = { ...terms, dailyFrom: '23:45', dailyTo: '00:15' };
    const { contract } = ok(await propose(fabric, 'b1', { clientContractId: 'night', ...night }));
    // Two deliveries: 23:45 on the 23rd and 00:00 on the 24th.
    expect(contract).toMatchObject({ escrowMicros: 260_000, escrowTaken: true });
    ok(await fabric.run(who.s1, (ctx) => contracts.acceptContract(ctx, contract.contractId)));
    const start = T + 14 * 3600; // 2026-11-24T00:00:00Z
    const startText = '2026-11-24T00:00:00Z';
    fabric.now = start - 300;
    ok(await fabric.run(operator, (ctx) => market.closeInterval(ctx, 'c1', startText)));
    ok(await fabric.run(operator, (ctx) => market.clearInterval(ctx, 'c1', startText)));
    fabric.now = start + 960;
    for (const [id, importWh, exportWh] of [
      ['s1', 0, 1000],
      ['b1', 1000, 0],
    ] as const) {
      const [r] = readingsOf(`${id}.m`, start, [{ importWh, exportWh }]);
      expect(
        ok(await fabric.run(bridge, (ctx) => submitVia(metering, ctx, JSON.stringify([signReading(r, keys[id].privateKey)])))).results[0]
          .status,
      ).toBe('accepted');
    }
    ok(await fabric.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', startText)));
    // The spot market (no orders) settled by hand before the contracts: no figures until they are settled too.
    ok(await fabric.run(operator, (ctx) => market.settleInterval(ctx, 'c1', startText, '')));
    const intervalFigures = () => fabric.evaluate(who.b2, (ctx) => figures.getIntervalFigures(ctx, 'c1', startText));
    expect(codeOf(await intervalFigures())).toBe(ErrorCodes.INTERVAL_NOT_FOUND);
    const settled = ok(await fabric.run(operator, (ctx) => contracts.settleContracts(ctx, 'c1', startText)));
    expect(settled.contractIds).toEqual([contract.contractId]);
    expect(ok(await intervalFigures())).toMatchObject({
      spotVolumeWh: 0,
      contractVolumeWh: 1000,
      productionWh: 1000,
      consumptionWh: 1000,
      selfSufficiency: { ppm: 1_000_000 },
      averagePaidPrice: { microsPerKwh: 130_000 },
      activeSellers: 1,
      activeBuyers: 1,
    });
    expect(settled.tokenTransfers).toEqual([expect.objectContaining({ buyerId: 'b1', energyWh: 1000, movedWh: 1000 })]);
    // The 00:00 delivery taken from the escrow; the 23:45 one (not settled here) still held.
    expect(await account(fabric, 'b1')).toMatchObject({ availableMicros: 740_000, escrowMicros: 130_000 });
  });
});
