import { ErrorCodes, GridLedgerError } from '../core/errors';
import { DAY_SECONDS } from '../core/units';

/** The market parameters the metering rules depend on, as stored on the ledger. */
export interface MeteringParams {
  /** Length of a delivery interval; intervals are aligned to the Unix epoch. */
  intervalSeconds: number;
  /** How long after its interval has ended a reading is still accepted. */
  lateWindowSeconds: number;
  /** Export may exceed capacity × interval by this much (meter accuracy), in parts per million. */
  capacityTolerancePpm: number;
  /** |net| of a participant's interval from which it is announced as surplus or deficit (0: any). */
  surplusThresholdWh: number;
  /** Meters one window-close transaction takes on at most (it always finishes a participant): the page size of the close. */
  closePageMeters: number;
  /**
   * How long after its hour has ended an hour of readings stays in the world state before it may be
   * archived (metering:archiveReadingHour; docs/bounded-state.md): at least the late window, the
   * dispute period, certificate issuance and the corrections of estimates.
   */
  archiveAfterSeconds: number;
  /** How long after its interval has ended a reading (or estimate) may still be disputed (disputeReading). */
  disputeWindowSeconds: number;
  /** How long after its interval has ended a reading may still replace an estimate of a closed window. */
  correctionWindowSeconds: number;
  /**
   * How the private chunks of readings leaving the state go (docs/bounded-state.md, "The chunks
   * purged"): `delete` (the members' private data store keeps their past versions, ~130 bytes a
   * reading) or `purge` (Fabric's purgePrivateData: those go too, for more peer CPU).
   */
  chunkRelease: ChunkRelease;
}

export const CHUNK_RELEASES = ['delete', 'purge'] as const;
export type ChunkRelease = (typeof CHUNK_RELEASES)[number];

/** Used while the ledger holds no parameters record: PT15M intervals, a 48 h late window, 2 %. */
export const DEFAULT_METERING_PARAMS: Readonly<MeteringParams> = Object.freeze({
  intervalSeconds: 900,
  lateWindowSeconds: 172_800,
  capacityTolerancePpm: 20_000,
  surplusThresholdWh: 0,
  closePageMeters: 100,
  archiveAfterSeconds: 90 * 86_400,
  disputeWindowSeconds: 30 * 86_400,
  correctionWindowSeconds: 30 * 86_400,
  chunkRelease: 'delete',
});

/**
 * The shortest archive horizon the parameters allow: no path may still need a reading the archive
 * removed (docs/bounded-state.md, section 2): the late window, a day more for the window close (it
 * reads the same interval a day before to estimate), the dispute period and the corrections of estimates.
 */
export function archiveFloorSeconds(
  p: Pick<MeteringParams, 'lateWindowSeconds' | 'disputeWindowSeconds' | 'correctionWindowSeconds'>,
): number {
  return Math.max(p.lateWindowSeconds + DAY_SECONDS, p.disputeWindowSeconds, p.correctionWindowSeconds);
}

/**
 * The shortest interval the ledger takes, for metering and for a market alike. A real utility
 * meters and trades in 5 to 60 minutes (15 in most of Europe); nothing in the rules needs a floor
 * other than that every day starts an interval. The floor is for the pipeline: within one interval
 * the orders of a later one are placed, the gate closes, the readings of the one before arrive and
 * are late-windowed, and the scheduler clears and settles it (docs/simulation.md, Accelerated
 * time). On the 2-core test machine under load 100 homes' interval keeps up at 20 s (orders up to
 * 12 s, readings 1 s, clearing and settlement a few transactions of 1-3 s each); shorter ones exist
 * for accelerated simulations only, never for a real community, whose operator keeps its minutes.
 */
export const MIN_INTERVAL_SECONDS = 20;

/** The error of a parameters record: market or metering. */
export type ParamsErrorCode = typeof ErrorCodes.MARKET_PARAMS_INVALID | typeof ErrorCodes.METERING_PARAMS_INVALID;

/** The parameters error `code` naming the field. */
export function paramsInvalid(code: ParamsErrorCode, field: string, message: string): GridLedgerError {
  return new GridLedgerError(code, message, { field });
}

/** An integer parameter in [min, max], or the parameters error `code`. */
export function integerParam(code: ParamsErrorCode, record: Record<string, unknown>, field: string, min: number, max: number): number {
  const value = record[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw paramsInvalid(code, field, `${field} must be an integer from ${min} to ${max}`);
  }
  return value;
}

