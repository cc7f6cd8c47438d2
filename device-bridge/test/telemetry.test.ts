import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Registry } from 'prom-client';
import {
  alertIdOf,
  ErrorCodes,
  formatInstant,
  parseInstant,
  type AlertRaise,
  type GridAlert,
  type ZoneIntervalTelemetry,
} from '@gridledger/core';
import { parseGridModel, type GridModel } from '../src/telemetry/grid-model';
import { seriesQuery, telemetryRoutes } from '../src/telemetry/http';
import { TelemetryMetrics } from '../src/telemetry/metrics';
import { TelemetryService, type MeterInfo, type TelemetryLedger } from '../src/telemetry/service';
import { TelemetryStore } from '../src/telemetry/store';
import { meterTelemetryTopic, sensorTelemetryTopic } from '../src/topics';

const C = 'community-1';
const T0 = parseInstant('2026-12-06T10:00:00Z')!;

/** A ledger in memory that records what the service asks of it. */
class FakeLedger implements TelemetryLedger {
  meters = new Map<string, MeterInfo>([
    ['m-1', { participantId: 'p-1', zone: 'z1', active: true }],
    ['m-2', { participantId: 'p-2', zone: 'z1', active: true }],
    ['m-old', { participantId: 'p-3', zone: 'z1', active: false }],
  ]);
  raised: AlertRaise[] = [];
  cleared: { alertId: string; value: number }[] = [];
  intervals: { intervalStart: string; records: ZoneIntervalTelemetry[] }[] = [];
  lookups = 0;
  failNextRaise = 0;
  async meter(id: string) {
    this.lookups += 1;
    return this.meters.get(id);
  }
  async intervalSeconds() {
    return 60;
  }
  async recordZoneIntervals(_c: string, intervalStart: string, records: ZoneIntervalTelemetry[]) {
    this.intervals.push({ intervalStart, records });
  }
  async raiseAlert(a: AlertRaise) {
    if (this.failNextRaise > 0) {
      this.failNextRaise -= 1;
      throw Object.assign(new Error('peer away'), { name: 'GridLedgerError', code: ErrorCodes.LEDGER_UNAVAILABLE });
    }
    this.raised.push(a);
  }
  async clearAlert(_c: string, alertId: string, value: number) {
    this.cleared.push({ alertId, value });
  }
  async activeAlerts(): Promise<GridAlert[]> {
    return [];
  }
}

const model: GridModel = parseGridModel(
  { zones: [{ zone: 'z1', importLimitW: 10_000, exportLimitW: 10_000, feederSensorId: 'feeder-z1' }], connectionSensorId: 'cp' },
  C,
);

async function setup(ledger = new FakeLedger()) {
  let now = T0 * 1000;
  const registry = new Registry();
  const metrics = new TelemetryMetrics(registry);
  const store = new TelemetryStore(':memory:', { rawRetentionSeconds: 3600, minuteRetentionSeconds: 86_400 });
  const service = await TelemetryService.start({
    communityId: C,
    mqttUrl: '',
    store,
    ledger,
    grid: { current: () => model },
    metrics,
    tickMs: 3_600_000,
    now: () => now,
    logger: { info() {}, warn() {}, error() {} },
  });
  const sample = (deviceId: string, powerW: number, extra: Record<string, unknown> = {}) =>
    Buffer.from(
      JSON.stringify({
        deviceId,
        zone: 'z1',
        at: formatInstant(Math.floor(now / 1000)),
        powerW,
        frequencyMHz: 50_000,
        voltageMv: 230_000,
        ...extra,
      }),
    );
  const refused = async () => Object.fromEntries((await metrics.refused.get()).values.map((v) => [v.labels.code, v.value]));
  return {
    ledger,
    store,
    service,
    sample,
    refused,
    advance: (ms: number) => (now += ms),
    meter: (id: string) => meterTelemetryTopic(C, id),
    sensor: (id: string) => sensorTelemetryTopic(C, id),
  };
}

