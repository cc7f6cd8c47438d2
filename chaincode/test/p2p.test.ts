import { ErrorCodes, formatInstant, UNLIMITED_MANDATE } from '@gridledger/core';
import { EnergyContract } from '../src/energy';
import { BilateralContract } from '../src/market/bilateral';
import { CreditsContract } from '../src/market/credits';
import { MarketContract } from '../src/market/market';
import { MeteringContract } from '../src/metering';
import { P2pContract } from '../src/p2p/p2p';
import { FakeFabric, identity, meterKeys, readingsOf, SEED, signReading, submitVia, withTransient } from './fake-fabric';
import { codeOf, expectOk as ok, operator, setupMarket, T, TS, utility } from './market-support';

const p2p = new P2pContract();
const credits = new CreditsContract();
const market = new MarketContract();
const metering = new MeteringContract();
const energy = new EnergyContract();
const contracts = new BilateralContract();
const bridge = identity('CommunityMSP', 'meter-bridge', 'bridge-1');
const agentOf = (role: string, id: string) => {
  const i = identity('CommunityMSP', role, id);
  return { ...i, attrs: { ...i.attrs, 'gl.agent': 'true' } };
};
const who = {
  s1: identity('CommunityMSP', 'prosumer', 's1'),
  b1: identity('CommunityMSP', 'consumer', 'b1'),
  b2: identity('CommunityMSP', 'consumer', 'b2'),
  s1Agent: agentOf('prosumer', 's1'),
  b1Agent: agentOf('consumer', 'b1'),
};
type Who = keyof typeof who;
const keys = { s1: meterKeys(), b1: meterKeys(), b2: meterKeys() };
const offerTerms = { communityId: 'c1', meterId: 's1.m', intervalStart: TS, energyWh: 2000, minEnergyWh: 200, priceMicrosPerKwh: 120_000 };
const mandate = UNLIMITED_MANDATE;

const offer = (fabric: FakeFabric, by: Who, body: Record<string, unknown>) =>
  fabric.run(who[by], (ctx) => p2p.createOffer(ctx, JSON.stringify(body)), true, undefined, 'p2p:createOffer');
const request = (fabric: FakeFabric, by: Who, offerId: string, clientRequestId: string, energyWh: number) =>
  fabric.run(
    who[by],
    (ctx) => p2p.requestOffer(ctx, offerId, JSON.stringify({ clientRequestId, energyWh })),
    true,
    undefined,
    'p2p:requestOffer',
  );
const accept = (fabric: FakeFabric, by: Who, offerId: string, requestIds: string[]) =>
  fabric.run(who[by], (ctx) => p2p.acceptRequests(ctx, offerId, JSON.stringify({ requestIds })), true, undefined, 'p2p:acceptRequests');
const setMandate = (fabric: FakeFabric, by: Who, id: string, body: Record<string, unknown>) =>
  fabric.run(who[by], (ctx) => p2p.setMandate(ctx, id, JSON.stringify(body)), true, undefined, 'p2p:setMandate');
const account = async (fabric: FakeFabric, id: string) => ok(await fabric.evaluate(utility, (ctx) => credits.getAccount(ctx, id)));

