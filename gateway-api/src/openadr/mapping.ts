/**
 * Our demand-response events as OpenADR 3.0.1 objects and back (docs/openadr.md, "The mapping"). Pure.
 * An OpenADR program is a flex `programId`; an event's targets are its community and zones, its
 * intervals the metering intervals of the window, each with two payloads: PRICE (credits per kWh
 * reduced) and DISPATCH_SETPOINT_RELATIVE (the target reduction, negative W).
 */
import type { FlexEvent } from '@gridledger/core';
import { ID_PATTERN } from '@gridledger/core/core';
import { ErrorCodes, GridLedgerError } from '../errors';

export const TARGET_COMMUNITY = 'GL_COMMUNITY';
export const TARGET_ZONE = 'GL_ZONE';
export const PRICE = 'PRICE';
export const REDUCTION = 'DISPATCH_SETPOINT_RELATIVE';
/** The currency of PRICE: the platform's credits (1 credit = 1,000,000 µ). */
export const CURRENCY = 'CREDIT';
const MICROS = 1_000_000;

export interface ValuesMap {
  type: string;
  values: unknown[];
}

export interface OadrEvent {
  id: string;
  objectType: 'EVENT';
  createdDateTime: string;
  modificationDateTime: string;
  programID: string;
  eventName: string;
  priority: null;
  targets: ValuesMap[];
  payloadDescriptors: { objectType: 'EVENT_PAYLOAD_DESCRIPTOR'; payloadType: string; units: string; currency: string | null }[];
  reportDescriptors: { payloadType: string; readingType: string; units: string }[];
  intervalPeriod: { start: string; duration: string };
  intervals: { id: number; intervalPeriod: { start: string; duration: string }; payloads: ValuesMap[] }[];
}

export const durationOf = (seconds: number): string => `PT${seconds}S`;

/** A ledger event as an OpenADR event. */
export function toOadrEvent(e: FlexEvent): OadrEvent {
  const duration = durationOf(e.intervalSeconds);
  const payloads = [
    { type: PRICE, values: [e.priceMicrosPerKwh / MICROS] },
    { type: REDUCTION, values: [-e.targetReductionW] },
  ];
  return {
    id: e.eventId,
    objectType: 'EVENT',
    createdDateTime: e.calledAt,
    modificationDateTime: e.calledAt,
    programID: e.programId,
    eventName: e.eventId,
    priority: null,
    targets: [
      { type: TARGET_COMMUNITY, values: [e.communityId] },
      { type: TARGET_ZONE, values: [...e.zoneIds] },
    ],
    payloadDescriptors: [
      { objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: PRICE, units: 'KWH', currency: CURRENCY },
      { objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: REDUCTION, units: 'W', currency: null },
    ],
    reportDescriptors: [{ payloadType: 'USAGE', readingType: 'DIRECT_READ', units: 'WH' }],
    intervalPeriod: { start: e.start, duration: durationOf(e.intervalSeconds * e.intervals.length) },
    intervals: e.intervals.map((start, id) => ({ id, intervalPeriod: { start, duration }, payloads })),
  };
}

/** Whether an event matches GET /events' filters: its program, and a target of that type holding one of the values. */
export function eventMatches(e: OadrEvent, filter: { programID?: string; targetType?: string; targetValues?: string[] }): boolean {
  if (filter.programID !== undefined && e.programID !== filter.programID) return false;
  if (filter.targetType === undefined) return true;
  const target = e.targets.find((t) => t.type === filter.targetType);
  return target !== undefined && (filter.targetValues ?? []).some((v) => target.values.includes(v));
}

function invalid(path: string, message: string): GridLedgerError {
  return new GridLedgerError(ErrorCodes.REQUEST_INVALID, message, { path });
}

const payloadValue = (payloads: unknown, type: string): unknown =>
  Array.isArray(payloads) ? (payloads.find((p) => (p as ValuesMap)?.type === type) as ValuesMap | undefined)?.values?.[0] : undefined;

