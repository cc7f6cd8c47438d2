import { ErrorCodes } from '../../src/core/errors';
import { parseInstant } from '../../src/core/units';
import {
  accumulateBalance,
  alertActiveAfter,
  alertChanges,
  alertIdOf,
  checkSampleDevice,
  conditionKey,
  DEFAULT_ALERT_RULES,
  liveBalance,
  parseAlertRaise,
  parseTelemetrySample,
  stepAlert,
  zoneIntervalRecords,
  type GridAlert,
  type LatestSample,
  type Observation,
  type TelemetryDevice,
  type ZoneAccumulator,
} from '../../src/telemetry';

const now = parseInstant('2026-12-06T10:00:00Z')!;
const good = { deviceId: 'm-1', zone: 'z1', at: '2026-12-06T09:59:58Z', powerW: -1500, frequencyMHz: 50010, voltageMv: 231000 };

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};

describe('parseTelemetrySample', () => {
  it('takes a sample of the documented shape', () => {
    expect(parseTelemetrySample(good, now)).toEqual({ ...good, atSeconds: now - 2 });
  });

  it.each([
    [{ ...good, extra: 1 }, ErrorCodes.TELEMETRY_MALFORMED],
    [{ ...good, deviceId: 'a b' }, ErrorCodes.TELEMETRY_MALFORMED],
    [{ ...good, at: '2026-12-06T09:59:58.5Z' }, ErrorCodes.TELEMETRY_MALFORMED],
    [{ ...good, powerW: 1.5 }, ErrorCodes.TELEMETRY_MALFORMED],
    [{ ...good, powerW: '12' }, ErrorCodes.TELEMETRY_MALFORMED],
    [[good], ErrorCodes.TELEMETRY_MALFORMED],
    [{ ...good, frequencyMHz: 44_999 }, ErrorCodes.TELEMETRY_OUT_OF_RANGE],
    [{ ...good, voltageMv: 400_001 }, ErrorCodes.TELEMETRY_OUT_OF_RANGE],
    [{ ...good, powerW: -100_000_001 }, ErrorCodes.TELEMETRY_OUT_OF_RANGE],
    [{ ...good, at: '2026-12-06T10:01:01Z' }, ErrorCodes.TELEMETRY_OUT_OF_RANGE],
    [{ ...good, at: '2026-12-06T08:59:59Z' }, ErrorCodes.TELEMETRY_OUT_OF_RANGE],
  ])('refuses %j with %s', (sample, code) => {
    expect(codeOf(() => parseTelemetrySample(sample, now))).toBe(code);
  });

  it('takes a sample without frequency and voltage (a device that measures power only), but not one without power', () => {
    const { frequencyMHz: _f, voltageMv: _v, ...powerOnly } = good;
    expect(parseTelemetrySample(powerOnly, now)).toEqual({ ...powerOnly, atSeconds: now - 2 });
    const { powerW: _p, ...noPower } = good;
    expect(codeOf(() => parseTelemetrySample(noPower, now))).toBe('TELEMETRY_MALFORMED');
    expect(codeOf(() => parseTelemetrySample({ ...powerOnly, voltageMv: null }, now))).toBe('TELEMETRY_MALFORMED');
  });

  it('accepts the edges of the ranges and of the time window', () => {
    expect(parseTelemetrySample({ ...good, at: '2026-12-06T10:01:00Z', frequencyMHz: 55_000, voltageMv: 100_000 }, now).atSeconds).toBe(
      now + 60,
    );
  });
});

describe('checkSampleDevice', () => {
  const device: TelemetryDevice = { deviceId: 'm-1', zone: 'z1', kind: 'meter', participantId: 'p-1' };
  const sample = parseTelemetrySample(good, now);
  it('passes a registered device in its own zone', () => {
    expect(() => checkSampleDevice(sample, 'm-1', device)).not.toThrow();
  });
  it('refuses an unknown device, another zone and a topic of another device', () => {
    expect(codeOf(() => checkSampleDevice(sample, 'm-1', undefined))).toBe(ErrorCodes.TELEMETRY_DEVICE_UNKNOWN);
    expect(codeOf(() => checkSampleDevice(sample, 'm-1', { ...device, zone: 'z2' }))).toBe(ErrorCodes.TELEMETRY_ZONE_MISMATCH);
    expect(codeOf(() => checkSampleDevice(sample, 'm-2', device))).toBe(ErrorCodes.TELEMETRY_MALFORMED);
  });
});