const METERING = ErrorCodes.METERING_PARAMS_INVALID;

/**
 * Checks a complete parameters record: an interval that divides a day (so every day starts an
 * interval), a late window of at most 30 days, a tolerance of at most 100 %. Unknown fields are
 * refused, like everywhere else in the ledger's inputs.
 */
export function validateMeteringParams(input: unknown): MeteringParams {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw paramsInvalid(METERING, '', 'parameters must be a JSON object');
  const record = input as Record<string, unknown>;
  const known: readonly string[] = [
    'intervalSeconds',
    'lateWindowSeconds',
    'capacityTolerancePpm',
    'surplusThresholdWh',
    'closePageMeters',
    'archiveAfterSeconds',
    'disputeWindowSeconds',
    'correctionWindowSeconds',
    'chunkRelease',
  ];
  for (const key of Object.keys(record).sort()) {
    if (!known.includes(key)) throw paramsInvalid(METERING, key, `${key} is not a metering parameter`);
  }
  const intervalSeconds = integerParam(METERING, record, 'intervalSeconds', MIN_INTERVAL_SECONDS, DAY_SECONDS);
  if (DAY_SECONDS % intervalSeconds !== 0) throw paramsInvalid(METERING, 'intervalSeconds', 'intervalSeconds must divide a day (86400 s)');
  const lateWindowSeconds = integerParam(METERING, record, 'lateWindowSeconds', 0, 30 * DAY_SECONDS);
  const capacityTolerancePpm = integerParam(METERING, record, 'capacityTolerancePpm', 0, 1_000_000);
  // Older parameter records have no threshold: 0.
  const surplusThresholdWh =
    record.surplusThresholdWh === undefined ? 0 : integerParam(METERING, record, 'surplusThresholdWh', 0, 1_000_000_000);
  const closePageMeters =
    record.closePageMeters === undefined
      ? DEFAULT_METERING_PARAMS.closePageMeters
      : integerParam(METERING, record, 'closePageMeters', 1, 10_000);
  // Older parameter records have no archive horizon: 90 days.
  const archiveAfterSeconds =
    record.archiveAfterSeconds === undefined
      ? DEFAULT_METERING_PARAMS.archiveAfterSeconds
      : integerParam(METERING, record, 'archiveAfterSeconds', 0, 3650 * DAY_SECONDS);
  // Older parameter records have no dispute period and no correction limit: 30 days each.
  const optional = (field: 'disputeWindowSeconds' | 'correctionWindowSeconds') =>
    record[field] === undefined ? DEFAULT_METERING_PARAMS[field] : integerParam(METERING, record, field, 0, 3650 * DAY_SECONDS);
  const disputeWindowSeconds = optional('disputeWindowSeconds');
  const correctionWindowSeconds = optional('correctionWindowSeconds');
  // Older parameter records have no chunk release: delete.
  const chunkRelease = record.chunkRelease === undefined ? DEFAULT_METERING_PARAMS.chunkRelease : record.chunkRelease;
  if (!CHUNK_RELEASES.includes(chunkRelease as ChunkRelease))
    throw paramsInvalid(METERING, 'chunkRelease', `chunkRelease is one of ${CHUNK_RELEASES.join(', ')}`);
  const floor = archiveFloorSeconds({ lateWindowSeconds, disputeWindowSeconds, correctionWindowSeconds });
  if (archiveAfterSeconds < floor) {
    throw paramsInvalid(
      METERING,
      'archiveAfterSeconds',
      `archiveAfterSeconds must be at least ${floor}: the late window plus a day, the dispute period and the correction window`,
    );
  }
  return {
    intervalSeconds,
    lateWindowSeconds,
    capacityTolerancePpm,
    surplusThresholdWh,
    closePageMeters,
    archiveAfterSeconds,
    disputeWindowSeconds,
    correctionWindowSeconds,
    chunkRelease: chunkRelease as ChunkRelease,
  };
}

/** A change request: the fields it names replace those of `current`; the result is validated whole. */
export function mergeMeteringParams(current: MeteringParams, change: unknown): MeteringParams {
  if (typeof change !== 'object' || change === null || Array.isArray(change))
    throw paramsInvalid(METERING, '', 'parameters must be a JSON object');
  return validateMeteringParams({ ...current, ...(change as Record<string, unknown>) });
}