const targetValues = (targets: unknown, type: string): unknown[] | undefined =>
  Array.isArray(targets) ? (targets.find((t) => (t as ValuesMap)?.type === type) as ValuesMap | undefined)?.values : undefined;

/** Seconds of an ISO 8601 duration of hours, minutes and seconds (PT1H, PT15M, PT900S); undefined otherwise. */
export function secondsOf(duration: unknown): number | undefined {
  const m = typeof duration === 'string' ? /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/.exec(duration) : null;
  if (!m || duration === 'PT') return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/**
 * A flex call (core's FlexEventRequest, checked by the chaincode) from an OpenADR event: programID;
 * targets GL_COMMUNITY (one) and GL_ZONE; intervalPeriod.start and .duration (the
 * whole window); the first interval's PRICE (credits per kWh) and DISPATCH_SETPOINT_RELATIVE (W, its
 * size is the target). The id is the event's `id` or `eventName` when either is an id of ours, else
 * `fallbackId`. The opt-in deadline: halfway from `nowSeconds` to the start, on the second.
 */
export function flexRequestOf(body: unknown, fallbackId: string, nowSeconds: number): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('body', 'the event must be a JSON object');
  const b = body as Record<string, unknown>;
  if (typeof b.programID !== 'string' || !ID_PATTERN.test(b.programID)) throw invalid('body.programID', 'programID must be an id');
  const communities = targetValues(b.targets, TARGET_COMMUNITY);
  if (communities?.length !== 1) throw invalid('body.targets', `targets must name one ${TARGET_COMMUNITY}`);
  const zones = targetValues(b.targets, TARGET_ZONE);
  if (!zones?.length) throw invalid('body.targets', `targets must name ${TARGET_ZONE} values`);
  const period = (b.intervalPeriod ?? {}) as Record<string, unknown>;
  const startMs = typeof period.start === 'string' ? Date.parse(period.start) : NaN;
  const seconds = secondsOf(period.duration);
  if (!Number.isFinite(startMs) || startMs % 1000 !== 0 || seconds === undefined || seconds === 0)
    throw invalid('body.intervalPeriod', 'intervalPeriod needs a start (whole seconds) and a duration like PT15M');
  const first = Array.isArray(b.intervals) ? (b.intervals[0] as { payloads?: unknown } | undefined) : undefined;
  const price = payloadValue(first?.payloads, PRICE);
  const reduction = payloadValue(first?.payloads, REDUCTION);
  if (typeof price !== 'number' || typeof reduction !== 'number')
    throw invalid('body.intervals', `the first interval needs a ${PRICE} and a ${REDUCTION} payload (numbers)`);
  const start = startMs / 1000;
  const id = [b.id, b.eventName].find((v): v is string => typeof v === 'string' && ID_PATTERN.test(v)) ?? fallbackId;
  const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
  return {
    eventId: id,
    programId: b.programID,
    communityId: communities[0],
    zoneIds: zones,
    start: iso(start),
    end: iso(start + seconds),
    targetReductionW: Math.abs(reduction),
    priceMicrosPerKwh: Math.round(price * MICROS),
    optInDeadline: iso(Math.floor((nowSeconds + start) / 2)),
  };
}

/** An OpenADR program for one of our program ids (a flex programId), with what the VTN stored about it. */
export function toOadrProgram(
  id: string,
  stored?: { createdDateTime: string; modificationDateTime?: string; body: Record<string, unknown> },
) {
  return {
    programName: id,
    ...(stored?.body ?? {}),
    id,
    objectType: 'PROGRAM',
    createdDateTime: stored?.createdDateTime ?? null,
    modificationDateTime: stored?.modificationDateTime ?? stored?.createdDateTime ?? null,
    payloadDescriptors: [
      { objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: PRICE, units: 'KWH', currency: CURRENCY },
      { objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: REDUCTION, units: 'W', currency: null },
    ],
  };
}
