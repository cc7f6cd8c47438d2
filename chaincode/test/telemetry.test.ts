/** The telemetry contract on the fake ledger: zone aggregates per interval, and an alert's life (raise, acknowledge, clear). */
import { alertIdOf, ErrorCodes } from '@gridledger/core';
import { TelemetryContract } from '../src/telemetry';
import { FakeFabric, identity } from './fake-fabric';

const telemetry = new TelemetryContract();
const operator = identity('CommunityMSP', 'operator', 'op-1');
const bridge = identity('CommunityMSP', 'meter-bridge', 'bridge-1');
const utility = identity('UtilityMSP', 'utility', 'util-1');
const utilityBridge = identity('UtilityMSP', 'meter-bridge', 'ub');
const home = identity('CommunityMSP', 'prosumer', 'home-01');
const C = 'community-1';
const I = '2026-11-22T00:00:00Z';

const record = (zone: string, meanSupplyW = 100) => ({
  zone,
  intervalStart: I,
  intervalSeconds: 900,
  ticks: 900,
  meanSupplyW,
  meanDemandW: 50,
  meanFeederFlowW: 50,
  peakLoadingPpm: 120_000,
  minFrequencyMHz: 49_990,
  maxFrequencyMHz: 50_010,
  minVoltageMv: null,
  maxVoltageMv: null,
});

describe('telemetry: zone aggregates', () => {
  it('records one key per zone and interval, keeps the first record, and lists a zone by time', async () => {
    const f = new FakeFabric();
    const first = await f.run(bridge, (ctx) => telemetry.recordZoneIntervals(ctx, C, I, JSON.stringify([record('z1'), record('z2')])));
    expect(first.result).toMatchObject({ recorded: ['z1', 'z2'], duplicate: [] });
    expect(first.events.map((e) => e.name)).toEqual(['ZoneTelemetryRecorded']);
    expect([...first.writes.keys()].map((k) => k.split('\u0000').filter(Boolean))).toEqual([
      ['telemetryInterval', C, 'z1', I],
      ['telemetryInterval', C, 'z2', I],
    ]);
    const again = await f.run(bridge, (ctx) => telemetry.recordZoneIntervals(ctx, C, I, JSON.stringify([record('z1', 999)])));
    expect(again.result).toMatchObject({ recorded: [], duplicate: ['z1'] });
    expect(again.events).toEqual([]);
    const listed = await f.evaluate(utility, (ctx) => telemetry.listZoneIntervals(ctx, C, 'z1', I, '2026-11-22T01:00:00Z', ''));
    expect(listed.result.items.map((r: { meanSupplyW: number }) => r.meanSupplyW)).toEqual([100]);
    const empty = await f.evaluate(utility, (ctx) =>
      telemetry.listZoneIntervals(ctx, C, 'z1', '2026-11-22T00:15:00Z', '2026-11-22T01:00:00Z', ''),
    );
    expect(empty.result.items).toEqual([]);
  });

  it('refuses other callers and malformed records', async () => {
    const f = new FakeFabric();
    const as = async (who: typeof bridge, records: unknown) =>
      (await f.run(who, (ctx) => telemetry.recordZoneIntervals(ctx, C, I, JSON.stringify(records)))).error?.code;
    expect(await as(utility, [record('z1')])).toBe(ErrorCodes.ACCESS_DENIED);
    expect(await as(home, [record('z1')])).toBe(ErrorCodes.ACCESS_DENIED);
    expect(await as(utilityBridge, [record('z1')])).toBe(ErrorCodes.ACCESS_DENIED);
    expect(await as(bridge, [record('z1'), record('z1')])).toBe(ErrorCodes.TELEMETRY_MALFORMED);
    expect(await as(bridge, [{ ...record('z1'), ticks: 1.5 }])).toBe(ErrorCodes.TELEMETRY_MALFORMED);
    expect(await as(bridge, [{ ...record('z1'), intervalStart: '2026-11-22T00:15:00Z' }])).toBe(ErrorCodes.TELEMETRY_MALFORMED);
    expect(await as(bridge, [])).toBe(ErrorCodes.TELEMETRY_MALFORMED);
    const household = await f.evaluate(home, (ctx) => telemetry.listZoneIntervals(ctx, C, 'z1', I, I, ''));
    expect(household.error?.code).toBe(ErrorCodes.ACCESS_DENIED);
  });
});

