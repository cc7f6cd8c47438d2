/**
 * Agent identities (docs/security.md, *Agent identities*): spot orders an agent places are held to
 * its owner's mandate; the binding of a meter to its agent's peer id is read from the mandate.
 */
import { ErrorCodes, UNLIMITED_MANDATE } from '@gridledger/core';
import { MarketContract } from '../src/market/market';
import { RegistryContract } from '../src/registry';
import { P2pContract } from '../src/p2p/p2p';
import { FakeFabric, identity, meterKeys } from './fake-fabric';
import { codeOf, expectOk as ok, operator, regulator, setupMarket, TS } from './market-support';

const market = new MarketContract();
const p2p = new P2pContract();
const AGENT_ID = '12D3KooWJiGKTLEu5HwxVHpfUXGoyRnhWG3MchFSQ8ZPQo5J1wNp';
const agentOf = (role: string, id: string) => {
  const i = identity('CommunityMSP', role, id);
  return { ...i, attrs: { ...i.attrs, 'gl.agent': 'true' } };
};
const s1 = identity('CommunityMSP', 'prosumer', 's1');
const b1 = identity('CommunityMSP', 'consumer', 'b1');
const s1Agent = agentOf('prosumer', 's1');
const b1Agent = agentOf('consumer', 'b1');
const keys = { s1: meterKeys(), b1: meterKeys() };

const order = (
  fabric: FakeFabric,
  who: typeof s1,
  clientOrderId: string,
  side: 'buy' | 'sell',
  energyWh: number,
  priceMicrosPerKwh: number,
) =>
  fabric.run(
    who,
    (ctx) =>
      market.placeOrder(ctx, JSON.stringify({ clientOrderId, communityId: 'c1', intervalStart: TS, side, energyWh, priceMicrosPerKwh })),
    true,
    undefined,
    'market:placeOrder',
  );
const setMandate = (fabric: FakeFabric, who: typeof s1, id: string, body: Record<string, unknown>) =>
  fabric.run(who, (ctx) => p2p.setMandate(ctx, id, JSON.stringify(body)), true, undefined, 'p2p:setMandate');
const meterAgent = (fabric: FakeFabric, who: typeof s1, meterId: string) =>
  fabric.evaluate(who, (ctx) => p2p.getMeterAgent(ctx, meterId), 'p2p:getMeterAgent');

describe('agent identities in the chaincode', () => {
  it("an agent's spot orders obey the owner's mandate (automation, prices, energy per interval); the owner's do not", async () => {
    const fabric = await setupMarket(keys);
    expect(codeOf(await order(fabric, b1Agent, 'a0', 'buy', 100, 150_000))).toBe(ErrorCodes.MANDATE_AUTOMATION_OFF);
    const limits = {
      ...UNLIMITED_MANDATE,
      maxBuyPriceMicrosPerKwh: 150_000,
      minSellPriceMicrosPerKwh: 120_000,
      maxEnergyWhPerInterval: 500,
    };
    ok(await setMandate(fabric, b1, 'b1', limits));
    ok(await setMandate(fabric, s1, 's1', limits));
    expect(codeOf(await order(fabric, b1Agent, 'a1', 'buy', 100, 150_001))).toBe(ErrorCodes.MANDATE_PRICE_ABOVE_MAXIMUM);
    expect(codeOf(await order(fabric, s1Agent, 'a1', 'sell', 100, 119_999))).toBe(ErrorCodes.MANDATE_PRICE_BELOW_MINIMUM);
    ok(await order(fabric, b1Agent, 'a2', 'buy', 300, 150_000));
    const placed = ok(await order(fabric, b1Agent, 'a3', 'buy', 200, 140_000));
    expect(codeOf(await order(fabric, b1Agent, 'a4', 'buy', 1, 140_000))).toBe(ErrorCodes.MANDATE_ENERGY_EXCEEDED);
    // A cancelled order frees its energy; the owner's own orders are not held to the mandate.
    ok(await fabric.run(b1Agent, (ctx) => market.cancelOrder(ctx, placed.order.orderId), true, undefined, 'market:cancelOrder'));
    ok(await order(fabric, b1Agent, 'a4', 'buy', 200, 140_000));
    ok(await order(fabric, b1, 'own', 'buy', 1_000, 200_000));
    ok(await order(fabric, s1Agent, 's2', 'sell', 500, 120_000));
    expect(codeOf(await order(fabric, s1Agent, 's3', 'sell', 1, 120_000))).toBe(ErrorCodes.MANDATE_ENERGY_EXCEEDED);
    // Automation off: nothing more, with the code of P2P.
    ok(await setMandate(fabric, b1, 'b1', { ...limits, automation: false }));
    expect(codeOf(await order(fabric, b1Agent, 'a5', 'buy', 1, 100_000))).toBe(ErrorCodes.MANDATE_AUTOMATION_OFF);
    // An agent may not place orders through the batch either beyond the mandate, nor transfer credits.
    ok(await setMandate(fabric, b1, 'b1', limits));
    const batch = JSON.stringify({
      orders: [{ clientOrderId: 'b9', communityId: 'c1', intervalStart: TS, side: 'buy', energyWh: 1, priceMicrosPerKwh: 150_001 }],
    });
    const out = await fabric.run(b1Agent, (ctx) => market.placeOrders(ctx, batch), true, undefined, 'market:placeOrders');
    expect(codeOf(out)).toBe(ErrorCodes.MANDATE_PRICE_ABOVE_MAXIMUM);
  });

  it("a meter's agent is its owner's mandate's agentId while automation is on; households of the community read it", async () => {
    const fabric = await setupMarket(keys);
    expect(codeOf(await meterAgent(fabric, b1, 's1.m'))).toBe(ErrorCodes.AGENT_BINDING_NOT_FOUND);
    ok(await setMandate(fabric, s1, 's1', { ...UNLIMITED_MANDATE }));
    expect(codeOf(await meterAgent(fabric, b1, 's1.m'))).toBe(ErrorCodes.AGENT_BINDING_NOT_FOUND);
    expect(
      codeOf(await setMandate(fabric, s1, 's1', { ...UNLIMITED_MANDATE, agentId: 'QmTD3TSiDMJKNsNDE7UpzSzC3CtY9HnJ1Dk3X3MoZRFksf' })),
    ).toBe(ErrorCodes.MANDATE_INVALID);
    ok(await setMandate(fabric, s1, 's1', { ...UNLIMITED_MANDATE, agentId: AGENT_ID }));
    const binding = { meterId: 's1.m', agentId: AGENT_ID, participantId: 's1' };
    for (const who of [b1, b1Agent, s1, operator, regulator]) expect(ok(await meterAgent(fabric, who, 's1.m'))).toEqual(binding);
    // A household of another community reads nothing of it.
    const outsider = identity('CommunityMSP', 'consumer', 'x1');
    ok(
      await fabric.run(operator, (ctx) =>
        new RegistryContract().registerParticipant(ctx, JSON.stringify({ participantId: 'x1', role: 'consumer' })),
      ),
    );
    expect(codeOf(await meterAgent(fabric, outsider, 's1.m'))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(codeOf(await meterAgent(fabric, b1, 'nope.m'))).toBe(ErrorCodes.METER_NOT_REGISTERED);
    ok(await setMandate(fabric, s1, 's1', { ...UNLIMITED_MANDATE, agentId: AGENT_ID, automation: false }));
    expect(codeOf(await meterAgent(fabric, b1, 's1.m'))).toBe(ErrorCodes.AGENT_BINDING_NOT_FOUND);
  });
});
