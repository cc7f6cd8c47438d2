import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { KeyObject } from 'node:crypto';
import { DAY_SECONDS, formatInstant } from '@gridledger/core';
import { createLogger, type Logger } from '@gridledger/network';
import { receiptsTopic } from '../topics';
import { ensureMeterKeys, loadMeterKey } from './keys';
import { mqttMeterLink, simulatedMeter } from './meter';
import { flowsOf, initialMeterState, QUARTER_HOUR_CLOCK, simulatedHomes, type Home, type ModelClock } from './model';
import { loadState, saveState, type SimulatorState } from './state';
import { startSimulatorTelemetry } from './telemetry';

export interface SimulatorOptions {
  stateDir: string;
  mqttUrl: string;
  /** A meter's connection options: TLS trust and the meter's own credential (each meter is its own client). */
  meterMqttOptions: (meterId: string) => IClientOptions;
  communityId: string;
  homes?: number;
  /** Simulated seconds per real second while catching up with the present (default 60). */
  speed?: number;
  /** First interval of a fresh simulation, or of one whose state is older, epoch s (default: now - 24 h, aligned to the interval). */
  from?: number;
  seed?: number;
  logger?: Logger;
  /** The readings' interval length and the model's clock shift (default: quarter hours, no shift). */
  clock?: ModelClock;
  /**
   * Live telemetry every `periodMs` (0: none): the homes' meters in `zone`, and the sensors whose
   * connection options are given (a feeder's head in `zone`, the connection point in the community).
   */
  telemetry?: {
    periodMs: number;
    zone: string;
    sensors: { sensorId: string; zone: string; options: IClientOptions }[];
    /** What each home's simulated battery adds to its meter's power (docs/dispatch.md). */
    devicePowerW?: (meterId: string, epochSeconds: number) => number;
  };
  /** Stop after this interval (epoch s, exclusive); for tests. */
  until?: number;
  signal?: AbortSignal;
}

/**
 * Publishes the homes' readings interval by interval: from the state's next interval (or
 * `from`) at `speed` times real time, then in real time; an interval is published only once it
 * has ended in both simulated and real time. Each reading is signed with the meter's key and
 * published with QoS 1; the state advances only when the broker has acknowledged all of an
 * interval's readings. Receipts are logged as they come back.
 */
export async function runSimulator(o: SimulatorOptions): Promise<void> {
  const log = o.logger ?? createLogger('simulator');
  const homes: Home[] = simulatedHomes(o.homes ?? 5, o.seed ?? 1);
  ensureMeterKeys(
    o.stateDir,
    homes.map((h) => h.meterId),
  );
  const keys = new Map<string, KeyObject>(homes.map((h) => [h.meterId, loadMeterKey(o.stateDir, h.meterId)]));
  const seed = o.seed ?? 1;
  const clock = o.clock ?? QUARTER_HOUR_CLOCK;
  const align = (epoch: number) => epoch - (epoch % clock.intervalSeconds);
  let state: SimulatorState = loadState(o.stateDir) ?? {
    version: 1,
    seed,
    nextIntervalStart: align(o.from ?? Math.floor(Date.now() / 1000) - DAY_SECONDS),
    meters: {},
  };
  // A state left by a run with a longer interval goes on from the next start on this run's grid;
  // one older than `from` skips to it (its meters were off in between: the ledger sees a gap).
  const resumeAt = Math.max(state.nextIntervalStart, align(o.from ?? 0));
  state.nextIntervalStart = Math.ceil(resumeAt / clock.intervalSeconds) * clock.intervalSeconds;
  for (const h of homes) state.meters[h.meterId] ??= initialMeterState(h, seed);
  const speed = o.speed ?? 60;
  const simOrigin = state.nextIntervalStart;
  const realOrigin = Date.now();

  // One connection per meter, with the meter's own credential: a meter publishes its readings and reads its receipts only.
  const clients = new Map<string, MqttClient>();
  for (const home of homes) {
    const client = connect(o.mqttUrl, { ...o.meterMqttOptions(home.meterId), clean: true, reconnectPeriod: 1000 });
    client.on('error', (e) => log.warn({ meterId: home.meterId, error: e.message }, 'mqtt error'));
    client.on('message', (_topic, payload) => {
      try {
        log.info(JSON.parse(payload.toString('utf8')) as Record<string, unknown>, 'receipt');
      } catch {
        log.warn({ meterId: home.meterId }, 'unreadable receipt');
      }
    });
    client.on('connect', () => client.subscribe(receiptsTopic(o.communityId, home.meterId), { qos: 1 }));
    clients.set(home.meterId, client);
  }
  log.info(
    {
      homes: homes.map((h) => ({ meterId: h.meterId, annualKwh: h.annualKwh, pvCapacityW: h.pvCapacityW })),
      from: formatInstant(state.nextIntervalStart),
      speed,
    },
    'simulator started',
  );

  const sensorClients = (o.telemetry?.sensors ?? []).map((s) => ({
    sensorId: s.sensorId,
    zone: s.zone,
    client: connect(o.mqttUrl, { ...s.options, clean: true, reconnectPeriod: 1000 }),
  }));
  const telemetry =
    o.telemetry && o.telemetry.periodMs > 0
      ? startSimulatorTelemetry({
          communityId: o.communityId,
          homes,
          meters: clients,
          zone: o.telemetry.zone,
          sensors: sensorClients,
          clock,
          seed,
          periodMs: o.telemetry.periodMs,
          logger: log,
          devicePowerW: o.telemetry.devicePowerW,
        })
      : undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        o.signal?.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      o.signal?.addEventListener('abort', done, { once: true });
    });
  try {
    while (!o.signal?.aborted && (o.until === undefined || state.nextIntervalStart < o.until)) {
      const start = state.nextIntervalStart;
      const end = start + clock.intervalSeconds;
      const simReadyAt = realOrigin + ((end - simOrigin) / speed) * 1000;
      const wait = Math.max(simReadyAt, end * 1000) - Date.now();
      if (wait > 0) {
        await sleep(Math.min(wait, 1000));
        continue;
      }
      const meters = { ...state.meters };
      const published = homes.map((home) => {
        const meter = simulatedMeter(
          home.meterId,
          keys.get(home.meterId)!,
          (t) => flowsOf(home, t, seed, clock),
          state.meters[home.meterId],
        );
        const signed = meter.read(start);
        meters[home.meterId] = meter.state();
        return mqttMeterLink(clients.get(home.meterId)!, o.communityId)
          .publish(signed)
          .then(() => signed);
      });
      const readings = await Promise.all(published);
      state = { ...state, nextIntervalStart: end, meters };
      saveState(o.stateDir, state);
      log.info(
        {
          intervalStart: formatInstant(start),
          readings: readings.map((r) => ({ meterId: r.meterId, seq: r.seq, importWh: r.importWh, exportWh: r.exportWh })),
        },
        'interval published',
      );
    }
  } finally {
    telemetry?.stop();
    await Promise.all([...clients.values(), ...sensorClients.map((s) => s.client)].map((c) => c.endAsync()));
  }
}
