/** The dispatch contract on the fake ledger: owner limits, setpoints, acknowledgements, replacements, delivery and payment. */
import { alertIdOf, ErrorCodes, formatInstant } from '@gridledger/core';
import { DispatchContract } from '../src/dispatch';
import { CreditsContract } from '../src/market/credits';
import { RegistryContract } from '../src/registry';
import { TelemetryContract } from '../src/telemetry';
import { FakeFabric, identity, meterKeys, type TxOutcome } from './fake-fabric';

const dispatch = new DispatchContract();
const registry = new RegistryContract();
const credits = new CreditsContract();
const operator = identity('CommunityMSP', 'operator', 'op-1');
const bridge = identity('CommunityMSP', 'meter-bridge', 'bridge');
const utility = identity('UtilityMSP', 'utility', 'util-1');
const home1 = identity('CommunityMSP', 'prosumer', 'home-01');
const home2 = identity('CommunityMSP', 'prosumer', 'home-02');
const C = 'c1';
const json = (v: unknown) => JSON.stringify(v);

async function ok(p: Promise<TxOutcome>): Promise<TxOutcome> {
  const out = await p;
  if (!out.ok) throw new Error(out.message);
  return out;
}

async function setUp(): Promise<FakeFabric> {
  const f = new FakeFabric();
  for (const [participantId, n] of [
    ['home-01', 1],
    ['home-02', 2],
  ] as const) {
    await ok(f.run(operator, (ctx) => registry.registerParticipant(ctx, json({ participantId, role: 'prosumer' }))));
    const meter = {
      meterId: `m${n}`,
      participantId,
      kind: 'consumption',
      publicKeyPem: meterKeys().publicKeyPem,
      exportCapacityW: 0,
      communityId: C,
    };
    await ok(f.run(operator, (ctx) => registry.registerMeter(ctx, json(meter))));
  }
  const bat = (id: string, meterId: string) => ({
    resourceId: id,
    communityId: C,
    kind: 'battery',
    meterId,
    maxPowerW: 3000,
    capacityWh: 10_000,
    minSocWh: 2000,
    socWh: 5000,
  });
  await ok(f.run(home1, (ctx) => dispatch.registerResource(ctx, json(bat('bat-1', 'm1')))));
  await ok(f.run(home2, (ctx) => dispatch.registerResource(ctx, json(bat('bat-2', 'm2')))));
  return f;
}

const request = (f: FakeFabric, o: Record<string, unknown> = {}) => ({
  dispatchId: 'd1',
  communityId: C,
  resourceId: 'bat-1',
  powerW: 2000,
  startAt: formatInstant(f.now),
  durationSeconds: 1800,
  priceMicrosPerKwh: 300_000,
  ackTimeoutSeconds: 5,
  ...o,
});