const dev = (deviceId: string, zone: string, kind: TelemetryDevice['kind'] = 'meter'): TelemetryDevice => ({ deviceId, zone, kind });
const latest = (device: TelemetryDevice, powerW: number, age = 0, frequencyMHz = 50_000, voltageMv = 230_000): LatestSample => ({
  device,
  atSeconds: now - age,
  powerW,
  frequencyMHz,
  voltageMv,
});

describe('liveBalance', () => {
  it('sums supply and demand per zone, loads the feeder in the flow direction and nets the exchange', () => {
    const b = liveBalance(
      [
        latest(dev('a', 'z1'), 3000, 0, 49_990, 229_000),
        latest(dev('b', 'z1'), -1000, 1, 50_020, 234_000),
        latest(dev('c', 'z2'), -4000),
        latest(dev('d', 'z2'), -9999, 100),
      ],
      [
        { zone: 'z1', importLimitW: 10_000, exportLimitW: 4_000 },
        { zone: 'z2', importLimitW: 5_000, exportLimitW: 5_000 },
        { zone: 'z3', importLimitW: 1, exportLimitW: 1 },
      ],
      now,
      30,
    );
    expect(
      b.zones.map((z) => [z.zone, z.supplyW, z.demandW, z.netW, z.feederFlowW, z.limitW, z.loadingPpm, z.devices, z.staleDevices]),
    ).toEqual([
      ['z1', 3000, 1000, 2000, 2000, 4000, 500_000, 2, 0],
      ['z2', 0, 4000, -4000, -4000, 5000, 800_000, 2, 1],
      ['z3', 0, 0, 0, 0, 1, 0, 0, 0],
    ]);
    expect(b.zones[0]).toMatchObject({ minFrequencyMHz: 49_990, maxFrequencyMHz: 50_020, minVoltageMv: 229_000, maxVoltageMv: 234_000 });
    expect(b).toMatchObject({ supplyW: 3000, demandW: 5000, netExchangeW: -2000, exchangeMeasured: false });
  });

  it('takes the feeder and the connection point from their sensors when they report', () => {
    const b = liveBalance(
      [latest(dev('a', 'z1'), -1000), latest(dev('f1', 'z1', 'feeder'), -1200), latest(dev('cp', 'root', 'connection'), -1300)],
      [{ zone: 'z1', importLimitW: 1_000, exportLimitW: 1_000 }],
      now,
      30,
    );
    expect(b.zones).toHaveLength(1);
    expect(b.zones[0]).toMatchObject({ netW: -1000, feederFlowW: -1200, feederMeasured: true, loadingPpm: 1_200_000 });
    expect(b).toMatchObject({ netExchangeW: -1300, exchangeMeasured: true });
  });

  it('accumulates ticks into interval records with integer means', () => {
    const acc = new Map<string, ZoneAccumulator>();
    const limits = [{ zone: 'z1', importLimitW: 10_000, exportLimitW: 10_000 }];
    accumulateBalance(acc, liveBalance([latest(dev('a', 'z1'), 1000)], limits, now, 30));
    accumulateBalance(acc, liveBalance([latest(dev('a', 'z1'), -3001, 0, 50_100)], limits, now, 30));
    expect(zoneIntervalRecords(acc, '2026-12-06T10:00:00Z', 900)).toEqual([
      {
        zone: 'z1',
        intervalStart: '2026-12-06T10:00:00Z',
        intervalSeconds: 900,
        ticks: 2,
        meanSupplyW: 500,
        meanDemandW: 1500,
        meanFeederFlowW: -1000,
        peakLoadingPpm: 300_100,
        minFrequencyMHz: 50_000,
        maxFrequencyMHz: 50_100,
        minVoltageMv: 230_000,
        maxVoltageMv: 230_000,
      },
    ]);
  });
});

