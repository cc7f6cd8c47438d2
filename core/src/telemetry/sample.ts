/**
 * A telemetry sample as a device publishes it over MQTT (docs/telemetry.md): one device's power,
 * frequency and voltage at one instant. Samples are not signed (docs/telemetry.md, "Why samples are
 * not signed"): the broker authenticates the device and its ACL lets it publish on its own topic only.
 * Everything here is pure; the telemetry service (device-bridge/src/telemetry) calls it per message.
 */
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { formatInstant, parseInstant } from '../core/units';

export interface TelemetrySample {
  deviceId: string;
  /** The zone the device says it measures in: must be its registered zone. */
  zone: string;
  /** Whole-second UTC instant of the measurement. */
  at: string;
  /** Active power in W, signed: positive is export (into the grid), negative import. */
  powerW: number;
  /** Grid frequency in mHz (50 Hz is 50000); absent when the device does not measure it (an OpenADR report). */
  frequencyMHz?: number;
  /** RMS voltage in mV (230 V is 230000); absent when the device does not measure it. */
  voltageMv?: number;
}

/** What a device can measure; outside it a sample is refused (TELEMETRY_OUT_OF_RANGE), not alerted on. */
export const TELEMETRY_RANGES = {
  /** 100 MW either way: a community's connection point included. */
  powerW: { min: -100_000_000, max: 100_000_000 },
  frequencyMHz: { min: 45_000, max: 55_000 },
  /** 100 V to 400 V: the low-voltage network the platform's devices sit on. */
  voltageMv: { min: 100_000, max: 400_000 },
} as const;

/** How far ahead of the receiver's clock a sample's time may be, and how old it may be, in seconds. */
export const SAMPLE_MAX_AHEAD_SECONDS = 60;
export const SAMPLE_MAX_AGE_SECONDS = 3_600;

const FIELDS = ['at', 'deviceId', 'frequencyMHz', 'powerW', 'voltageMv', 'zone'] as const;
const ID = /^[A-Za-z0-9._-]{1,64}$/;

const malformed = (message: string, field: string) => new GridLedgerError(ErrorCodes.TELEMETRY_MALFORMED, message, { field });

/**
 * A sample from its parsed JSON: the documented fields and no others (frequency and voltage optional), ids of the platform's form, integer
 * values within TELEMETRY_RANGES and a time within [now - 1 h, now + 60 s]. Throws TELEMETRY_MALFORMED
 * or TELEMETRY_OUT_OF_RANGE (with `details.field`).
 */
export function parseTelemetrySample(value: unknown, nowSeconds: number): TelemetrySample & { atSeconds: number } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed('a sample is a JSON object', 'sample');
  const record = value as Record<string, unknown>;
  const extra = Object.keys(record).find((k) => !(FIELDS as readonly string[]).includes(k));
  if (extra !== undefined) throw malformed(`unknown field ${extra}`, extra);
  for (const field of ['deviceId', 'zone'] as const) {
    if (typeof record[field] !== 'string' || !ID.test(record[field])) throw malformed(`${field} must be an id [A-Za-z0-9._-]{1,64}`, field);
  }
  const atSeconds = typeof record.at === 'string' ? parseInstant(record.at) : undefined;
  if (atSeconds === undefined) throw malformed('at must be a whole-second UTC instant such as 2026-12-06T10:00:05Z', 'at');
  if (atSeconds > nowSeconds + SAMPLE_MAX_AHEAD_SECONDS || atSeconds < nowSeconds - SAMPLE_MAX_AGE_SECONDS) {
    throw new GridLedgerError(
      ErrorCodes.TELEMETRY_OUT_OF_RANGE,
      `at ${String(record.at)} is too far from now (${formatInstant(nowSeconds)})`,
      {
        field: 'at',
      },
    );
  }
  for (const field of ['powerW', 'frequencyMHz', 'voltageMv'] as const) {
    const v = record[field];
    // Power is required; frequency and voltage only when the device measures them.
    if (v === undefined && field !== 'powerW') continue;
    if (!Number.isSafeInteger(v)) throw malformed(`${field} must be an integer`, field);
    const { min, max } = TELEMETRY_RANGES[field];
    if ((v as number) < min || (v as number) > max) {
      throw new GridLedgerError(ErrorCodes.TELEMETRY_OUT_OF_RANGE, `${field} ${String(v)} is outside [${min}, ${max}]`, { field });
    }
  }
  return {
    deviceId: record.deviceId as string,
    zone: record.zone as string,
    at: record.at as string,
    atSeconds,
    powerW: record.powerW as number,
    ...(record.frequencyMHz === undefined ? {} : { frequencyMHz: record.frequencyMHz as number }),
    ...(record.voltageMv === undefined ? {} : { voltageMv: record.voltageMv as number }),
  };
}

/** A device the telemetry service knows: a registered meter, or a sensor of the grid model (a feeder's head, the connection point). */
export interface TelemetryDevice {
  deviceId: string;
  zone: string;
  kind: 'meter' | 'feeder' | 'connection';
  /** The household whose meter it is (undefined for sensors). */
  participantId?: string;
}

/**
 * The sample checked against what is registered: the device must be known (TELEMETRY_DEVICE_UNKNOWN),
 * be the one its topic names (TELEMETRY_MALFORMED) and publish for its own zone (TELEMETRY_ZONE_MISMATCH).
 */
export function checkSampleDevice(
  sample: TelemetrySample,
  topicDeviceId: string,
  device: TelemetryDevice | undefined,
): asserts device is TelemetryDevice {
  if (sample.deviceId !== topicDeviceId)
    throw malformed(`deviceId ${sample.deviceId} is not the topic's device ${topicDeviceId}`, 'deviceId');
  if (device === undefined) {
    throw new GridLedgerError(ErrorCodes.TELEMETRY_DEVICE_UNKNOWN, `no meter or sensor ${sample.deviceId} is registered`, {
      deviceId: sample.deviceId,
    });
  }
  if (device.zone !== sample.zone) {
    throw new GridLedgerError(
      ErrorCodes.TELEMETRY_ZONE_MISMATCH,
      `device ${sample.deviceId} is registered in zone ${device.zone}, not ${sample.zone}`,
      { deviceId: sample.deviceId, zone: sample.zone },
    );
  }
}