describe('dispatch: resources and owner limits', () => {
  it('registers a resource behind its owner’s meter only, in the meter’s zone', async () => {
    const f = await setUp();
    const r = await ok(f.evaluate(home1, (ctx) => dispatch.getResource(ctx, 'bat-1')));
    expect(r.result).toMatchObject({ ownerId: 'home-01', zone: 'unzoned', minSocWh: 2000, missedAcks: 0 });
    const other = {
      resourceId: 'bat-x',
      communityId: C,
      kind: 'battery',
      meterId: 'm2',
      maxPowerW: 1,
      capacityWh: 1,
      minSocWh: 0,
      socWh: 0,
    };
    expect((await f.run(home1, (ctx) => dispatch.registerResource(ctx, json(other)))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    const taken = { ...other, resourceId: 'bat-1' };
    expect((await f.run(home2, (ctx) => dispatch.registerResource(ctx, json(taken)))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    expect((await f.evaluate(home2, (ctx) => dispatch.getResource(ctx, 'bat-1'))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    const listed = await ok(f.evaluate(utility, (ctx) => dispatch.listResources(ctx, C, '')));
    expect(listed.result.items.map((x: { resourceId: string }) => x.resourceId)).toEqual(['bat-1', 'bat-2']);
  });

  it('refuses a setpoint beyond the owner’s limits (DISPATCH_LIMIT_EXCEEDED); only the utility, or the service on grounds', async () => {
    const f = await setUp();
    const refuse = async (o: Record<string, unknown>, who = utility) =>
      (await f.run(who, (ctx) => dispatch.requestDispatch(ctx, json(request(f, o))))).error;
    expect(await refuse({ powerW: 3001 })).toMatchObject({ code: ErrorCodes.DISPATCH_LIMIT_EXCEEDED, details: { limit: 'maxPowerW' } });
    // 3,000 Wh above the minimum: 3,000 W for an hour passes, for an hour and a second not.
    expect(await refuse({ powerW: 3000, durationSeconds: 3601 })).toMatchObject({ details: { limit: 'minSocWh' } });
    expect(await refuse({ powerW: -3000, durationSeconds: 7200 })).toMatchObject({ details: { limit: 'capacityWh' } });
    expect((await refuse({ startAt: formatInstant(f.now - 3600) }))?.code).toBe(ErrorCodes.DISPATCH_INVALID);
    expect((await refuse({}, operator))?.code).toBe(ErrorCodes.ACCESS_DENIED);
    expect((await refuse({}, bridge))?.code).toBe(ErrorCodes.ACCESS_DENIED);
    expect((await refuse({ resourceId: 'nope' }))?.code).toBe(ErrorCodes.RESOURCE_NOT_FOUND);
  });
});

describe('dispatch: from setpoint to payment', () => {
  it('records the acknowledgement, measures the delivery, pays the owner out of the settlement bank', async () => {
    const f = await setUp();
    const d = await ok(f.run(utility, (ctx) => dispatch.requestDispatch(ctx, json(request(f)))));
    expect(d.result).toMatchObject({ status: 'requested', ackBy: formatInstant(f.now + 5), ownerId: 'home-01' });
    expect(d.events.map((e) => e.name)).toEqual(['DispatchRequested']);
    const again = await ok(f.run(utility, (ctx) => dispatch.requestDispatch(ctx, json(request(f)))));
    expect(again.result).toEqual(d.result);
    expect((await f.run(utility, (ctx) => dispatch.requestDispatch(ctx, json(request(f, { powerW: 1000 }))))).error?.code).toBe(
      ErrorCodes.DISPATCH_STATE_INVALID,
    );
    const ack = { status: 'accepted', reason: '', socWh: 4900, at: formatInstant(f.now + 1) };
    const acked = await ok(f.run(bridge, (ctx) => dispatch.recordAck(ctx, C, 'd1', json(ack))));
    expect(acked.result.status).toBe('accepted');
    expect((await ok(f.evaluate(home1, (ctx) => dispatch.getResource(ctx, 'bat-1')))).result.socWh).toBe(4900);
    const open = await ok(f.evaluate(bridge, (ctx) => dispatch.listOpenDispatches(ctx, C, '')));
    expect(open.result.items.map((x: { dispatchId: string }) => x.dispatchId)).toEqual(['d1']);
    const delivery = json({ baselineW: -500, duringW: 1000, samples: 30 });
    expect((await f.run(bridge, (ctx) => dispatch.settleDispatch(ctx, C, 'd1', delivery))).error?.code).toBe(
      ErrorCodes.DISPATCH_STATE_INVALID,
    );
    f.now += 1800;
    const settled = await ok(f.run(bridge, (ctx) => dispatch.settleDispatch(ctx, C, 'd1', delivery)));
    // 1,500 W of the 2,000 asked, for 30 minutes: 750 Wh at 0.30 per kWh.
    expect(settled.result.delivery).toEqual({ baselineW: -500, duringW: 1000, samples: 30, deliveredWh: 750, paymentMicros: 225_000 });
    const account = await ok(f.evaluate(home1, (ctx) => credits.getAccount(ctx, 'home-01')));
    expect(account.result.availableMicros).toBe(225_000);
    const supply = await ok(f.evaluate(utility, (ctx) => credits.getSupply(ctx)));
    expect(supply.result).toMatchObject({ supplyMicros: 0, utilityMicros: -225_000 });
    const twice = await ok(f.run(bridge, (ctx) => dispatch.settleDispatch(ctx, C, 'd1', delivery)));
    expect(twice.writes.size).toBe(0);
    expect((await ok(f.evaluate(bridge, (ctx) => dispatch.listOpenDispatches(ctx, C, '')))).result.items).toEqual([]);
  });

  it('marks a silent device non-responsive only after its deadline; the service replaces it by another resource', async () => {
    const f = await setUp();
    await ok(f.run(utility, (ctx) => dispatch.requestDispatch(ctx, json(request(f)))));
    expect((await f.run(bridge, (ctx) => dispatch.markNonResponsive(ctx, C, 'd1'))).error?.code).toBe(ErrorCodes.DISPATCH_STATE_INVALID);
    f.now += 6;
    const silent = await ok(f.run(bridge, (ctx) => dispatch.markNonResponsive(ctx, C, 'd1')));
    expect(silent.result.status).toBe('non-responsive');
    expect((await ok(f.evaluate(utility, (ctx) => dispatch.getResource(ctx, 'bat-1')))).result.missedAcks).toBe(1);
    const late = { status: 'accepted', reason: '', socWh: 4900, at: formatInstant(f.now) };
    expect((await f.run(bridge, (ctx) => dispatch.recordAck(ctx, C, 'd1', json(late)))).error?.code).toBe(
      ErrorCodes.DISPATCH_STATE_INVALID,
    );
    const sameResource = request(f, { dispatchId: 'd1-r1', replaces: 'd1' });
    expect((await f.run(bridge, (ctx) => dispatch.requestDispatch(ctx, json(sameResource)))).error?.code).toBe(
      ErrorCodes.DISPATCH_STATE_INVALID,
    );
    const replacement = await ok(f.run(bridge, (ctx) => dispatch.requestDispatch(ctx, json({ ...sameResource, resourceId: 'bat-2' }))));
    expect(replacement.result).toMatchObject({ status: 'requested', ownerId: 'home-02', replaces: 'd1', requestedBy: 'bridge' });
    expect((await ok(f.evaluate(utility, (ctx) => dispatch.getDispatch(ctx, C, 'd1')))).result.replacedBy).toBe('d1-r1');
    const refused = { status: 'refused', reason: 'maintenance', socWh: 5000, at: formatInstant(f.now) };
    const r = await ok(f.run(bridge, (ctx) => dispatch.recordAck(ctx, C, 'd1-r1', json(refused))));
    expect(r.result).toMatchObject({ status: 'refused', ack: { reason: 'maintenance' } });
    expect((await f.evaluate(home1, (ctx) => dispatch.getDispatch(ctx, C, 'd1-r1'))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
  });
});

describe('dispatch: the automatic rule', () => {
  it('lets the dispatch service dispatch only for an active FEEDER_OVERLOAD alert of the resource’s zone', async () => {
    const f = await setUp();
    const telemetry = new TelemetryContract();
    const raise = (kind: string, zone: string) => {
      const raisedAt = formatInstant(f.now);
      const alert = {
        alertId: alertIdOf(C, kind as never, zone, raisedAt),
        communityId: C,
        kind,
        subject: zone,
        zone,
        value: 950_000,
        raisedAt,
      };
      return f.run(bridge, (ctx) => telemetry.raiseAlert(ctx, json(alert))).then((o) => o.result.alertId as string);
    };
    const other = await raise('FEEDER_OVERLOAD', 'z9');
    const viaOther = await f.run(bridge, (ctx) => dispatch.requestDispatch(ctx, json(request(f, { alertId: other }))));
    expect(viaOther.error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    f.now += 1;
    const overload = await raise('FEEDER_OVERLOAD', 'unzoned');
    const auto = await ok(
      f.run(bridge, (ctx) => dispatch.requestDispatch(ctx, json(request(f, { dispatchId: 'auto-1', alertId: overload })))),
    );
    expect(auto.result).toMatchObject({ status: 'requested', alertId: overload, requestedBy: 'bridge' });
    await ok(f.run(bridge, (ctx) => telemetry.clearAlert(ctx, C, overload, '500000')));
    const afterClear = await f.run(bridge, (ctx) =>
      dispatch.requestDispatch(ctx, json(request(f, { dispatchId: 'auto-2', alertId: overload }))),
    );
    expect(afterClear.error?.code).toBe(ErrorCodes.ACCESS_DENIED);
  });
});
