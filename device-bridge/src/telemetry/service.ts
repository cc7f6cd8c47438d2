/**
 * The telemetry service (docs/telemetry.md): runs in the device bridge's process with an MQTT
 * connection of its own (`telemetry:<communityId>`, clean session, QoS 0: a lost sample is replaced
 * by the next one a few seconds later). Each sample is checked with the pure core, written to the
 * SQLite store in batches, and kept as its device's latest; the live balance and the alert rules
 * run on every batch and every tick. Alert changes and each closed interval's zone aggregates go
 * to the ledger (telemetry contract), retried until they commit.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import {
  accumulateBalance,
  alertChanges,
  alertIdOf,
  checkSampleDevice,
  conditionKey,
  connectionState,
  DEFAULT_ALERT_RULES,
  DEFAULT_OPENING_RULE,
  ErrorCodes,
  formatInstant,
  GridLedgerError,
  liveBalance,
  observedValue,
  parseTelemetrySample,
  zoneIntervalRecords,
  type AlertChange,
  type AlertRaise,
  type AlertRules,
  type CommunityBalance,
  type ConnectionSample,
  type GridAlert,
  type LatestSample,
  type Observation,
  type TelemetryDevice,
  type ZoneAccumulator,
  type ZoneIntervalTelemetry,
} from '@gridledger/core';
import { createLogger, type Logger } from '@gridledger/network';
import { backoffMs } from '../batching';
import { deviceOfTelemetryTopic, telemetryFilters } from '../topics';
import type { GridModelSource } from './grid-model';
import type { TelemetryMetrics } from './metrics';
import type { StoredSample, TelemetryStore } from './store';

/** A meter as the service needs it from the registry. */
export interface MeterInfo {
  participantId: string;
  zone?: string;
  active: boolean;
}

/** The ledger as the telemetry service uses it (device-bridge/src/telemetry/fabric.ts on Fabric). */
export interface TelemetryLedger {
  /** The meter, or undefined when none of that id is registered. */
  meter(meterId: string): Promise<MeterInfo | undefined>;
  intervalSeconds(): Promise<number>;
  recordZoneIntervals(communityId: string, intervalStart: string, records: ZoneIntervalTelemetry[]): Promise<void>;
  raiseAlert(alert: AlertRaise): Promise<void>;
  clearAlert(communityId: string, alertId: string, clearValue: number): Promise<void>;
  activeAlerts(communityId: string): Promise<GridAlert[]>;
}

/** The zone of a meter registered without a site. */
export const UNZONED = 'unzoned';

export interface TelemetryServiceOptions {
  communityId: string;
  /** The broker; '' connects to none (tests feed intake() themselves). */
  mqttUrl: string;
  mqttOptions?: IClientOptions;
  store: TelemetryStore;
  ledger: TelemetryLedger;
  grid: GridModelSource;
  metrics: TelemetryMetrics;
  rules?: AlertRules;
  /** Missing checks, interval sampling and downsampling (default 1000 ms). */
  tickMs?: number;
  /** A batch is written when it holds this many samples (default 1000) or is this old (default 200 ms). */
  maxBatch?: number;
  flushMs?: number;
  /** A sample older than this counts as missing in the live balance (default: rules.missingAfterSeconds). */
  freshSeconds?: number;
  /** Registry look-ups in flight at most (default 16). */
  maxLookups?: number;
  /** Seconds a meter's registry answer is cached (default 300; an unknown meter 30). */
  meterCacheSeconds?: number;
  /** The clock in epoch ms (tests). */
  now?: () => number;
  logger?: Logger;
}

interface CachedMeter {
  device: TelemetryDevice | undefined;
  until: number;
}