describe('peer-to-peer offers', () => {
  it('offer, requests that never write the offer, one acceptance of both: escrow, contracts, settled as contracted positions', async () => {
    const fabric = await setupMarket(keys);
    const created = ok(await offer(fabric, 's1', { clientOfferId: 'o1', ...offerTerms }));
    const offerId = created.offer.offerId;
    expect(created.offer).toMatchObject({ sellerId: 's1', acceptedWh: 0, status: 'open', expiresAt: formatInstant(T - 300) });
    expect(ok(await offer(fabric, 's1', { clientOfferId: 'o1', ...offerTerms }))).toMatchObject({ replayed: true });
    expect(codeOf(await offer(fabric, 's1', { clientOfferId: 'o1', ...offerTerms, energyWh: 1 }))).toBe(ErrorCodes.CLIENT_ID_REUSED);
    const r1 = await request(fabric, 'b1', offerId, 'r', 500);
    const r2 = await request(fabric, 'b2', offerId, 'r', 700);
    // A request writes its own key only: the offer is read, never written, so buyers do not collide.
    for (const r of [r1, r2]) expect([...r.writes.keys()].filter((k) => !k.includes('p2pRequest'))).toEqual([]);
    const ids = [ok(r1).request.requestId, ok(r2).request.requestId];
    expect(codeOf(await request(fabric, 'b1', offerId, 'small', 100))).toBe(ErrorCodes.P2P_BELOW_MINIMUM);
    expect(codeOf(await request(fabric, 'b1', offerId, 'big', 2001))).toBe(ErrorCodes.P2P_QUANTITY_UNAVAILABLE);
    expect(codeOf(await request(fabric, 's1', offerId, 'self', 500))).toBe(ErrorCodes.P2P_STATE_CONFLICT);
    expect(codeOf(await accept(fabric, 'b1', offerId, ids))).toBe(ErrorCodes.ACCESS_DENIED);

    const accepted = ok(await accept(fabric, 's1', offerId, ids));
    expect(accepted.offer.acceptedWh).toBe(1200);
    expect(accepted.requests.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted']);
    expect(ok(await accept(fabric, 's1', offerId, ids))).toMatchObject({ replayed: true });
    // 500 Wh × (120,000 + 10,000 fee) µ/kWh = 65,000 µ held for b1; 700 Wh: 91,000 for b2.
    expect(await account(fabric, 'b1')).toMatchObject({ availableMicros: 935_000, escrowMicros: 65_000 });
    expect(await account(fabric, 'b2')).toMatchObject({ availableMicros: 909_000, escrowMicros: 91_000 });
    const contract = ok(await fabric.evaluate(who.b1, (ctx) => contracts.getContract(ctx, accepted.requests[0].contractId)));
    expect(contract).toMatchObject({ status: 'active', energyWhPerInterval: 500, dailyFrom: '10:00', dailyTo: '10:15', p2p: { offerId } });
    expect(ok(await fabric.evaluate(who.b2, (ctx) => p2p.listRequests(ctx, offerId))).items).toHaveLength(1);
    expect(ok(await fabric.evaluate(who.s1, (ctx) => p2p.listRequests(ctx, offerId))).items).toHaveLength(2);

    // Delivery: s1 exports 1,200 Wh, b1 and b2 consume what they bought; the contract settlement settles the trades.
    fabric.now = T - 300;
    expect(codeOf(await request(fabric, 'b1', offerId, 'late', 300))).toBe(ErrorCodes.P2P_OFFER_EXPIRED);
    ok(await fabric.run(operator, (ctx) => market.closeInterval(ctx, 'c1', TS)));
    ok(await fabric.run(operator, (ctx) => market.clearInterval(ctx, 'c1', TS)));
    fabric.now = T + 960;
    for (const [id, importWh, exportWh] of [
      ['s1', 0, 1200],
      ['b1', 500, 0],
      ['b2', 700, 0],
    ] as const) {
      const [r] = readingsOf(`${id}.m`, T, [{ importWh, exportWh }]);
      ok(await fabric.run(bridge, (ctx) => submitVia(metering, ctx, JSON.stringify([signReading(r, keys[id].privateKey)]))));
    }
    ok(await fabric.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', TS)));
    const settled = ok(await fabric.run(operator, (ctx) => contracts.settleContracts(ctx, 'c1', TS)));
    expect(settled.parties).toEqual([
      expect.objectContaining({ participantId: 'b1', boughtWh: 500, deviationWh: 0, netMicros: -65_000 }),
      expect.objectContaining({ participantId: 'b2', boughtWh: 700, deviationWh: 0, netMicros: -91_000 }),
      expect.objectContaining({ participantId: 's1', soldWh: 1200, deviationWh: 0, netMicros: 144_000 }),
    ]);
    expect(await account(fabric, 's1')).toMatchObject({ availableMicros: 144_000, escrowMicros: 0 });
    expect(await account(fabric, 'b1')).toMatchObject({ availableMicros: 935_000, escrowMicros: 0 });
  });

  it("spot sell orders and P2P sales share the seller's capacity (2,500 Wh), whichever comes first", async () => {
    const fabric = await setupMarket(keys);
    const sell = (clientOrderId: string, energyWh: number) =>
      fabric.run(who.s1, (ctx) =>
        market.placeOrder(
          ctx,
          JSON.stringify({ clientOrderId, communityId: 'c1', intervalStart: TS, side: 'sell', energyWh, priceMicrosPerKwh: 100_000 }),
        ),
      );
    ok(await sell('spot-1', 1500));
    // 1,500 Wh offered spot: an offer of 1,001 Wh does not fit, 1,000 does.
    expect(codeOf(await offer(fabric, 's1', { clientOfferId: 'big', ...offerTerms, energyWh: 1001, minEnergyWh: 1 }))).toBe(
      ErrorCodes.SELLER_CAPACITY_EXCEEDED,
    );
    const { offer: o } = ok(await offer(fabric, 's1', { clientOfferId: 'fits', ...offerTerms, energyWh: 1000, minEnergyWh: 1 }));
    const r = ok(await request(fabric, 'b1', o.offerId, 'r', 600)).request.requestId;
    ok(await accept(fabric, 's1', o.offerId, [r]));
    // 600 Wh sold P2P: a spot order may add 400 Wh, not 401.
    const refused = await sell('spot-2', 401);
    expect([refused.error?.code, refused.error?.details]).toEqual([
      ErrorCodes.SELLER_CAPACITY_EXCEEDED,
      { capacityWh: 2500, offeredWh: 1500, p2pSoldWh: 600 },
    ]);
    ok(await sell('spot-3', 400));
    // And the offer's last 400 Wh no longer fit at acceptance: the spot orders took them.
    const late = ok(await request(fabric, 'b2', o.offerId, 'r', 400)).request.requestId;
    expect(codeOf(await accept(fabric, 's1', o.offerId, [late]))).toBe(ErrorCodes.SELLER_CAPACITY_EXCEEDED);
  });

  it('refusal with a reason, withdrawal, cancellation, capacity and credits checked at acceptance, all or nothing', async () => {
    const fabric = await setupMarket(keys);
    const { offer: o } = ok(await offer(fabric, 's1', { clientOfferId: 'o1', ...offerTerms, energyWh: 2500 }));
    expect(codeOf(await offer(fabric, 's1', { clientOfferId: 'o2', ...offerTerms, energyWh: 2501 }))).toBe(
      ErrorCodes.SELLER_CAPACITY_EXCEEDED,
    );
    expect(codeOf(await offer(fabric, 's1', { clientOfferId: 'o3', ...offerTerms, priceMicrosPerKwh: 400_000 }))).toBe(
      ErrorCodes.ORDER_PRICE_OUT_OF_BAND,
    );
    expect(codeOf(await offer(fabric, 's1', { clientOfferId: 'o4', ...offerTerms, meterId: 'b1.m' }))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(codeOf(await offer(fabric, 's1', { clientOfferId: 'o5', ...offerTerms, expiresAt: formatInstant(T) }))).toBe(
      ErrorCodes.P2P_INPUT_INVALID,
    );
    const a = ok(await request(fabric, 'b1', o.offerId, 'a', 1000)).request.requestId;
    const b = ok(await request(fabric, 'b2', o.offerId, 'b', 2000)).request.requestId;
    const c = ok(await request(fabric, 'b2', o.offerId, 'c', 500)).request.requestId;
    // b's 2,000 after a's 1,000 is beyond the 2,500 Wh offered: the batch is refused whole, at b.
    const over = await accept(fabric, 's1', o.offerId, [a, b]);
    expect([codeOf(over), over.error?.details]).toEqual([ErrorCodes.P2P_QUANTITY_UNAVAILABLE, expect.objectContaining({ index: 1 })]);
    const refusal = ok(
      await fabric.run(who.s1, (ctx) => p2p.refuseRequests(ctx, o.offerId, JSON.stringify({ requestIds: [b], reason: 'quantity' }))),
    );
    expect(refusal.requests[0]).toMatchObject({ status: 'refused', reason: 'quantity' });
    expect(codeOf(await accept(fabric, 's1', o.offerId, [b]))).toBe(ErrorCodes.P2P_STATE_CONFLICT);
    ok(await fabric.run(who.b2, (ctx) => p2p.withdrawRequest(ctx, o.offerId, c)));
    expect(codeOf(await accept(fabric, 's1', o.offerId, [c]))).toBe(ErrorCodes.P2P_STATE_CONFLICT);
    // A buyer whose escrow does not fit: 1,000 Wh × 130,000 µ/kWh = 130,000 µ, after b1 moved all but 100,000 away.
    ok(
      await fabric.run(who.b1, (ctx) =>
        credits.transfer(ctx, JSON.stringify({ toParticipantId: 'b2', amountMicros: 900_000, reference: 't' })),
      ),
    );
    expect(codeOf(await accept(fabric, 's1', o.offerId, [a]))).toBe(ErrorCodes.INSUFFICIENT_CREDITS);
    ok(await fabric.run(who.s1, (ctx) => p2p.cancelOffer(ctx, o.offerId)));
    expect(codeOf(await accept(fabric, 's1', o.offerId, [a]))).toBe(ErrorCodes.P2P_STATE_CONFLICT);
    expect(ok(await fabric.evaluate(who.b1, (ctx) => p2p.getOffer(ctx, o.offerId))).phase).toBe('cancelled');
  });

  it('mandates: set by the owner only; the chaincode refuses every trade that breaks one, and an agent without automation', async () => {
    const fabric = await setupMarket(keys);
    expect(codeOf(await setMandate(fabric, 's1Agent', 's1', mandate))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(codeOf(await setMandate(fabric, 's1', 'b1', mandate))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(codeOf(await setMandate(fabric, 's1', 's1', { ...mandate, locality: 'moon' }))).toBe(ErrorCodes.MANDATE_INVALID);
    // No mandate: the agent may not trade, the owner may.
    expect(codeOf(await offer(fabric, 's1Agent', { clientOfferId: 'x', ...offerTerms }))).toBe(ErrorCodes.MANDATE_AUTOMATION_OFF);
    ok(await setMandate(fabric, 's1', 's1', { ...mandate, minSellPriceMicrosPerKwh: 130_000, batteryReserveWh: 1000 }));
    expect(codeOf(await offer(fabric, 's1Agent', { clientOfferId: 'x', ...offerTerms }))).toBe(ErrorCodes.MANDATE_PRICE_BELOW_MINIMUM);
    expect(codeOf(await offer(fabric, 's1Agent', { clientOfferId: 'x', ...offerTerms, priceMicrosPerKwh: 140_000, energyWh: 1600 }))).toBe(
      ErrorCodes.MANDATE_RESERVE_BREACHED,
    );
    const { offer: o } = ok(
      await offer(fabric, 's1Agent', { clientOfferId: 'x', ...offerTerms, priceMicrosPerKwh: 140_000, energyWh: 1500 }),
    );
    ok(await setMandate(fabric, 'b1', 'b1', { ...mandate, maxBuyPriceMicrosPerKwh: 130_000 }));
    expect(codeOf(await request(fabric, 'b1Agent', o.offerId, 'r', 500))).toBe(ErrorCodes.MANDATE_PRICE_ABOVE_MAXIMUM);
    ok(await setMandate(fabric, 'b1', 'b1', { ...mandate, maxEnergyWhPerInterval: 800 }));
    const r1 = ok(await request(fabric, 'b1Agent', o.offerId, 'r1', 500)).request.requestId;
    const r2 = ok(await request(fabric, 'b1Agent', o.offerId, 'r2', 500)).request.requestId;
    // Each request fits the 800 Wh, both together do not: refused at acceptance, whoever accepts.
    expect(codeOf(await accept(fabric, 's1Agent', o.offerId, [r1, r2]))).toBe(ErrorCodes.MANDATE_ENERGY_EXCEEDED);
    ok(await accept(fabric, 's1Agent', o.offerId, [r1]));
    expect(codeOf(await request(fabric, 'b1Agent', o.offerId, 'r3', 500))).toBe(ErrorCodes.MANDATE_ENERGY_EXCEEDED);
    // The seller has no asset of a preferred source, and no zone: refused for a buyer that asks for solar or its own zone.
    ok(await setMandate(fabric, 'b2', 'b2', { ...mandate, preferredSources: ['solar'] }));
    expect(codeOf(await request(fabric, 'b2', o.offerId, 'r', 500))).toBe(ErrorCodes.MANDATE_SOURCE_REFUSED);
    ok(await setMandate(fabric, 'b2', 'b2', { ...mandate, locality: 'zone' }));
    expect(codeOf(await request(fabric, 'b2', o.offerId, 'r', 500))).toBe(ErrorCodes.MANDATE_LOCALITY_REFUSED);
    // The seller's owner turns automation off: its agent accepts nothing more.
    ok(await setMandate(fabric, 'b2', 'b2', mandate));
    const r4 = ok(await request(fabric, 'b2', o.offerId, 'r4', 500)).request.requestId;
    ok(await setMandate(fabric, 's1', 's1', { ...mandate, automation: false }));
    expect(codeOf(await accept(fabric, 's1Agent', o.offerId, [r4]))).toBe(ErrorCodes.MANDATE_AUTOMATION_OFF);
    expect(ok(await fabric.evaluate(who.s1Agent, (ctx) => p2p.getMandate(ctx, 's1'), 'p2p:getMandate'))).toMatchObject({
      automation: false,
    });
    expect(codeOf(await fabric.evaluate(who.b2, (ctx) => p2p.getMandate(ctx, 's1')))).toBe(ErrorCodes.ACCESS_DENIED);
  });
});