describe('TelemetryService', () => {
  it('stores good samples, refuses bad ones with their codes, and keeps the good ones flowing', async () => {
    const t = await setup();
    await t.service.intake(t.meter('m-1'), t.sample('m-1', -2000));
    await t.service.intake(t.meter('m-x'), t.sample('m-x', -2000));
    await t.service.intake(t.meter('m-old'), t.sample('m-old', 10));
    await t.service.intake(t.meter('m-2'), t.sample('m-2', 1000, { zone: 'z2' }));
    await t.service.intake(t.meter('m-2'), t.sample('m-1', 1000));
    await t.service.intake(t.meter('m-2'), t.sample('m-2', 1000, { voltageMv: 1 }));
    await t.service.intake(t.meter('m-2'), Buffer.from('{not json'));
    await t.service.intake(t.sensor('m-2'), t.sample('m-2', 1000));
    await t.service.intake(t.meter('m-2'), t.sample('m-2', 1500));
    t.service.flush();
    expect(await t.refused()).toEqual({
      TELEMETRY_DEVICE_UNKNOWN: 3,
      TELEMETRY_ZONE_MISMATCH: 1,
      TELEMETRY_MALFORMED: 2,
      TELEMETRY_OUT_OF_RANGE: 1,
    });
    expect(t.store.counts().samples).toBe(2);
    const live = t.service.live();
    expect(live.devices.map((d) => [d.deviceId, d.participantId, d.powerW])).toEqual([
      ['m-1', 'p-1', -2000],
      ['m-2', 'p-2', 1500],
    ]);
    expect(live.balance.zones[0]).toMatchObject({ zone: 'z1', supplyW: 1500, demandW: 2000, feederFlowW: -500, loadingPpm: 50_000 });
    // Registry answers are cached: m-1 and m-2 were each looked up once.
    await t.service.intake(t.meter('m-1'), t.sample('m-1', -2100));
    expect(t.ledger.lookups).toBe(4);
    await t.service.stop();
  });

  it('raises a feeder overload once, retries a raise the ledger missed, and clears it below the hysteresis', async () => {
    const ledger = new FakeLedger();
    ledger.failNextRaise = 1;
    const t = await setup(ledger);
    await t.service.intake(t.sensor('feeder-z1'), t.sample('feeder-z1', -9_500));
    t.service.flush();
    await t.service.intake(t.sensor('feeder-z1'), t.sample('feeder-z1', -9_800));
    t.service.flush();
    await t.service.settled();
    expect(ledger.raised).toEqual([
      {
        alertId: alertIdOf(C, 'FEEDER_OVERLOAD', 'z1', '2026-12-06T10:00:00Z'),
        communityId: C,
        kind: 'FEEDER_OVERLOAD',
        subject: 'z1',
        zone: 'z1',
        value: 950_000,
        raisedAt: '2026-12-06T10:00:00Z',
      },
    ]);
    t.advance(1000);
    await t.service.intake(t.sensor('feeder-z1'), t.sample('feeder-z1', -8_600));
    t.service.flush();
    expect(ledger.cleared).toEqual([]);
    await t.service.intake(t.sensor('feeder-z1'), t.sample('feeder-z1', -8_400));
    t.service.flush();
    await t.service.settled();
    expect(ledger.cleared).toEqual([{ alertId: ledger.raised[0].alertId, value: 840_000 }]);
    await t.service.stop();
  });

  it('raises CONNECTION_OPEN on three dead, drifting samples at the connection point, clears it after three normal ones', async () => {
    const t = await setup();
    const cp = (powerW: number, frequencyMHz: number) => {
      t.advance(1000);
      return t.service.intake(t.sensor('cp'), t.sample('cp', powerW, { zone: C, frequencyMHz }));
    };
    // No power alone is not enough (a balanced community), nor a drift while power flows.
    for (const [p, f] of [
      [0, 50_000],
      [0, 50_000],
      [0, 50_000],
      [4_000, 49_600],
      [0, 49_600],
      [0, 49_700],
    ])
      await cp(p, f);
    await t.service.settled();
    expect(t.ledger.raised.filter((a) => a.kind === 'CONNECTION_OPEN')).toEqual([]);
    await cp(10, 49_650);
    await t.service.settled();
    expect(t.ledger.raised.filter((a) => a.kind === 'CONNECTION_OPEN')).toEqual([
      expect.objectContaining({ kind: 'CONNECTION_OPEN', subject: 'cp', zone: C, value: 10 }),
    ]);
    // One normal sample does not clear it; three do.
    await cp(3_000, 50_000);
    await cp(3_000, 50_010);
    await t.service.settled();
    expect(t.ledger.cleared).toEqual([]);
    await cp(2_500, 49_990);
    await t.service.settled();
    expect(t.ledger.cleared).toEqual([{ alertId: t.ledger.raised[0].alertId, value: 2_500 }]);
    await t.service.stop();
  });

  it('looks new meters up a few at a time, and refuses a sample whose meter the ledger cannot say with LEDGER_UNAVAILABLE', async () => {
    const ledger = new FakeLedger();
    let running = 0;
    let most = 0;
    ledger.meter = async (id: string) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5));
      running -= 1;
      if (id === 'm-2') throw Object.assign(new Error('peer away'), { name: 'GridLedgerError', code: ErrorCodes.LEDGER_UNAVAILABLE });
      return { participantId: 'p', zone: 'z1', active: true };
    };
    const t = await setup(ledger);
    await Promise.all(Array.from({ length: 40 }, (_, i) => t.service.intake(t.meter(`n-${i}`), t.sample(`n-${i}`, 1))));
    await t.service.intake(t.meter('m-2'), t.sample('m-2', 1));
    t.service.flush();
    expect(most).toBe(16);
    expect(t.store.counts().samples).toBe(40);
    expect(await t.refused()).toEqual({ LEDGER_UNAVAILABLE: 1 });
    await t.service.stop();
  });

  it('takes a sample without frequency and voltage into the balance, and neither raises nor clears a voltage alert on it', async () => {
    const t = await setup();
    await t.service.intake(t.meter('m-1'), t.sample('m-1', 500, { voltageMv: 300_000 }));
    t.service.flush();
    await t.service.settled();
    expect(t.ledger.raised.map((a) => [a.kind, a.subject])).toEqual([['VOLTAGE_OUT_OF_BAND', 'm-1']]);
    const { frequencyMHz: _f, voltageMv: _v, ...powerOnly } = JSON.parse(t.sample('m-1', -700).toString()) as Record<string, unknown>;
    t.advance(1_000);
    await t.service.intake(t.meter('m-1'), Buffer.from(JSON.stringify({ ...powerOnly, at: formatInstant(T0 + 1) })));
    t.service.flush();
    await t.service.settled();
    expect(t.ledger.cleared).toEqual([]);
    const live = t.service.live();
    expect(live.devices).toEqual([expect.objectContaining({ deviceId: 'm-1', powerW: -700 })]);
    expect(live.devices[0]).not.toHaveProperty('voltageMv');
    expect(live.balance.zones[0]).toMatchObject({ demandW: 700, minVoltageMv: null, minFrequencyMHz: null });
    expect(await t.refused()).toEqual({});
    await t.service.stop();
  });

  it('takes a late sample as a sign of life: silence counts from when a device was last heard', async () => {
    const t = await setup();
    t.advance(40_000);
    await t.service.intake(t.meter('m-1'), t.sample('m-1', 100, { at: formatInstant(T0) }));
    t.service.flush();
    await t.service.tick();
    await t.service.settled();
    expect(t.ledger.raised).toEqual([]);
    await t.service.stop();
  });

  it('raises missing telemetry after the silence, records each closed interval per zone, and downsamples', async () => {
    const t = await setup();
    await t.service.intake(t.meter('m-1'), t.sample('m-1', 3000, { frequencyMHz: 50_300 }));
    t.service.flush();
    await t.service.tick();
    t.advance(31_000);
    await t.service.tick();
    await t.service.settled();
    expect(t.ledger.raised.map((a) => [a.kind, a.subject, a.value])).toEqual([
      ['FREQUENCY_OUT_OF_BAND', 'z1', 50_300],
      ['TELEMETRY_MISSING', 'm-1', 31],
    ]);
    // Both clear with the next sample: back in band, and heard from again.
    await t.service.intake(t.meter('m-1'), t.sample('m-1', 1000));
    t.service.flush();
    t.advance(30_000);
    await t.service.tick();
    await t.service.settled();
    expect(t.ledger.cleared).toHaveLength(2);
    expect(t.ledger.intervals.map((i) => [i.intervalStart, i.records.map((r) => [r.zone, r.ticks])])).toEqual([
      ['2026-12-06T10:00:00Z', [['z1', 2]]],
    ]);
    expect(t.store.downsample(Math.floor(T0 + 120))).toBe(0);
    expect(t.store.deviceMinutes('m-1', T0, T0 + 120).map((m) => [m.minute, m.samples, m.meanPowerW])).toEqual([[T0, 2, 2000]]);
    await t.service.stop();
  });

  it('answers the live view and series over the routes, and refuses a bad span', async () => {
    const t = await setup();
    await t.service.intake(t.meter('m-1'), t.sample('m-1', -700));
    t.service.flush();
    const routes = telemetryRoutes(t.service, t.store, () => T0 + 10);
    expect(routes('/telemetry/live', new URLSearchParams())?.status).toBe(200);
    const series = routes('/telemetry/devices/m-1', new URLSearchParams({ from: '2026-12-06T09:00:00Z' }));
    expect(series).toEqual({
      status: 200,
      body: {
        deviceId: 'm-1',
        resolution: 'raw',
        from: '2026-12-06T09:00:00Z',
        to: '2026-12-06T10:00:11Z',
        series: [{ deviceId: 'm-1', zone: 'z1', at: '2026-12-06T10:00:00Z', powerW: -700, frequencyMHz: 50_000, voltageMv: 230_000 }],
      },
    });
    expect(routes('/telemetry/zones/z1', new URLSearchParams({ resolution: 'hour' }))?.status).toBe(400);
    expect(routes('/elsewhere', new URLSearchParams())).toBeUndefined();
    expect(seriesQuery(new URLSearchParams({ from: '2026-12-06T10:00:00Z', to: '2026-12-06T09:00:00Z' }), T0)).toMatchObject({
      status: 400,
    });
    await t.service.stop();
  });
});

