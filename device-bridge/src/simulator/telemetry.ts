/**
 * The simulator's live telemetry (docs/telemetry.md): every few seconds each home's meter publishes
 * its power (the model's net flow of the current interval, with a little seeded variation), the
 * grid's frequency and its voltage; a feeder's sensor and the connection point, when the simulator
 * has their credentials, publish the homes' sum (one feeder: the connection point sees the same).
 */
import type { MqttClient } from 'mqtt';
import { formatInstant } from '@gridledger/core';
import type { Logger } from '@gridledger/network';
import { meterTelemetryTopic, sensorTelemetryTopic } from '../topics';
import { homeEnergy, INTERVAL_SECONDS, prng, type Home, type ModelClock } from './model';

export interface LiveValues {
  powerW: number;
  frequencyMHz: number;
  voltageMv: number;
}

/** A home's values at `epochSeconds`: the model's mean power of the quarter hour, ±3 %, 50 Hz ± 30 mHz, 230 V ± 2 %. */
export function homeLive(home: Home, epochSeconds: number, clock: ModelClock, seed = 1): LiveValues {
  const at = epochSeconds + clock.shiftSeconds;
  const quarter = at - (((at % INTERVAL_SECONDS) + INTERVAL_SECONDS) % INTERVAL_SECONDS);
  const { loadWh, pvWh } = homeEnergy(home, quarter, seed);
  const rand = prng(`${seed}|${home.homeId}|live|${epochSeconds}`);
  const meanW = ((pvWh - loadWh) * 3600) / INTERVAL_SECONDS;
  return {
    powerW: Math.round(meanW * (0.97 + 0.06 * rand())),
    frequencyMHz: 50_000 + Math.round(60 * rand()) - 30,
    voltageMv: 230_000 + Math.round(9_200 * rand()) - 4_600,
  };
}

export interface SimulatorTelemetryOptions {
  communityId: string;
  homes: Home[];
  /** Each home's meter connection (its credential may publish its telemetry topic). */
  meters: Map<string, MqttClient>;
  /** The zone the homes' meters are registered in (`unzoned` without a site). */
  zone: string;
  /** Sensor connections by sensor id and kind, each publishing the homes' sum. */
  sensors: { sensorId: string; zone: string; client: MqttClient }[];
  clock: ModelClock;
  seed: number;
  periodMs: number;
  logger: Logger;
  /** What a home's simulated device adds to its meter's power at an instant (W; none: 0). */
  devicePowerW?: (meterId: string, epochSeconds: number) => number;
}

/** Publishes every `periodMs` until stopped (QoS 0: the next sample replaces a lost one). */
export function startSimulatorTelemetry(o: SimulatorTelemetryOptions): { stop(): void } {
  const publish = (client: MqttClient, topic: string, payload: object) =>
    client
      .publishAsync(topic, JSON.stringify(payload), { qos: 0 })
      .catch((e: Error) => o.logger.warn({ topic, error: e.message }, 'telemetry not sent'));
  const tick = () => {
    const now = Math.floor(Date.now() / 1000);
    const at = formatInstant(now);
    let sumW = 0;
    for (const home of o.homes) {
      const modelled = homeLive(home, now, o.clock, o.seed);
      const live = { ...modelled, powerW: modelled.powerW + (o.devicePowerW?.(home.meterId, now) ?? 0) };
      sumW += live.powerW;
      const client = o.meters.get(home.meterId);
      if (client)
        void publish(client, meterTelemetryTopic(o.communityId, home.meterId), { deviceId: home.meterId, zone: o.zone, at, ...live });
    }
    for (const s of o.sensors) {
      void publish(s.client, sensorTelemetryTopic(o.communityId, s.sensorId), {
        deviceId: s.sensorId,
        zone: s.zone,
        at,
        powerW: sumW,
        frequencyMHz: 50_000,
        voltageMv: 230_000,
      });
    }
  };
  const timer = setInterval(tick, o.periodMs);
  return { stop: () => clearInterval(timer) };
}
