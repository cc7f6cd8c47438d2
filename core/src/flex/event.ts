/**
 * Demand-response events (docs/flexibility.md): the utility or the community operator calls
 * participants with flexible loads in some zones to reduce their consumption over a window, at a
 * price per kWh reduced. The fields follow OpenADR 3's event: a program, targets (here the zones),
 * an interval period cut into intervals (here the metering intervals). Pure: checks and shape.
 */
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { ID_PATTERN, ID_RULE } from '../core/identity';
import { formatInstant, parseInstant } from '../core/units';
import { BaselineSpec, validateBaselineSpec } from './baseline';

/** The least notice an event is called with: from the call to its start. */
export const MIN_NOTICE_SECONDS = 30;
/** Most metering intervals one event spans (a day of 15-minute intervals). */
export const MAX_EVENT_INTERVALS = 96;
/** Most zones one event targets. */
export const MAX_EVENT_ZONES = 50;
/** Largest target (1 GW) and price (1,000,000,000 µ per kWh): their products stay far below 2^53. */
export const MAX_TARGET_W = 1e9;
export const MAX_FLEX_PRICE = 1e9;

/** What the caller names. */
export interface FlexEventRequest {
  eventId: string;
  programId: string;
  communityId: string;
  zoneIds: string[];
  start: string;
  end: string;
  targetReductionW: number;
  priceMicrosPerKwh: number;
  shortfallPriceMicrosPerKwh: number;
  optInDeadline: string;
  baseline: BaselineSpec;
}

/** An event as the ledger keeps it: the request, its intervals and who called it when. */
export interface FlexEvent extends FlexEventRequest {
  intervalSeconds: number;
  /** The metering intervals of the window, by start. */
  intervals: string[];
  /** Seconds from the call to the start. */
  noticeSeconds: number;
  calledBy: string;
  mspId: string;
  calledAt: string;
  txId: string;
}

const FIELDS = [
  'eventId',
  'programId',
  'communityId',
  'zoneIds',
  'start',
  'end',
  'targetReductionW',
  'priceMicrosPerKwh',
  'shortfallPriceMicrosPerKwh',
  'optInDeadline',
  'baseline',
];

function invalid(field: string, message: string): GridLedgerError {
  return new GridLedgerError(ErrorCodes.FLEX_EVENT_INVALID, message, { field });
}

function idOf(r: Record<string, unknown>, field: string): string {
  const v = r[field];
  if (typeof v !== 'string' || !ID_PATTERN.test(v)) throw invalid(field, `${field} must be ${ID_RULE}`);
  return v;
}

function instantField(r: Record<string, unknown>, field: string): number {
  const v = typeof r[field] === 'string' ? parseInstant(r[field] as string) : undefined;
  if (v === undefined) throw invalid(field, `${field} must be a UTC instant like 2026-11-21T10:15:00Z`);
  return v;
}

function amount(r: Record<string, unknown>, field: string, min: number, max: number, fallback?: number): number {
  const v = r[field] ?? fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max)
    throw invalid(field, `${field} must be an integer from ${min} to ${max}`);
  return v;
}

/**
 * A call checked at `nowSeconds` on the metering grid of `intervalSeconds`: the window on the grid,
 * 1 to MAX_EVENT_INTERVALS intervals; its start after now (FLEX_EVENT_IN_PAST) by at least
 * MIN_NOTICE_SECONDS (FLEX_NOTICE_TOO_SHORT); the opt-in deadline after now and not after the start.
 * Anything else not of the shape: FLEX_EVENT_INVALID with details.field.
 */
export function validateFlexEvent(input: unknown, nowSeconds: number, intervalSeconds: number): FlexEventRequest & { intervals: string[] } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('', 'the event must be a JSON object');
  const r = input as Record<string, unknown>;
  for (const f of Object.keys(r).sort()) if (!FIELDS.includes(f)) throw invalid(f, `${f} is not a field of an event`);
  const eventId = idOf(r, 'eventId');
  const programId = idOf(r, 'programId');
  const communityId = idOf(r, 'communityId');
  const zones = r.zoneIds;
  if (!Array.isArray(zones) || zones.length === 0 || zones.length > MAX_EVENT_ZONES)
    throw invalid('zoneIds', `zoneIds must list 1 to ${MAX_EVENT_ZONES} zones`);
  zones.forEach((z, k) => {
    if (typeof z !== 'string' || !ID_PATTERN.test(z)) throw invalid(`zoneIds[${k}]`, `a zone id must be ${ID_RULE}`);
  });
  const start = instantField(r, 'start');
  const end = instantField(r, 'end');
  if (start % intervalSeconds !== 0 || end % intervalSeconds !== 0)
    throw invalid('start', `start and end must be on the ${intervalSeconds} s metering grid`);
  const count = (end - start) / intervalSeconds;
  if (count < 1 || count > MAX_EVENT_INTERVALS) throw invalid('end', `the window must span 1 to ${MAX_EVENT_INTERVALS} metering intervals`);
  const optInDeadline = instantField(r, 'optInDeadline');
  const request = {
    eventId,
    programId,
    communityId,
    zoneIds: [...new Set(zones as string[])].sort(),
    start: formatInstant(start),
    end: formatInstant(end),
    targetReductionW: amount(r, 'targetReductionW', 1, MAX_TARGET_W),
    priceMicrosPerKwh: amount(r, 'priceMicrosPerKwh', 1, MAX_FLEX_PRICE),
    shortfallPriceMicrosPerKwh: amount(r, 'shortfallPriceMicrosPerKwh', 0, MAX_FLEX_PRICE, 0),
    optInDeadline: formatInstant(optInDeadline),
    baseline: validateBaselineSpec(r.baseline),
    intervals: Array.from({ length: count }, (_, k) => formatInstant(start + k * intervalSeconds)),
  };
  if (start <= nowSeconds)
    throw new GridLedgerError(ErrorCodes.FLEX_EVENT_IN_PAST, `the event starts at ${request.start}, not after the call`, {
      start: request.start,
    });
  if (start - nowSeconds < MIN_NOTICE_SECONDS)
    throw new GridLedgerError(ErrorCodes.FLEX_NOTICE_TOO_SHORT, `an event is called at least ${MIN_NOTICE_SECONDS} s before its start`, {
      noticeSeconds: start - nowSeconds,
      minNoticeSeconds: MIN_NOTICE_SECONDS,
    });
  if (optInDeadline <= nowSeconds || optInDeadline > start)
    throw invalid('optInDeadline', 'optInDeadline must be after the call and not after the start');
  return request;
}

/** Whether two windows [start, end) overlap. */
export const windowsOverlap = (a: { start: string; end: string }, b: { start: string; end: string }): boolean =>
  parseInstant(a.start)! < parseInstant(b.end)! && parseInstant(b.start)! < parseInstant(a.end)!;
