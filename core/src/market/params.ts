import { ErrorCodes, GridLedgerError } from '../core/errors';
import { integerParam, MIN_INTERVAL_SECONDS, paramsInvalid } from '../metering/params';
import { ID_PATTERN, ID_RULE } from '../core/identity';
import { DAY_SECONDS, parseInstant } from '../core/units';
import { PPM, PriceParams, validatePriceParams } from './order';

/** A community's market, as its operator sets it (every change is recorded on the ledger). */
export interface MarketParams extends PriceParams {
  communityId: string;
  /** Length of a delivery interval; intervals are aligned to the Unix epoch. */
  intervalSeconds: number;
  /** Orders are accepted until this long before intervalStart. */
  gateClosureSeconds: number;
  /** Orders are accepted from this long before intervalStart. */
  openingHorizonSeconds: number;
  /** How intervals clear: 'uniform' (one price; the default, also when absent) or 'zonal' over the community's grid model. */
  clearingMethod?: ClearingMethod;
}

/** The clearing methods a market can select (docs/market.md, Zonal clearing). */
export const CLEARING_METHODS = ['uniform', 'zonal'] as const;
export type ClearingMethod = (typeof CLEARING_METHODS)[number];

const MARKET = ErrorCodes.MARKET_PARAMS_INVALID;

/** Used for the fields a community's first parameters record leaves out. */
export const DEFAULT_MARKET_PARAMS: Readonly<Omit<MarketParams, 'communityId'>> = Object.freeze({
  intervalSeconds: 900,
  gateClosureSeconds: 300,
  openingHorizonSeconds: DAY_SECONDS,
  feedInMicrosPerKwh: 80_000,
  retailMicrosPerKwh: 320_000,
  gridFeeMicrosPerKwh: 20_000,
  kPpm: PPM / 2,
});

/** The market parameters, the community first. */
export const MARKET_PARAMS_FIELDS: readonly (keyof MarketParams)[] = [
  'communityId',
  'intervalSeconds',
  'gateClosureSeconds',
  'openingHorizonSeconds',
  'feedInMicrosPerKwh',
  'retailMicrosPerKwh',
  'gridFeeMicrosPerKwh',
  'kPpm',
  'clearingMethod',
];

/**
 * A complete parameters record: an interval of at least MIN_INTERVAL_SECONDS that divides a day, a gate closure shorter than the
 * opening horizon (so that an interval is open for a while), a horizon of at most 7 days, and
 * the price rules of validatePriceParams. Unknown fields are refused.
 */
export function validateMarketParams(input: unknown): MarketParams {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw paramsInvalid(MARKET, '', 'parameters must be a JSON object');
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record).sort()) {
    if (!(MARKET_PARAMS_FIELDS as readonly string[]).includes(key)) throw paramsInvalid(MARKET, key, `${key} is not a market parameter`);
  }
  if (typeof record.communityId !== 'string' || !ID_PATTERN.test(record.communityId))
    throw paramsInvalid(MARKET, 'communityId', `communityId must be ${ID_RULE}`);
  const intervalSeconds = integerParam(MARKET, record, 'intervalSeconds', MIN_INTERVAL_SECONDS, DAY_SECONDS);
  if (DAY_SECONDS % intervalSeconds !== 0) throw paramsInvalid(MARKET, 'intervalSeconds', 'intervalSeconds must divide a day (86400 s)');
  const openingHorizonSeconds = integerParam(MARKET, record, 'openingHorizonSeconds', 60, 7 * DAY_SECONDS);
  const gateClosureSeconds = integerParam(MARKET, record, 'gateClosureSeconds', 0, openingHorizonSeconds - 1);
  const params: MarketParams = {
    communityId: record.communityId,
    intervalSeconds,
    gateClosureSeconds,
    openingHorizonSeconds,
    feedInMicrosPerKwh: record.feedInMicrosPerKwh as number,
    retailMicrosPerKwh: record.retailMicrosPerKwh as number,
    gridFeeMicrosPerKwh: record.gridFeeMicrosPerKwh as number,
    kPpm: record.kPpm as number,
  };
  if (record.clearingMethod !== undefined) {
    if (!(CLEARING_METHODS as readonly unknown[]).includes(record.clearingMethod))
      throw paramsInvalid(MARKET, 'clearingMethod', `clearingMethod must be one of ${CLEARING_METHODS.join(', ')}`);
    params.clearingMethod = record.clearingMethod as ClearingMethod;
  }
  validatePriceParams(params);
  return params;
}

/** A change: the fields it names replace those of `current` (or of the defaults); the result is validated whole. */
export function mergeMarketParams(current: MarketParams | undefined, communityId: string, change: unknown): MarketParams {
  if (typeof change !== 'object' || change === null || Array.isArray(change))
    throw paramsInvalid(MARKET, '', 'parameters must be a JSON object');
  const c = change as Record<string, unknown>;
  if (c.communityId !== undefined && c.communityId !== communityId) throw paramsInvalid(MARKET, 'communityId', 'communityId cannot change');
  return validateMarketParams({ ...(current ?? { ...DEFAULT_MARKET_PARAMS, communityId }), ...c, communityId });
}

/**
 * When a change takes effect: a community's first parameters at once; any later change only for
 * intervals that no order can have named yet, i.e. from the first interval (of the new length)
 * that starts after the current opening horizon. Orders already placed are thus cleared and
 * settled under the parameters they were placed under.
 */
export function effectiveFrom(nowSeconds: number, previous: MarketParams | undefined, next: MarketParams): number {
  if (previous === undefined) return 0;
  const horizon = nowSeconds + Math.max(previous.openingHorizonSeconds, next.openingHorizonSeconds);
  return Math.ceil((horizon + 1) / next.intervalSeconds) * next.intervalSeconds;
}

export type IntervalPhase = 'not-open' | 'open' | 'gate-closed';

/** Where an interval stands at `nowSeconds` for order placement; the ledger's interval record may close it earlier. */
export function intervalPhase(params: MarketParams, intervalStartSeconds: number, nowSeconds: number): IntervalPhase {
  if (nowSeconds < intervalStartSeconds - params.openingHorizonSeconds) return 'not-open';
  if (nowSeconds >= intervalStartSeconds - params.gateClosureSeconds) return 'gate-closed';
  return 'open';
}

/** An interval start of the market: a UTC instant on its grid, or INTERVAL_INVALID. */
export function parseIntervalStart(text: unknown, intervalSeconds: number): number {
  const seconds = typeof text === 'string' ? parseInstant(text) : undefined;
  if (seconds === undefined || seconds % intervalSeconds !== 0) {
    throw new GridLedgerError(ErrorCodes.INTERVAL_INVALID, `intervalStart must be a UTC instant on the ${intervalSeconds} s grid`, {
      intervalStart: String(text),
    });
  }
  return seconds;
}