export class TelemetryService {
  private client: MqttClient | undefined;
  private readonly log: Logger;
  private readonly rules: AlertRules;
  private readonly latest = new Map<string, LatestSample>();
  /** When each device was last heard from (service clock, s): a late sample still shows the device is there. */
  private readonly heard = new Map<string, { zone: string; at: number }>();
  private batch: StoredSample[] = [];
  private batchSince = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private readonly meters = new Map<string, CachedMeter>();
  private readonly lookups = new Map<string, Promise<TelemetryDevice | undefined>>();
  private lookupsRunning = 0;
  private readonly lookupQueue: (() => void)[] = [];
  /** Active conditions (conditionKey) and the id of each one's alert on the ledger. */
  private readonly active = new Set<string>();
  private readonly alertIds = new Map<string, string>();
  /** Per condition, the chain of its ledger steps (a clear never overtakes its raise). */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly pending = new Set<Promise<void>>();
  private interval: { start: number; seconds: number; acc: Map<string, ZoneAccumulator> } | undefined;
  private lastDownsample = 0;
  private stopped = false;
  private readonly refusalLogged = new Map<string, number>();
  private balance: CommunityBalance | undefined;
  private readonly listeners = new Set<(change: AlertChange, alertId: string) => void>();
  /** The connection point sensor's latest samples, oldest first (docs/islanding.md: telemetry shows the connection open). */
  private readonly connection: ConnectionSample[] = [];

  private constructor(private readonly o: TelemetryServiceOptions) {
    this.log = o.logger ?? createLogger('telemetry');
    this.rules = o.rules ?? DEFAULT_ALERT_RULES;
  }

  static async start(o: TelemetryServiceOptions): Promise<TelemetryService> {
    const service = new TelemetryService(o);
    await service.init();
    return service;
  }

  private nowMs(): number {
    return this.o.now ? this.o.now() : Date.now();
  }

  private nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  private async init(): Promise<void> {
    await this.restoreAlerts();
    this.tickTimer = setInterval(() => void this.tick(), this.o.tickMs ?? 1000).unref();
    if (this.o.mqttUrl === '') return;
    this.client = await mqtt.connectAsync(this.o.mqttUrl, {
      clientId: `gridledger-telemetry-${this.o.communityId}`,
      ...this.o.mqttOptions,
      clean: true,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
    });
    this.client.on('message', (topic, payload) => void this.intake(topic, payload));
    this.client.on('connect', () => void this.subscribe());
    this.client.on('error', (error) => this.log.warn({ error: error.message }, 'mqtt error'));
    await this.subscribe();
    this.log.info({ communityId: this.o.communityId }, 'telemetry service started');
  }

  private async subscribe(): Promise<void> {
    try {
      await this.client?.subscribeAsync(telemetryFilters(this.o.communityId), { qos: 0 });
    } catch (e) {
      this.log.error({ error: (e as Error).message }, 'telemetry subscribe failed');
    }
  }

  /** The alerts active on the ledger, so that a restart neither raises them again nor forgets to clear them. */
  private async restoreAlerts(): Promise<void> {
    try {
      for (const a of await this.o.ledger.activeAlerts(this.o.communityId)) {
        const key = conditionKey(a.kind, a.subject);
        this.active.add(key);
        this.alertIds.set(key, a.alertId);
      }
    } catch (e) {
      this.log.warn({ error: (e as Error).message }, 'active alerts not readable; conditions start as inactive');
    }
  }

