/**
 * A dispatch (docs/dispatch.md): one setpoint for one resource, from its request to its payment.
 * requested → accepted | refused (the device's acknowledgement) | non-responsive (no
 * acknowledgement by the deadline; a replacement may be dispatched) → settled (accepted, and its
 * delivery measured and paid). The messages on the commands and acks topics are defined here too.
 */
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { ID_PATTERN } from '../core/identity';
import { parseInstant } from '../core/units';
import { DEFAULT_READINGS_WAIT_SECONDS, MAX_READINGS_WAIT_SECONDS, type DeliverySource, type Resettlement } from './delivery';
import type { Setpoint } from './setpoint';

export const DISPATCH_STATUSES = ['requested', 'accepted', 'refused', 'non-responsive', 'settled'] as const;
export type DispatchStatus = (typeof DISPATCH_STATUSES)[number];

/** How long a device has to acknowledge when the request names no other time (s). */
export const DEFAULT_ACK_TIMEOUT_SECONDS = 10;
export const MAX_ACK_TIMEOUT_SECONDS = 300;
export const MAX_DISPATCH_SECONDS = 86_400;
export const MAX_DISPATCH_PRICE_MICROS_PER_KWH = 100_000_000;

export interface DispatchRequest extends Setpoint {
  dispatchId: string;
  communityId: string;
  resourceId: string;
  priceMicrosPerKwh: number;
  ackTimeoutSeconds: number;
  /** How long after the setpoint's end its settlement waits for the meter's readings before it settles from telemetry alone (s). */
  readingsWaitSeconds: number;
  /** The dispatch this one replaces (its device did not answer), or null. */
  replaces: string | null;
  /** The FEEDER_OVERLOAD alert an automatic dispatch answers, or null. */
  alertId: string | null;
}

export interface DispatchAck {
  status: 'accepted' | 'refused';
  /** A refusing device's reason, free text (at most 200 characters); '' when accepted. */
  reason: string;
  /** The device's state of charge when it answered (Wh). */
  socWh: number;
  at: string;
}

export interface DispatchDelivery {
  baselineW: number;
  duringW: number;
  samples: number;
  /** What telemetry shows (deliveredWh of the figures above). */
  telemetryWh: number;
  /** `readings` when the meter's readings capped or confirmed telemetry's figure, `telemetry` when they were missing at `readingsBy`. */
  source: DeliverySource;
  /** The readings allowed less than telemetry showed (the cap itself stays off the channel: it derives from private import). */
  capped: boolean;
  /** The metering intervals read: [baselineFrom, from) before, [from, to) during; null when settled from telemetry alone. */
  readings: { baselineFrom: string; from: string; to: string } | null;
  deliveredWh: number;
  paymentMicros: number;
  /**
   * Only on a delivery settled from telemetry alone, once its readings were checked after all: what they allowed, the intervals
   * read (null when they never came), and when. `deliveredWh` and `paymentMicros` above stay what was first paid.
   */
  resettlement?: Resettlement & { readings: { baselineFrom: string; from: string; to: string } | null; at: string };
}

export interface DispatchRecord extends DispatchRequest {
  ownerId: string;
  zone: string;
  meterId: string;
  status: DispatchStatus;
  requestedBy: string;
  requestedAt: string;
  /** requestedAt + ackTimeoutSeconds: the device must have answered by then. */
  ackBy: string;
  /** The setpoint's end + readingsWaitSeconds: missing readings after it settle the dispatch from telemetry alone. */
  readingsBy: string;
  ack: DispatchAck | null;
  replacedBy: string | null;
  delivery: DispatchDelivery | null;
}

/** What the platform publishes on `…/devices/{deviceId}/commands`. */
export interface DispatchCommand extends Setpoint {
  dispatchId: string;
  ackBy: string;
}

export const commandOf = (d: DispatchRecord): DispatchCommand => ({
  dispatchId: d.dispatchId,
  powerW: d.powerW,
  startAt: d.startAt,
  durationSeconds: d.durationSeconds,
  ackBy: d.ackBy,
});

const invalid = (field: string, message: string) => new GridLedgerError(ErrorCodes.DISPATCH_INVALID, message, { field });

function objectOf(input: unknown, fields: readonly string[], what: string): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid(what, `${what} must be an object`);
  for (const k of Object.keys(input)) if (!fields.includes(k)) throw invalid(k, `unknown field ${k}`);
  return input as Record<string, unknown>;
}

function int(o: Record<string, unknown>, field: string, min: number, max: number, fallback?: number): number {
  const v = o[field] ?? fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max)
    throw invalid(field, `${field} must be an integer in [${min}, ${max}]`);
  return v;
}

function id(o: Record<string, unknown>, field: string, optional = false): string | null {
  const v = o[field];
  if (optional && (v === undefined || v === null)) return null;
  if (typeof v !== 'string' || !ID_PATTERN.test(v)) throw invalid(field, `${field} must be an id`);
  return v;
}

function instant(o: Record<string, unknown>, field: string): string {
  const v = o[field];
  if (typeof v !== 'string' || parseInstant(v) === undefined) throw invalid(field, `${field} must be a UTC instant`);
  return v;
}

const REQUEST_FIELDS = [
  'dispatchId',
  'communityId',
  'resourceId',
  'powerW',
  'startAt',
  'durationSeconds',
  'priceMicrosPerKwh',
  'ackTimeoutSeconds',
  'readingsWaitSeconds',
  'replaces',
  'alertId',
];

/** A dispatch request checked for its shape (DISPATCH_INVALID with details.field); the owner's limits are checked against the resource. */
export function parseDispatchRequest(input: unknown): DispatchRequest {
  const o = objectOf(input, REQUEST_FIELDS, 'dispatch');
  return {
    dispatchId: id(o, 'dispatchId') as string,
    communityId: id(o, 'communityId') as string,
    resourceId: id(o, 'resourceId') as string,
    powerW: int(o, 'powerW', -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    startAt: instant(o, 'startAt'),
    durationSeconds: int(o, 'durationSeconds', 1, MAX_DISPATCH_SECONDS),
    priceMicrosPerKwh: int(o, 'priceMicrosPerKwh', 0, MAX_DISPATCH_PRICE_MICROS_PER_KWH),
    ackTimeoutSeconds: int(o, 'ackTimeoutSeconds', 1, MAX_ACK_TIMEOUT_SECONDS, DEFAULT_ACK_TIMEOUT_SECONDS),
    readingsWaitSeconds: int(o, 'readingsWaitSeconds', 0, MAX_READINGS_WAIT_SECONDS, DEFAULT_READINGS_WAIT_SECONDS),
    replaces: id(o, 'replaces', true),
    alertId: id(o, 'alertId', true),
  };
}

/** A device's acknowledgement as published on its acks topic: `{ dispatchId, status, reason?, socWh, at }`. */
export function parseAck(input: unknown): DispatchAck & { dispatchId: string } {
  const o = objectOf(input, ['dispatchId', 'status', 'reason', 'socWh', 'at'], 'ack');
  if (o.status !== 'accepted' && o.status !== 'refused') throw invalid('status', 'status must be accepted or refused');
  const reason = o.reason ?? '';
  if (typeof reason !== 'string' || reason.length > 200) throw invalid('reason', 'reason must be a text of at most 200 characters');
  return {
    dispatchId: id(o, 'dispatchId') as string,
    status: o.status,
    reason,
    socWh: int(o, 'socWh', 0, Number.MAX_SAFE_INTEGER),
    at: instant(o, 'at'),
  };
}
