/** The dispatch contract on the fake ledger: owner limits, setpoints, acknowledgements, replacements, delivery and payment. */
import { alertIdOf, ErrorCodes, formatInstant, secondsOf } from '@gridledger/core';
import { DispatchContract } from '../src/dispatch';
import { ListsContract } from '../src/lists/contract';
import { CreditsContract } from '../src/market/credits';
import { MeteringContract } from '../src/metering';
import { RegistryContract } from '../src/registry';
import { TelemetryContract } from '../src/telemetry';
import {
  FakeFabric,
  identity,
  meterKeys,
  onPeerOutsideCollection,
  readingsOf,
  signReading,
  submitVia,
  type TxOutcome,
} from './fake-fabric';

const dispatch = new DispatchContract();
const registry = new RegistryContract();
const credits = new CreditsContract();
const metering = new MeteringContract();
const keys = meterKeys();
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
      kind: 'bidirectional',
      publicKeyPem: keys.publicKeyPem,
      exportCapacityW: 10_000,
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
    // The meter's readings of the setpoint's intervals are awaited until 1,800 s after its end, then telemetry alone settles it.
    const pending = await f.run(bridge, (ctx) => dispatch.settleDispatch(ctx, C, 'd1', delivery));
    expect(pending.error).toMatchObject({
      code: ErrorCodes.DISPATCH_READINGS_PENDING,
      details: { readingsBy: formatInstant(f.now + 1800) },
    });
    f.now += 1800;
    const settled = await ok(f.run(bridge, (ctx) => dispatch.settleDispatch(ctx, C, 'd1', delivery)));
    // 1,500 W of the 2,000 asked, for 30 minutes: 750 Wh at 0.30 per kWh.
    expect(settled.result.delivery).toEqual({
      baselineW: -500,
      duringW: 1000,
      samples: 30,
      telemetryWh: 750,
      source: 'telemetry',
      capped: false,
      readings: null,
      deliveredWh: 750,
      paymentMicros: 225_000,
    });
    const account = await ok(f.evaluate(home1, (ctx) => credits.getAccount(ctx, 'home-01')));
    expect(account.result.availableMicros).toBe(225_000);
    const supply = await ok(f.evaluate(utility, (ctx) => credits.getSupply(ctx)));
    expect(supply.result).toMatchObject({ supplyMicros: 0, utilityMicros: -225_000 });
    const twice = await ok(f.run(bridge, (ctx) => dispatch.settleDispatch(ctx, C, 'd1', delivery)));
    expect(twice.writes.size).toBe(0);
    // Settled from telemetry alone, it stays open until its readings re-settle it (below).
    const stillOpen = await ok(f.evaluate(bridge, (ctx) => dispatch.listOpenDispatches(ctx, C, '')));
    expect(stillOpen.result.items.map((x: { dispatchId: string; status: string }) => [x.dispatchId, x.status])).toEqual([
      ['d1', 'settled'],
    ]);
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