describe('alerts with hysteresis', () => {
  const feeder = (loadingPpm: number): Observation => ({ kind: 'FEEDER_OVERLOAD', subject: 'z1', zone: 'z1', loadingPpm });
  it('raises a feeder at 90 % once, holds it down to 85 % and clears it below', () => {
    const active = new Set<string>();
    const run = (ppm: number) => alertChanges(active, [feeder(ppm)]).map((c) => c.change);
    expect(run(899_999)).toEqual([]);
    expect(run(900_000)).toEqual(['raise']);
    expect(run(950_000)).toEqual([]);
    expect(run(880_000)).toEqual([]);
    expect(run(850_000)).toEqual([]);
    expect(run(849_999)).toEqual(['clear']);
    expect(run(880_000)).toEqual([]);
    expect(active.has(conditionKey('FEEDER_OVERLOAD', 'z1'))).toBe(false);
  });

  it('bands frequency and voltage with a clearing margin', () => {
    const f = (frequencyMHz: number): Observation => ({ kind: 'FREQUENCY_OUT_OF_BAND', subject: 'm', zone: 'z', frequencyMHz });
    expect(alertActiveAfter(false, f(50_200))).toBe(false);
    expect(alertActiveAfter(false, f(49_799))).toBe(true);
    expect(alertActiveAfter(true, f(49_850))).toBe(false);
    expect(alertActiveAfter(true, f(49_849))).toBe(true);
    const v = (voltageMv: number): Observation => ({ kind: 'VOLTAGE_OUT_OF_BAND', subject: 'm', zone: 'z', voltageMv });
    expect(alertActiveAfter(false, v(253_000))).toBe(false);
    expect(alertActiveAfter(false, v(253_001))).toBe(true);
    expect(alertActiveAfter(true, v(250_700))).toBe(false);
    expect(alertActiveAfter(true, v(250_701))).toBe(true);
    expect(alertActiveAfter(true, v(206_999))).toBe(true);
  });

  it('raises missing telemetry after the silence and clears it with the next sample', () => {
    const m = (silentSeconds: number): Observation => ({ kind: 'TELEMETRY_MISSING', subject: 'm', zone: 'z', silentSeconds });
    const active = new Set<string>();
    expect(alertChanges(active, [m(DEFAULT_ALERT_RULES.missingAfterSeconds)])).toEqual([]);
    expect(alertChanges(active, [m(31)]).map((c) => c.change)).toEqual(['raise']);
    expect(alertChanges(active, [m(0)]).map((c) => c.change)).toEqual(['clear']);
  });
});

describe('alert records', () => {
  const raise = {
    communityId: 'community-1',
    kind: 'FEEDER_OVERLOAD' as const,
    subject: 'z1',
    zone: 'z1',
    value: 950_000,
    raisedAt: '2026-12-06T10:00:00Z',
  };
  const withId = { ...raise, alertId: alertIdOf(raise.communityId, raise.kind, raise.subject, raise.raisedAt) };

  it('takes a raise whose id is that of its content, and refuses another id or kind', () => {
    expect(parseAlertRaise(withId)).toEqual(withId);
    expect(codeOf(() => parseAlertRaise({ ...withId, value: 1 }))).toBe(undefined);
    expect(codeOf(() => parseAlertRaise({ ...withId, subject: 'z2' }))).toBe(ErrorCodes.TELEMETRY_MALFORMED);
    expect(codeOf(() => parseAlertRaise({ ...withId, kind: 'FIRE' }))).toBe(ErrorCodes.TELEMETRY_MALFORMED);
  });

  it('is acknowledged (idempotently) and cleared, and a cleared alert takes no step', () => {
    const alert: GridAlert = {
      ...withId,
      status: 'raised',
      raisedBy: 'bridge',
      acknowledgedAt: null,
      acknowledgedBy: null,
      clearedAt: null,
      clearedBy: null,
      clearValue: null,
    };
    const acked = stepAlert(alert, 'acknowledge', 'operator', '2026-12-06T10:01:00Z');
    expect(acked).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'operator' });
    expect(stepAlert(acked, 'acknowledge', 'other', '2026-12-06T10:02:00Z')).toBe(acked);
    const cleared = stepAlert(acked, 'clear', 'bridge', '2026-12-06T10:03:00Z', 800_000);
    expect(cleared).toMatchObject({ status: 'cleared', clearValue: 800_000, acknowledgedBy: 'operator' });
    expect(codeOf(() => stepAlert(cleared, 'acknowledge', 'operator', '2026-12-06T10:04:00Z'))).toBe(ErrorCodes.ALERT_STATE_INVALID);
  });
});
