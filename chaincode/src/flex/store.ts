/**
 * Demand response on the ledger (docs/flexibility.md): the records and where they live. Events,
 * opt-ins and the public results are on the channel; a participant's baseline and its consumption
 * in the event are consumption data, kept in the collection `demandResponse` (Community, Utility and
 * the Regulator) with their SHA-256 on the channel. No hot key: an event's record is written once
 * by its call, each participant's records by its own opt-in, baseline and settlement only.
 */
import { createHash } from 'node:crypto';
import { Context } from 'fabric-contract-api';
import { BaselineFigures, canonicalJson, ErrorCodes, FlexEvent, GridLedgerError, Performance } from '@gridledger/core';
import { key, KeyTypes, PrivateKeyTypes } from '../keys';
import { getRecord } from '../ledger';

export const FLEX_COLLECTION = 'demandResponse';

/** A participant's answer to an event, and later the hash of its fixed baseline. */
export interface OptInRecord {
  eventId: string;
  participantId: string;
  optedIn: boolean;
  /** Reduction the participant commits to (W); its shortfall is charged at the event's shortfall price. */
  committedW: number;
  /** The participant's active meters in the event's community and zones, when it opted in. */
  meterIds: string[];
  at: string;
  txId: string;
  /** Set when the baseline is fixed: sha256 of the private baseline record's canonical JSON. */
  baselineHash?: string;
  baselineFixedAt?: string;
}

/** The index of a participant's opt-ins by start: overlaps and event days. */
export interface OptInIndex {
  eventId: string;
  start: string;
  end: string;
}

/** A like day as the baseline saw it: used (its loads), or left out because of an event or a missing reading. */
export interface BaselineDay {
  day: string;
  status: 'eligible' | 'event' | 'missing' | 'archived';
  eventWh?: number[];
  adjustmentWh?: number[];
}

/** The private baseline record: everything needed to recompute it (computeBaseline) and the figures. */
export interface BaselineRecord extends BaselineFigures {
  eventId: string;
  participantId: string;
  intervals: string[];
  days: BaselineDay[];
  eventDayAdjustmentWh: number[] | null;
  fixedAt: string;
  txId: string;
}

/** The public result of a participant: what it delivered and was paid; per interval the reduction only. */
export interface ResultRecord {
  eventId: string;
  participantId: string;
  reductionWh: number;
  reductionByIntervalWh: number[];
  /** Intervals without a verified consumption (nothing delivered there). */
  missingIntervals: number;
  shortfallWh: number;
  paymentMicros: number;
  shortfallChargeMicros: number;
  netPaymentMicros: number;
  /** Whether a baseline was fixed before the start (none: nothing is paid). */
  baselineFixed: boolean;
  performanceHash: string;
  settledAt: string;
  txId: string;
}

export type PerformanceRecord = Performance & { eventId: string; participantId: string };

export const sha256Of = (value: unknown): string => createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');

export const eventKey = (ctx: Context, eventId: string) => key(ctx, KeyTypes.flexEvent, eventId);
export const optInKey = (ctx: Context, eventId: string, participantId: string) => key(ctx, KeyTypes.flexOptIn, eventId, participantId);
export const optInByKey = (ctx: Context, participantId: string, start: string, eventId: string) =>
  key(ctx, KeyTypes.flexOptInBy, participantId, start, eventId);
export const resultKey = (ctx: Context, eventId: string, participantId: string) => key(ctx, KeyTypes.flexResult, eventId, participantId);

export async function loadEvent(ctx: Context, eventId: string): Promise<FlexEvent> {
  const event = await getRecord<FlexEvent>(ctx, eventKey(ctx, eventId));
  if (event === undefined) throw new GridLedgerError(ErrorCodes.FLEX_EVENT_NOT_FOUND, `no event ${eventId} is recorded`, { eventId });
  return event;
}

/** A value of the demand-response collection, or undefined; a peer that cannot give it: PRIVATE_DATA_UNAVAILABLE. */
export async function getFlexPrivate<T>(ctx: Context, type: 'flexBaseline' | 'flexPerformance', eventId: string, participantId: string) {
  let bytes: Uint8Array;
  try {
    bytes = await ctx.stub.getPrivateData(FLEX_COLLECTION, key(ctx, PrivateKeyTypes[type], eventId, participantId));
  } catch (e) {
    throw new GridLedgerError(
      ErrorCodes.PRIVATE_DATA_UNAVAILABLE,
      `the ${type} of ${participantId} in ${eventId} is not on this peer: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (bytes === undefined || bytes === null || bytes.length === 0) return undefined;
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}

export async function putFlexPrivate(
  ctx: Context,
  type: 'flexBaseline' | 'flexPerformance',
  record: { eventId: string; participantId: string },
) {
  const k = key(ctx, PrivateKeyTypes[type], record.eventId, record.participantId);
  await ctx.stub.putPrivateData(FLEX_COLLECTION, k, Buffer.from(canonicalJson(record), 'utf8'));
}