describe('dispatch: delivery reconciled with the meter’s readings', () => {
  /** An accepted dispatch of 2,000 W for 30 minutes from f.now on `resourceId`, then f.now at its end. */
  async function accepted(f: FakeFabric, dispatchId: string, resourceId: string): Promise<number> {
    const start = f.now;
    await ok(f.run(utility, (ctx) => dispatch.requestDispatch(ctx, json(request(f, { dispatchId, resourceId })))));
    const ack = { status: 'accepted', reason: '', socWh: 5000, at: formatInstant(f.now) };
    await ok(f.run(bridge, (ctx) => dispatch.recordAck(ctx, C, dispatchId, json(ack))));
    f.now = start + 1800;
    return start;
  }
  /** The meter's readings of the two intervals before `start` and the two from it (import per interval, no export). */
  const readingsFrom = (f: FakeFabric, meterId: string, start: number, imports: number[]) =>
    ok(
      f.run(bridge, (ctx) =>
        submitVia(
          metering,
          ctx,
          json(
            readingsOf(
              meterId,
              start - 1800,
              imports.map((importWh) => ({ importWh, exportWh: 0 })),
              1,
              900,
            ).map((r) => signReading(r, keys.privateKey)),
          ),
        ),
      ),
    );
  // Telemetry claims 1,500 W more export for 30 minutes: 750 Wh.
  const delivery = json({ baselineW: -500, duringW: 1000, samples: 30 });

  it('pays what telemetry shows when the readings confirm it, and caps it when they allow less', async () => {
    const f = await setUp();
    const s1 = await accepted(f, 'd1', 'bat-1');
    // Import 1,000 + 1,000 Wh before, 400 + 350 during: net export rose by 1,250 Wh, more than telemetry's 750.
    await readingsFrom(f, 'm1', s1, [1000, 1000, 400, 350]);
    const outside = await f.run(bridge, (ctx) => dispatch.settleDispatch(onPeerOutsideCollection(ctx), C, 'd1', delivery));
    expect(outside.error?.code).toBe(ErrorCodes.PRIVATE_DATA_UNAVAILABLE);
    const confirmed = await ok(f.run(bridge, (ctx) => dispatch.settleDispatch(ctx, C, 'd1', delivery)));
    expect(confirmed.result.delivery).toMatchObject({
      telemetryWh: 750,
      source: 'readings',
      capped: false,
      readings: { baselineFrom: formatInstant(s1 - 1800), from: formatInstant(s1), to: formatInstant(s1 + 1800) },
      deliveredWh: 750,
      paymentMicros: 225_000,
    });
    const s2 = await accepted(f, 'd2', 'bat-2');
    // Import 500 + 500 before, 400 + 450 during: net export rose by 150 Wh only, whatever telemetry claims.
    await readingsFrom(f, 'm2', s2, [500, 500, 400, 450]);
    const capped = await ok(f.run(bridge, (ctx) => dispatch.settleDispatch(ctx, C, 'd2', delivery)));
    expect(capped.result.delivery).toMatchObject({
      telemetryWh: 750,
      source: 'readings',
      capped: true,
      deliveredWh: 150,
      paymentMicros: 45_000,
    });
    expect((await ok(f.evaluate(home2, (ctx) => credits.getAccount(ctx, 'home-02')))).result.availableMicros).toBe(45_000);
    expect(secondsOf(capped.result.readingsBy)).toBe(s2 + 3600);
  });

  it('waits while a reading is missing, then settles from telemetry alone at readingsBy', async () => {
    const f = await setUp();
    const s = await accepted(f, 'd1', 'bat-1');
    // The last interval's reading never comes.
    await readingsFrom(f, 'm1', s, [1000, 1000, 400]);
    expect((await f.run(bridge, (ctx) => dispatch.settleDispatch(ctx, C, 'd1', delivery))).error?.code).toBe(
      ErrorCodes.DISPATCH_READINGS_PENDING,
    );
    f.now = s + 3600;
    const settled = await ok(f.run(bridge, (ctx) => dispatch.settleDispatch(ctx, C, 'd1', delivery)));
    expect(settled.result.delivery).toMatchObject({ source: 'telemetry', readings: null, deliveredWh: 750 });
  });

  it('re-settles a delivery paid from telemetry once its late readings arrive: capped, the difference taken back, once', async () => {
    const f = await setUp();
    const s = await accepted(f, 'd1', 'bat-1');
    const all = readingsOf(
      'm1',
      s - 1800,
      [1000, 1000, 400, 1500].map((importWh) => ({ importWh, exportWh: 0 })),
      1,
      900,
    );
    await ok(f.run(bridge, (ctx) => submitVia(metering, ctx, json(all.slice(0, 3).map((r) => signReading(r, keys.privateKey))))));
    f.now = s + 3600;
    await ok(f.run(bridge, (ctx) => dispatch.settleDispatch(ctx, C, 'd1', delivery)));
    // Paid from telemetry, it stays open for the service; before its last reading comes the re-settlement waits.
    const open = await ok(f.evaluate(bridge, (ctx) => dispatch.listOpenDispatches(ctx, C, '')));
    expect(open.result.items.map((d: { dispatchId: string }) => d.dispatchId)).toEqual(['d1']);
    expect((await f.run(bridge, (ctx) => dispatch.resettleDispatch(ctx, C, 'd1'))).error?.code).toBe(ErrorCodes.DISPATCH_READINGS_PENDING);
    expect((await f.run(home1, (ctx) => dispatch.resettleDispatch(ctx, C, 'd1'))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    // The last interval's reading arrives late: import 1,500 Wh. Net export rose by 2,000 − 1,900 = 100 Wh, not telemetry's 750.
    f.now += 100;
    await ok(f.run(bridge, (ctx) => submitVia(metering, ctx, json(all.slice(3).map((r) => signReading(r, keys.privateKey))))));
    const outside = await f.run(bridge, (ctx) => dispatch.resettleDispatch(onPeerOutsideCollection(ctx), C, 'd1'));
    expect(outside.error?.code).toBe(ErrorCodes.PRIVATE_DATA_UNAVAILABLE);
    const done = await ok(f.run(bridge, (ctx) => dispatch.resettleDispatch(ctx, C, 'd1')));
    expect(done.result.delivery).toMatchObject({
      source: 'telemetry',
      deliveredWh: 750,
      paymentMicros: 225_000,
      resettlement: {
        outcome: 'capped',
        deliveredWh: 100,
        paymentMicros: 30_000,
        clawbackMicros: 195_000,
        readings: { baselineFrom: formatInstant(s - 1800), from: formatInstant(s), to: formatInstant(s + 1800) },
        at: formatInstant(f.now),
      },
    });
    expect((await ok(f.evaluate(home1, (ctx) => credits.getAccount(ctx, 'home-01')))).result.availableMicros).toBe(30_000);
    expect((await ok(f.evaluate(utility, (ctx) => credits.getSupply(ctx)))).result).toMatchObject({
      supplyMicros: 0,
      utilityMicros: -30_000,
    });
    expect((await ok(f.evaluate(bridge, (ctx) => dispatch.listOpenDispatches(ctx, C, '')))).result.items).toEqual([]);
    // Again: answered as it is, nothing taken twice.
    f.now += 100;
    expect((await ok(f.run(bridge, (ctx) => dispatch.resettleDispatch(ctx, C, 'd1')))).result).toEqual(done.result);
    expect((await ok(f.evaluate(home1, (ctx) => credits.getAccount(ctx, 'home-01')))).result.availableMicros).toBe(30_000);
  });

  it('closes a re-settlement whose readings never came once the late window has passed, the payment standing', async () => {
    const f = await setUp();
    const s = await accepted(f, 'd1', 'bat-1');
    await readingsFrom(f, 'm1', s, [1000, 1000, 400]);
    f.now = s + 3600;
    await ok(f.run(bridge, (ctx) => dispatch.settleDispatch(ctx, C, 'd1', delivery)));
    // The setpoint's last interval ends at s + 1800; the late window (48 h) closes on it at s + 1800 + 172,800.
    f.now = s + 1800 + 172_800 - 1;
    const pending = await f.run(bridge, (ctx) => dispatch.resettleDispatch(ctx, C, 'd1'));
    expect(pending.error).toMatchObject({
      code: ErrorCodes.DISPATCH_READINGS_PENDING,
      details: { readingsBy: formatInstant(s + 1800 + 172_800) },
    });
    f.now += 1;
    const closed = await ok(f.run(bridge, (ctx) => dispatch.resettleDispatch(ctx, C, 'd1')));
    expect(closed.result.delivery.resettlement).toMatchObject({
      outcome: 'no-readings',
      deliveredWh: 750,
      paymentMicros: 225_000,
      clawbackMicros: 0,
      readings: null,
    });
    expect((await ok(f.evaluate(home1, (ctx) => credits.getAccount(ctx, 'home-01')))).result.availableMicros).toBe(225_000);
    expect((await ok(f.evaluate(bridge, (ctx) => dispatch.listOpenDispatches(ctx, C, '')))).result.items).toEqual([]);
  });

  it('refuses to re-settle a dispatch its readings already settled', async () => {
    const f = await setUp();
    const s = await accepted(f, 'd1', 'bat-1');
    await readingsFrom(f, 'm1', s, [1000, 1000, 400, 350]);
    await ok(f.run(bridge, (ctx) => dispatch.settleDispatch(ctx, C, 'd1', delivery)));
    expect((await f.run(bridge, (ctx) => dispatch.resettleDispatch(ctx, C, 'd1'))).error?.code).toBe(ErrorCodes.DISPATCH_STATE_INVALID);
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

describe('dispatch: the lists of a household and of its community', () => {
  const ids = (out: TxOutcome) => out.result.items.map((x: { dispatchId?: string; resourceId: string }) => x.dispatchId ?? x.resourceId);
  const regulator = identity('RegulatorMSP', 'regulator', 'reg-1');

  it('lists a household’s own resources and nobody else’s; the grid roles by community or owner', async () => {
    const f = await setUp();
    expect(ids(await ok(f.evaluate(home1, (ctx) => dispatch.listResourcesBy(ctx, '', 'home-01', '', ''))))).toEqual(['bat-1']);
    expect(ids(await ok(f.evaluate(home1, (ctx) => dispatch.listResourcesBy(ctx, C, 'home-01', '', ''))))).toEqual(['bat-1']);
    expect(ids(await ok(f.evaluate(home1, (ctx) => dispatch.listResourcesBy(ctx, 'c2', 'home-01', '', ''))))).toEqual([]);
    for (const [c, owner] of [
      ['', 'home-02'],
      [C, ''],
    ])
      expect((await f.evaluate(home1, (ctx) => dispatch.listResourcesBy(ctx, c, owner, '', ''))).error?.code).toBe(
        ErrorCodes.ACCESS_DENIED,
      );
    const page1 = await ok(f.evaluate(utility, (ctx) => dispatch.listResourcesBy(ctx, C, '', '1', '')));
    expect(ids(page1)).toEqual(['bat-1']);
    const page2 = await ok(f.evaluate(utility, (ctx) => dispatch.listResourcesBy(ctx, C, '', '1', page1.result.bookmark)));
    expect([ids(page2), page2.result.bookmark]).toEqual([['bat-2'], '']);
    expect(ids(await ok(f.evaluate(operator, (ctx) => dispatch.listResourcesBy(ctx, '', 'home-02', '', ''))))).toEqual(['bat-2']);
    expect((await f.evaluate(utility, (ctx) => dispatch.listResourcesBy(ctx, '', '', '', ''))).error?.code).toBe(
      ErrorCodes.REQUEST_INVALID,
    );
  });

  it('lists dispatches newest first, filtered by resource and status; a household its own only', async () => {
    const f = await setUp();
    await ok(f.run(utility, (ctx) => dispatch.requestDispatch(ctx, json(request(f, { dispatchId: 'd1' })))));
    f.now += 10;
    await ok(f.run(utility, (ctx) => dispatch.requestDispatch(ctx, json(request(f, { dispatchId: 'd2' })))));
    f.now += 10;
    await ok(f.run(utility, (ctx) => dispatch.requestDispatch(ctx, json(request(f, { dispatchId: 'd3', resourceId: 'bat-2' })))));
    const ack = { status: 'refused', reason: 'busy', socWh: 5000, at: formatInstant(f.now) };
    await ok(f.run(bridge, (ctx) => dispatch.recordAck(ctx, C, 'd1', json(ack))));
    const list = (who: typeof home1, c: string, owner: string, resource: string, status: string, size = '', bookmark = '') =>
      f.evaluate(who, (ctx) => dispatch.listDispatches(ctx, c, owner, resource, status, size, bookmark));
    expect(ids(await ok(list(home1, '', 'home-01', '', '')))).toEqual(['d2', 'd1']);
    expect(ids(await ok(list(home1, '', 'home-01', '', 'refused')))).toEqual(['d1']);
    expect(ids(await ok(list(home1, '', 'home-01', 'bat-1', 'requested')))).toEqual(['d2']);
    expect(ids(await ok(list(home2, '', 'home-02', '', '')))).toEqual(['d3']);
    for (const [c, owner, resource] of [
      ['', 'home-01', ''],
      ['', '', 'bat-1'],
      ['', 'home-02', 'bat-1'],
      [C, '', ''],
    ])
      expect((await list(home2, c, owner, resource, '')).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    for (const who of [operator, utility, regulator]) expect(ids(await ok(list(who, C, '', '', '')))).toEqual(['d3', 'd2', 'd1']);
    const first = await ok(list(utility, C, '', '', '', '2'));
    expect(ids(first)).toEqual(['d3', 'd2']);
    const rest = await ok(list(utility, C, '', '', '', '2', first.result.bookmark));
    expect([ids(rest), rest.result.bookmark]).toEqual([['d1'], '']);
    expect((await list(utility, C, '', '', '', '', first.result.bookmark.slice(2))).error?.code).toBe(ErrorCodes.REQUEST_INVALID);
    expect((await list(utility, C, '', '', 'lost')).error).toMatchObject({
      code: ErrorCodes.REQUEST_INVALID,
      details: { field: 'status' },
    });
    expect(ids(await ok(list(utility, 'c2', '', '', '')))).toEqual([]);
  });

  it('lists what a ledger from before the indexes holds once the backfill has written them', async () => {
    const f = await setUp();
    await ok(f.run(utility, (ctx) => dispatch.requestDispatch(ctx, json(request(f)))));
    for (const k of [...f.state.keys()]) if (/flexResourceBy|dispatch(By|In|For)/.test(k)) f.state.delete(k);
    const own = () => f.evaluate(home1, (ctx) => dispatch.listDispatches(ctx, '', 'home-01', '', '', '', ''));
    expect(ids(await ok(own()))).toEqual([]);
    const lists = new ListsContract();
    for (const kind of ['flex-resources', 'dispatches']) {
      const page = await ok(f.evaluate(operator, (ctx) => lists.readBackfillPage(ctx, kind, '', '')));
      await ok(f.run(operator, (ctx) => lists.backfillIndexes(ctx, kind, json(page.result.ids))));
    }
    expect(ids(await ok(own()))).toEqual(['d1']);
    expect(ids(await ok(f.evaluate(home1, (ctx) => dispatch.listResourcesBy(ctx, '', 'home-01', '', ''))))).toEqual(['bat-1']);
  });
});