  /** Called for every alert change once its ledger step is committed (the gateway streams them from the chaincode events). */
  onAlert(listener: (change: AlertChange, alertId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Takes one MQTT message: refused with its code and counted, or batched for the store. */
  async intake(topic: string, payload: Buffer): Promise<void> {
    this.o.metrics.received.inc();
    try {
      const where = deviceOfTelemetryTopic(topic, this.o.communityId);
      if (where === undefined) throw new GridLedgerError(ErrorCodes.TELEMETRY_MALFORMED, `not a telemetry topic: ${topic}`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(payload.toString('utf8'));
      } catch {
        throw new GridLedgerError(ErrorCodes.TELEMETRY_MALFORMED, 'a sample is JSON', { field: 'sample' });
      }
      const sample = parseTelemetrySample(parsed, this.nowSeconds());
      const device =
        where.source === 'sensors' ? this.o.grid.current().sensors.get(where.deviceId) : await this.meterDevice(where.deviceId);
      checkSampleDevice(sample, where.deviceId, device);
      const { atSeconds, powerW, frequencyMHz, voltageMv } = sample;
      this.accept({
        device,
        atSeconds,
        powerW,
        ...(frequencyMHz === undefined ? {} : { frequencyMHz }),
        ...(voltageMv === undefined ? {} : { voltageMv }),
      });
    } catch (e) {
      const code = e instanceof GridLedgerError ? e.code : ErrorCodes.INTERNAL;
      this.o.metrics.refused.inc({ code });
      // Counted always, logged once a minute per code: a flood of bad samples must not flood the log.
      const last = this.refusalLogged.get(code) ?? -Infinity;
      if (this.nowMs() - last >= 60_000) {
        this.refusalLogged.set(code, this.nowMs());
        this.log.warn({ topic, code, error: (e as Error).message }, 'telemetry refused (logged once a minute per code)');
      }
    }
  }

  /** The meter as a telemetry device, from the registry (cached; concurrent look-ups of one meter are one). */
  private async meterDevice(meterId: string): Promise<TelemetryDevice | undefined> {
    const cached = this.meters.get(meterId);
    if (cached !== undefined && cached.until > this.nowMs()) return cached.device;
    let lookup = this.lookups.get(meterId);
    if (lookup === undefined) {
      lookup = this.limited(() => this.o.ledger.meter(meterId)).then(
        (m) => {
          const device: TelemetryDevice | undefined =
            m === undefined || !m.active
              ? undefined
              : { deviceId: meterId, zone: m.zone ?? UNZONED, kind: 'meter', participantId: m.participantId };
          const ttl = (device ? (this.o.meterCacheSeconds ?? 300) : 30) * 1000;
          this.meters.set(meterId, { device, until: this.nowMs() + ttl });
          return device;
        },
        (e: unknown) => {
          // The ledger did not answer: the sample cannot be judged; refused with the ledger's code, nothing cached.
          this.log.warn({ meterId, error: (e as Error).message }, 'meter look-up failed');
          throw e instanceof GridLedgerError ? e : new GridLedgerError(ErrorCodes.LEDGER_UNAVAILABLE, String(e));
        },
      );
      this.lookups.set(meterId, lookup);
      lookup.finally(() => this.lookups.delete(meterId)).catch(() => undefined);
    }
    return lookup;
  }

  /** Runs registry look-ups at most `maxLookups` (default 16) at a time: a thousand new devices do not flood the peer. */
  private limited<T>(work: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      this.lookupsRunning += 1;
      try {
        return await work();
      } finally {
        this.lookupsRunning -= 1;
        this.lookupQueue.shift()?.();
      }
    };
    if (this.lookupsRunning < (this.o.maxLookups ?? 16)) return run();
    return new Promise<void>((r) => this.lookupQueue.push(r)).then(run);
  }

  private accept(s: LatestSample): void {
    const before = this.latest.get(s.device.deviceId);
    if (before === undefined || before.atSeconds <= s.atSeconds) this.latest.set(s.device.deviceId, s);
    if (before === undefined) this.o.metrics.devices.set(this.latest.size);
    const { deviceId, zone } = s.device;
    this.heard.set(deviceId, { zone, at: this.nowSeconds() });
    this.batch.push({ deviceId, zone, at: s.atSeconds, powerW: s.powerW, frequencyMHz: s.frequencyMHz, voltageMv: s.voltageMv });
    // A sample without voltage (a device that does not measure it) neither raises nor clears a voltage alert.
    this.apply([
      ...(s.voltageMv === undefined ? [] : [{ kind: 'VOLTAGE_OUT_OF_BAND' as const, subject: deviceId, zone, voltageMv: s.voltageMv }]),
      { kind: 'TELEMETRY_MISSING', subject: deviceId, zone, silentSeconds: 0 },
    ]);
    // The connection point's rule needs the frequency: its sensor's samples without one are not judged.
    if (s.device.kind === 'connection' && s.frequencyMHz !== undefined) {
      // A CONNECTION_OPEN alert: the utility confirms it by recording the island change (POST .../island-changes with its alertId).
      this.connection.push({ powerW: s.powerW, frequencyMHz: s.frequencyMHz });
      if (this.connection.length > DEFAULT_OPENING_RULE.samples) this.connection.shift();
      this.apply([{ kind: 'CONNECTION_OPEN', subject: deviceId, zone, state: connectionState(this.connection), powerW: s.powerW }]);
    }
    if (this.batch.length === 1) this.batchSince = this.nowMs();
    if (this.batch.length >= (this.o.maxBatch ?? 1000)) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), this.o.flushMs ?? 200);
  }

  /** Writes the batch and evaluates the feeders on the new balance. */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    try {
      this.o.store.insert(batch);
      this.o.metrics.stored.inc(batch.length);
    } catch (e) {
      this.o.metrics.refused.inc({ code: ErrorCodes.INTERNAL }, batch.length);
      this.log.error({ error: (e as Error).message, samples: batch.length }, 'telemetry store write failed');
    }
    this.evaluateZones(this.batchSince);
  }

  /**
   * The balance now, and the zones' alerts on it: a feeder's loading, and the zone's frequency (one
   * grid frequency: one alert per zone, on the fresh sample farthest from nominal, not one per device).
   */
  private evaluateZones(since = this.nowMs()): CommunityBalance {
    const balance = liveBalance([...this.latest.values()], this.o.grid.current().limits, this.nowSeconds(), this.freshSeconds());
    this.balance = balance;
    const nominal = this.rules.nominalFrequencyMHz;
    this.apply(
      balance.zones.flatMap((z): Observation[] => [
        ...(z.loadingPpm === null ? [] : [{ kind: 'FEEDER_OVERLOAD' as const, subject: z.zone, zone: z.zone, loadingPpm: z.loadingPpm }]),
        ...(z.minFrequencyMHz === null || z.maxFrequencyMHz === null
          ? []
          : [
              {
                kind: 'FREQUENCY_OUT_OF_BAND' as const,
                subject: z.zone,
                zone: z.zone,
                frequencyMHz: nominal - z.minFrequencyMHz > z.maxFrequencyMHz - nominal ? z.minFrequencyMHz : z.maxFrequencyMHz,
              },
            ]),
      ]),
      since,
    );
    return balance;
  }

  private freshSeconds(): number {
    return this.o.freshSeconds ?? this.rules.missingAfterSeconds;
  }

  /** Runs the alert rules on the observations and sends each change to the ledger. */
  private apply(observations: Observation[], since = this.nowMs()): void {
    for (const change of alertChanges(this.active, observations, this.rules)) this.record(change, since);
  }

  private record(change: AlertChange, since: number): void {
    const o = change.observation;
    const key = conditionKey(o.kind, o.subject);
    const value = observedValue(o);
    let alertId: string;
    let step: () => Promise<void>;
    if (change.change === 'raise') {
      const raisedAt = formatInstant(this.nowSeconds());
      alertId = alertIdOf(this.o.communityId, o.kind, o.subject, raisedAt);
      this.alertIds.set(key, alertId);
      const raise: AlertRaise = {
        alertId,
        communityId: this.o.communityId,
        kind: o.kind,
        subject: o.subject,
        zone: o.zone,
        value,
        raisedAt,
      };
      step = async () => {
        await this.o.ledger.raiseAlert(raise);
        this.o.metrics.alertCommitSeconds.observe((this.nowMs() - since) / 1000);
      };
    } else {
      const id = this.alertIds.get(key);
      this.alertIds.delete(key);
      if (id === undefined) return;
      alertId = id;
      step = () => this.o.ledger.clearAlert(this.o.communityId, id, value);
    }
    this.log.info({ change: change.change, kind: o.kind, subject: o.subject, value, alertId }, 'grid alert');
    this.chain(key, `${change.change}Alert`, async () => {
      await step();
      this.o.metrics.alerts.inc({ kind: o.kind, change: change.change });
      for (const listener of this.listeners) listener(change, alertId);
    });
  }

  /** Runs a ledger step after the condition's earlier ones, retrying with backoff until it commits or the service stops. */
  private chain(key: string, operation: string, work: () => Promise<void>): void {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.retry(operation, work));
    this.chains.set(key, next);
    this.pending.add(next);
    void next.finally(() => {
      this.pending.delete(next);
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }

  private async retry(operation: string, work: () => Promise<void>): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await work();
        return;
      } catch (e) {
        this.o.metrics.ledgerFailures.inc({ operation });
        const code = e instanceof GridLedgerError ? e.code : ErrorCodes.INTERNAL;
        this.log.warn({ operation, attempt, code, error: (e as Error).message }, 'telemetry ledger step failed');
        // A refusal for good (the chaincode's own code, not a transient one) is not retried.
        if (code !== ErrorCodes.LEDGER_UNAVAILABLE && code !== ErrorCodes.TRANSACTION_CONFLICT && code !== ErrorCodes.INTERNAL) return;
        await new Promise((r) => setTimeout(r, backoffMs(attempt, 250, 30_000)));
      }
    }
  }

  /** Missing telemetry, the interval's sampling of the balance (and its close), downsampling. */
  async tick(): Promise<void> {
    if (this.stopped) return;
    const now = this.nowSeconds();
    this.apply(
      [...this.heard.entries()].map(([deviceId, h]) => ({
        kind: 'TELEMETRY_MISSING' as const,
        subject: deviceId,
        zone: h.zone,
        silentSeconds: now - h.at,
      })),
    );
    const balance = this.evaluateZones();
    await this.sampleInterval(now, balance);
    if (now - this.lastDownsample >= 10) {
      this.lastDownsample = now;
      try {
        this.o.store.downsample(now);
      } catch (e) {
        this.log.error({ error: (e as Error).message }, 'telemetry downsampling failed');
      }
    }
  }

  private async sampleInterval(now: number, balance: CommunityBalance): Promise<void> {
    let seconds: number;
    try {
      seconds = this.interval?.seconds ?? (await this.o.ledger.intervalSeconds());
    } catch {
      return;
    }
    const start = now - (now % seconds);
    if (this.interval !== undefined && this.interval.start !== start) {
      const closed = this.interval;
      const records = zoneIntervalRecords(closed.acc, formatInstant(closed.start), closed.seconds);
      if (records.length > 0) {
        const intervalStart = formatInstant(closed.start);
        this.chain(`interval|${intervalStart}`, 'recordZoneIntervals', () =>
          this.o.ledger.recordZoneIntervals(this.o.communityId, intervalStart, records),
        );
      }
      // The metering interval may have changed on the ledger: read it again for the next one.
      this.interval = undefined;
      void this.sampleInterval(now, balance);
      return;
    }
    this.interval ??= { start, seconds, acc: new Map() };
    if (balance.zones.length > 0) accumulateBalance(this.interval.acc, balance);
  }

  /** The live view: balance per zone, each device's latest sample and the active alerts' conditions. */
  live() {
    const balance = this.balance ?? this.evaluateZones();
    return {
      communityId: this.o.communityId,
      at: formatInstant(balance.at),
      balance: { ...balance, at: formatInstant(balance.at) },
      devices: [...this.latest.values()]
        .map((s) => ({
          deviceId: s.device.deviceId,
          kind: s.device.kind,
          zone: s.device.zone,
          ...(s.device.participantId !== undefined ? { participantId: s.device.participantId } : {}),
          at: formatInstant(s.atSeconds),
          powerW: s.powerW,
          ...(s.frequencyMHz === undefined ? {} : { frequencyMHz: s.frequencyMHz }),
          ...(s.voltageMv === undefined ? {} : { voltageMv: s.voltageMv }),
        }))
        .sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0)),
      activeAlerts: [...this.alertIds.entries()]
        .map(([key, alertId]) => ({ alertId, condition: key }))
        .sort((a, b) => (a.alertId < b.alertId ? -1 : 1)),
    };
  }

  /** Waits for the ledger steps in flight (tests, stop). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async stop(graceMs = 5_000): Promise<void> {
    if (this.stopped) return;
    clearInterval(this.tickTimer);
    this.flush();
    await Promise.race([this.settled(), new Promise((r) => setTimeout(r, graceMs).unref())]);
    this.stopped = true;
    await this.client?.endAsync().catch(() => undefined);
    this.o.store.close();
  }
}