describe('telemetry: grid alerts', () => {
  const raisedAt = '2026-11-22T00:00:05Z';
  const raise = {
    alertId: alertIdOf(C, 'FEEDER_OVERLOAD', 'z1', raisedAt),
    communityId: C,
    kind: 'FEEDER_OVERLOAD',
    subject: 'z1',
    zone: 'z1',
    value: 930_000,
    raisedAt,
  };

  it('is raised once, acknowledged by the operator, cleared, and listed as active and in the history', async () => {
    const f = new FakeFabric();
    const raised = await f.run(bridge, (ctx) => telemetry.raiseAlert(ctx, JSON.stringify(raise)));
    expect(raised.result).toMatchObject({ status: 'raised', raisedBy: 'bridge-1', acknowledgedAt: null });
    expect(raised.events.map((e) => e.name)).toEqual(['GridAlertRaised']);
    const retried = await f.run(bridge, (ctx) => telemetry.raiseAlert(ctx, JSON.stringify(raise)));
    expect(retried.events).toEqual([]);
    const other = await f.run(bridge, (ctx) => telemetry.raiseAlert(ctx, JSON.stringify({ ...raise, value: 1 })));
    expect(other.error?.code).toBe(ErrorCodes.ALERT_STATE_INVALID);

    const active = async () =>
      (await f.evaluate(utility, (ctx) => telemetry.listAlerts(ctx, C, 'active', ''))).result.alerts.map(
        (a: { alertId: string }) => a.alertId,
      );
    expect(await active()).toEqual([raise.alertId]);

    expect((await f.run(bridge, (ctx) => telemetry.acknowledgeAlert(ctx, C, raise.alertId))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    expect((await f.run(utility, (ctx) => telemetry.acknowledgeAlert(ctx, C, raise.alertId))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    f.now += 30;
    const acked = await f.run(operator, (ctx) => telemetry.acknowledgeAlert(ctx, C, raise.alertId));
    expect(acked.result).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'op-1' });
    expect(acked.events.map((e) => e.name)).toEqual(['GridAlertAcknowledged']);

    const cleared = await f.run(bridge, (ctx) => telemetry.clearAlert(ctx, C, raise.alertId, '840000'));
    expect(cleared.result).toMatchObject({ status: 'cleared', clearValue: 840_000, clearedBy: 'bridge-1', acknowledgedBy: 'op-1' });
    expect(cleared.events.map((e) => e.name)).toEqual(['GridAlertCleared']);
    expect((await f.run(bridge, (ctx) => telemetry.clearAlert(ctx, C, raise.alertId, '1'))).events).toEqual([]);
    expect((await f.run(operator, (ctx) => telemetry.acknowledgeAlert(ctx, C, raise.alertId))).error?.code).toBe(
      ErrorCodes.ALERT_STATE_INVALID,
    );
    expect(await active()).toEqual([]);
    const history = await f.evaluate(operator, (ctx) => telemetry.listAlerts(ctx, C, 'all', ''));
    expect(history.result.alerts.map((a: { status: string }) => a.status)).toEqual(['cleared']);
    expect((await f.evaluate(home, (ctx) => telemetry.listAlerts(ctx, C, 'all', ''))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    expect((await f.evaluate(operator, (ctx) => telemetry.getAlert(ctx, C, 'al-none'))).error?.code).toBe(ErrorCodes.ALERT_NOT_FOUND);
  });

  it('refuses a raise whose id is not that of its content, and a bad clear value', async () => {
    const f = new FakeFabric();
    expect((await f.run(bridge, (ctx) => telemetry.raiseAlert(ctx, JSON.stringify({ ...raise, subject: 'z2' })))).error?.code).toBe(
      ErrorCodes.TELEMETRY_MALFORMED,
    );
    await f.run(bridge, (ctx) => telemetry.raiseAlert(ctx, JSON.stringify(raise)));
    expect((await f.run(bridge, (ctx) => telemetry.clearAlert(ctx, C, raise.alertId, '1.5'))).error?.code).toBe(
      ErrorCodes.TELEMETRY_MALFORMED,
    );
  });
});