describe('TelemetryStore', () => {
  it('keeps samples without frequency and voltage, and turns a store of the NOT NULL schema into the new one with its rows', () => {
    const dir = mkdtempSync(join(tmpdir(), 'telemetry-store-'));
    const file = join(dir, 'telemetry.sqlite');
    const old = new DatabaseSync(file);
    old.exec(`CREATE TABLE samples (device_id TEXT NOT NULL, zone TEXT NOT NULL, at INTEGER NOT NULL,
      power_w INTEGER NOT NULL, frequency_mhz INTEGER NOT NULL, voltage_mv INTEGER NOT NULL, PRIMARY KEY (device_id, at)) WITHOUT ROWID;
      CREATE INDEX samples_at ON samples (at);
      CREATE TABLE minutes (device_id TEXT NOT NULL, zone TEXT NOT NULL, minute INTEGER NOT NULL, samples INTEGER NOT NULL,
      power_sum INTEGER NOT NULL, power_min INTEGER NOT NULL, power_max INTEGER NOT NULL,
      frequency_min INTEGER NOT NULL, frequency_max INTEGER NOT NULL, voltage_min INTEGER NOT NULL, voltage_max INTEGER NOT NULL,
      PRIMARY KEY (device_id, minute)) WITHOUT ROWID;
      INSERT INTO samples VALUES ('a', 'z', ${T0}, 100, 50000, 230000);`);
    old.close();
    const store = new TelemetryStore(file, { rawRetentionSeconds: 3600, minuteRetentionSeconds: 86_400 });
    store.insert([{ deviceId: 'a', zone: 'z', at: T0 + 5, powerW: -300 }]);
    expect(store.deviceSamples('a', T0, T0 + 60)).toEqual([
      { deviceId: 'a', zone: 'z', at: T0, powerW: 100, frequencyMHz: 50_000, voltageMv: 230_000 },
      { deviceId: 'a', zone: 'z', at: T0 + 5, powerW: -300 },
    ]);
    store.insert([{ deviceId: 'b', zone: 'z', at: T0 + 7, powerW: 40 }]);
    store.downsample(T0 + 60);
    // The minute's extremes are of the samples that carry them; a device with none has null.
    expect(store.deviceMinutes('b', T0, T0 + 60)[0]).toMatchObject({ minFrequencyMHz: null, maxVoltageMv: null, meanPowerW: 40 });
    expect(store.zoneMinutes('z', T0, T0 + 60)[0]).toMatchObject({ devices: 2, powerW: -100 + 40, minFrequencyMHz: 50_000 });
    store.close();
    // Opened again: nothing to migrate, nothing lost.
    const again = new TelemetryStore(file, { rawRetentionSeconds: 3600, minuteRetentionSeconds: 86_400 });
    expect(again.counts()).toEqual({ samples: 3, minutes: 2 });
    again.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps raw samples and minute aggregates for their retention only, and sums a zone per minute', () => {
    const store = new TelemetryStore(':memory:', { rawRetentionSeconds: 120, minuteRetentionSeconds: 600 });
    const s = (deviceId: string, at: number, powerW: number) => ({
      deviceId,
      zone: 'z',
      at,
      powerW,
      frequencyMHz: 50_000,
      voltageMv: 230_000,
    });
    store.insert([s('a', T0, 100), s('a', T0 + 30, 301), s('b', T0 + 10, -50), s('a', T0 + 30, 300)]);
    expect(store.downsample(T0 + 59)).toBe(0);
    expect(store.downsample(T0 + 60)).toBe(1);
    expect(store.zoneMinutes('z', T0, T0 + 60)).toEqual([
      {
        minute: T0,
        devices: 2,
        powerW: 200 - 50,
        minFrequencyMHz: 50_000,
        maxFrequencyMHz: 50_000,
        minVoltageMv: 230_000,
        maxVoltageMv: 230_000,
      },
    ]);
    // A late sample folds its minute again.
    store.insert([s('b', T0 + 20, -150)]);
    expect(store.downsample(T0 + 61)).toBe(1);
    expect(store.zoneMinutes('z', T0, T0 + 60)[0].powerW).toBe(200 - 100);
    store.downsample(T0 + 200);
    expect(store.counts()).toEqual({ samples: 0, minutes: 2 });
    store.downsample(T0 + 700);
    expect(store.counts()).toEqual({ samples: 0, minutes: 0 });
    store.close();
  });
});
