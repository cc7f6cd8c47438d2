import { KeyObject } from 'node:crypto';
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { parseSignedReading, Reading, readingSignedBytes, SignedReading, verifyReadingSignature } from '../core/reading';
import { formatInstant, parseInstant } from '../core/units';

export type MeterKind = 'production' | 'consumption' | 'bidirectional';

/** The counters of a meter put in by an exchange: its first seq and its registers before its first reading. */
export interface MeterBaseline {
  firstSeq: number;
  importRegisterWh: number;
  exportRegisterWh: number;
}

/** A meter exchange as the rules need it: from `fromSeconds` on, readings are signed by the new key and counted from the baseline. */
export interface MeterEpoch {
  fromSeconds: number;
  publicKey: KeyObject;
  baseline: MeterBaseline;
}

/** What the validation needs to know of the meter a reading names, as registered on the ledger. */
export interface MeterState {
  meterId: string;
  kind: MeterKind;
  active: boolean;
  publicKey: KeyObject;
  /** Sum of the capacities of the assets this meter measures; a meter without assets cannot export. */
  exportCapacityW: number;
  /** The connection capacity of the meter's site; without a site, import is not limited. */
  importCapacityW?: number;
  /** Exchanges of the meter, by fromSeconds: each starts a new epoch of seq and registers. */
  epochs?: MeterEpoch[];
}

/** The ledger state around one reading: loaded by the contract, judged here. */
export interface ReadingContext {
  /** The registered meter the reading names, if any. */
  meter: MeterState | undefined;
  intervalSeconds: number;
  /** The transaction's timestamp in epoch seconds: the same on every peer. */
  nowSeconds: number;
  /** How long after its interval has ended a reading is still accepted. */
  lateWindowSeconds: number;
  /** How long after its interval has ended a reading may still replace an estimate (none: no limit). */
  correctionWindowSeconds?: number;
  /** Export may exceed capacity × interval by this much (meter accuracy), in parts per million. */
  capacityTolerancePpm: number;
  /** The reading already accepted for this meter and interval, if any. */
  existing?: Reading;
  /** The nearest accepted reading of this meter before the interval, and after it. */
  previous?: Reading;
  next?: Reading;
  /** The operator closed the interval's window: it takes no new readings, only corrections of estimates. */
  windowClosed?: boolean;
  /** An estimate stands for this meter and interval (set at window close). */
  estimated?: boolean;
}

/** A run of seq numbers of one meter that never arrived: afterSeq < missing < beforeSeq. */
export interface SeqGap {
  meterId: string;
  afterSeq: number;
  beforeSeq: number;
  /** Intervals of the readings on either side; the gap is retired once the windows between them are closed (window.ts: gapSpan). */
  afterIntervalStart: string;
  beforeIntervalStart: string;
}

/**
 * Marks on an accepted reading that a utility's VEE would look at, never reasons to refuse it:
 * `spike` when an interval value is at least SPIKE_FACTOR times the previous interval's and at
 * least SPIKE_FLOOR_WH; `stuck` when neither register moved in this interval nor in the one
 * before (a household always draws some standby load).
 */
export type ReadingFlag = 'spike' | 'stuck';
export const SPIKE_FACTOR = 10;
export const SPIKE_FLOOR_WH = 1000;

export type ReadingVerdict =
  /**
   * New: store it. `closes` is the gap it lands in (replace it by `opens`); `opens` are the gaps left beside it.
   * `nextFlags`: the flags of the next stored reading of the same epoch, judged again now that this one precedes it
   * (absent when the next reading belongs to another epoch, whose flags this reading cannot change).
   */
  | {
      status: 'accepted';
      reading: SignedReading;
      closes?: SeqGap;
      opens: SeqGap[];
      flags?: ReadingFlag[];
      nextFlags?: ReadingFlag[];
      correctsEstimate?: true;
    }
  /** The same signed fields as the reading already stored: a retry, nothing to write. */
  | { status: 'duplicate'; reading: SignedReading };

const REGISTERS = [
  ['importWh', 'importRegisterWh'],
  ['exportWh', 'exportRegisterWh'],
] as const;

function reject(code: keyof typeof ErrorCodes, message: string, details: Record<string, string | number> = {}): never {
  throw new GridLedgerError(ErrorCodes[code], message, details);
}

/** Same signed fields: the same canonical bytes (signatures may differ, ECDSA is randomised). */
const sameFields = (a: Reading, b: Reading) => readingSignedBytes(a).equals(readingSignedBytes(b));

/** The epoch of the meter an interval falls in, and where the next one starts. */
function epochOf(
  meter: MeterState,
  startSeconds: number,
): { publicKey: KeyObject; fromSeconds: number; untilSeconds: number; baseline?: MeterBaseline } {
  const epochs = meter.epochs ?? [];
  let k = -1;
  while (k + 1 < epochs.length && epochs[k + 1].fromSeconds <= startSeconds) k += 1;
  const untilSeconds = k + 1 < epochs.length ? epochs[k + 1].fromSeconds : Number.POSITIVE_INFINITY;
  if (k < 0) return { publicKey: meter.publicKey, fromSeconds: Number.NEGATIVE_INFINITY, untilSeconds };
  return { publicKey: epochs[k].publicKey, fromSeconds: epochs[k].fromSeconds, untilSeconds, baseline: epochs[k].baseline };
}

/** Most Wh `capacityW` can move in the interval, with the tolerance. */
const maxWh = (capacityW: number, ctx: ReadingContext) =>
  Number((BigInt(capacityW) * BigInt(ctx.intervalSeconds) * BigInt(1_000_000 + ctx.capacityTolerancePpm)) / 3_600_000_000n);

/**
 * Every rule a reading must pass before it is stored, each failure with its own stable code, in
 * this order: shape (then the interval grid), registered meter, signature (with the key of the
 * meter's epoch), retry (a duplicate even from a retired meter), active meter, conflict, time and
 * window, plausibility of export and import, then sequence and registers against the
 * neighbouring readings of the same epoch: seq, registers decreased, registers inconsistent.
 * Neighbours are the nearest accepted readings by interval, so readings may arrive in any order
 * within the late window; a missing seq between neighbours is a gap to record, not an error.
 */
export function checkReading(input: unknown, ctx: ReadingContext): ReadingVerdict {
  const reading = parseSignedReading(input, ctx.intervalSeconds);
  const { meter } = ctx;
  const meterId = reading.meterId;
  if (meter === undefined || meter.meterId !== meterId) reject('METER_NOT_REGISTERED', `meter ${meterId} is not registered`, { meterId });
  const startSeconds = parseInstant(reading.intervalStart)!;
  const epoch = epochOf(meter, startSeconds);
  verifyReadingSignature(reading, epoch.publicKey);

  if (ctx.existing !== undefined && sameFields(ctx.existing, reading)) return { status: 'duplicate', reading };
  if (!meter.active) reject('METER_INACTIVE', `meter ${meterId} is not active`, { meterId });
  if (ctx.existing !== undefined) {
    reject('READING_CONFLICT', `meter ${meterId} already has a different reading for ${reading.intervalStart}; dispute it instead`, {
      meterId,
      intervalStart: reading.intervalStart,
    });
  }

  const end = startSeconds + ctx.intervalSeconds;
  if (end > ctx.nowSeconds) {
    reject('READING_IN_FUTURE', `the interval ${reading.intervalStart} has not ended yet`, {
      meterId,
      intervalStart: reading.intervalStart,
    });
  }
  const correctsEstimate = ctx.windowClosed === true && ctx.estimated === true;
  if (ctx.windowClosed === true && !correctsEstimate) {
    reject('READING_TOO_LATE', `the window of ${reading.intervalStart} is closed`, { meterId, intervalStart: reading.intervalStart });
  }
  if (correctsEstimate && ctx.correctionWindowSeconds !== undefined && end + ctx.correctionWindowSeconds < ctx.nowSeconds) {
    reject(
      'READING_TOO_LATE',
      `an estimate of ${reading.intervalStart} was correctable until ${ctx.correctionWindowSeconds}s after its end`,
      {
        meterId,
        intervalStart: reading.intervalStart,
      },
    );
  }
  if (!correctsEstimate && end + ctx.lateWindowSeconds < ctx.nowSeconds) {
    reject('READING_TOO_LATE', `readings for ${reading.intervalStart} were accepted until ${ctx.lateWindowSeconds}s after its end`, {
      meterId,
      intervalStart: reading.intervalStart,
    });
  }

  if (meter.kind === 'consumption' && reading.exportWh > 0) {
    reject('READING_EXPORT_IMPLAUSIBLE', `consumption meter ${meterId} cannot export`, { meterId, exportWh: reading.exportWh });
  }
  const maxExportWh = maxWh(meter.exportCapacityW, ctx);
  if (reading.exportWh > maxExportWh) {
    reject(
      'READING_EXPORT_IMPLAUSIBLE',
      `exportWh ${reading.exportWh} exceeds what ${meter.exportCapacityW} W can produce in the interval`,
      {
        meterId,
        exportWh: reading.exportWh,
        maxExportWh,
      },
    );
  }
  if (meter.importCapacityW !== undefined) {
    const maxImportWh = maxWh(meter.importCapacityW, ctx);
    if (reading.importWh > maxImportWh) {
      reject(
        'READING_IMPORT_IMPLAUSIBLE',
        `importWh ${reading.importWh} exceeds what a ${meter.importCapacityW} W connection can carry in the interval`,
        {
          meterId,
          importWh: reading.importWh,
          maxImportWh,
        },
      );
    }
  }

  // Neighbours count only within the reading's epoch; the first reading of an epoch is checked against its baseline.
  const within = (r: Reading | undefined) => {
    if (r === undefined) return undefined;
    const s = parseInstant(r.intervalStart)!;
    return s >= epoch.fromSeconds && s < epoch.untilSeconds ? r : undefined;
  };
  const previous = within(ctx.previous);
  const next = within(ctx.next);
  const baseline: Reading | undefined =
    previous === undefined && epoch.baseline !== undefined
      ? {
          meterId,
          intervalStart: formatInstant(epoch.fromSeconds - ctx.intervalSeconds),
          seq: epoch.baseline.firstSeq - 1,
          importWh: 0,
          exportWh: 0,
          importRegisterWh: epoch.baseline.importRegisterWh,
          exportRegisterWh: epoch.baseline.exportRegisterWh,
        }
      : undefined;
  const before = previous ?? baseline;
  const pairs: [Reading, Reading][] = [];
  if (before !== undefined) pairs.push([before, reading]);
  if (next !== undefined) pairs.push([reading, next]);
  for (const [earlier, later] of pairs) checkSeq(earlier, later);
  for (const [earlier, later] of pairs) checkNotDecreased(earlier, later);
  for (const [amount, register] of REGISTERS) {
    if (reading[register] < reading[amount]) {
      reject('READING_REGISTER_INCONSISTENT', `${register} is less than the interval's ${amount}`, { meterId, field: register });
    }
  }
  // From the baseline the registers must have grown by at least the interval's values (the new meter's own consumption may precede).
  for (const [earlier, later] of pairs) checkGrowth(earlier, later, earlier !== baseline && later.seq === earlier.seq + 1);

  const gap = (a: Reading, b: Reading): SeqGap => ({
    meterId,
    afterSeq: a.seq,
    beforeSeq: b.seq,
    afterIntervalStart: a.intervalStart,
    beforeIntervalStart: b.intervalStart,
  });
  const opens: SeqGap[] = [];
  if (previous !== undefined && reading.seq - previous.seq > 1) opens.push(gap(previous, reading));
  if (next !== undefined && next.seq - reading.seq > 1) opens.push(gap(reading, next));
  const closes = previous !== undefined && next !== undefined && next.seq - previous.seq > 1 ? gap(previous, next) : undefined;
  const flags = flagsOf(reading, previous);
  return {
    status: 'accepted',
    reading,
    ...(closes ? { closes } : {}),
    opens,
    ...(flags.length > 0 ? { flags } : {}),
    ...(next !== undefined ? { nextFlags: flagsOf(next, reading) } : {}),
    ...(correctsEstimate ? { correctsEstimate: true as const } : {}),
  };
}

/** VEE marks (see ReadingFlag): judged against the previous interval's reading only when it is adjacent. */
export function flagsOf(reading: Reading, previous: Reading | undefined): ReadingFlag[] {
  if (previous === undefined || previous.seq !== reading.seq - 1) return [];
  const flags: ReadingFlag[] = [];
  const spiked = (now: number, before: number) => now >= SPIKE_FLOOR_WH && now >= SPIKE_FACTOR * before;
  if (spiked(reading.importWh, previous.importWh) || spiked(reading.exportWh, previous.exportWh)) flags.push('spike');
  if (reading.importWh === 0 && reading.exportWh === 0 && previous.importWh === 0 && previous.exportWh === 0) flags.push('stuck');
  return flags;
}

function checkSeq(earlier: Reading, later: Reading): void {
  if (later.seq <= earlier.seq) {
    reject(
      'READING_SEQ_NOT_INCREASING',
      `seq ${later.seq} of ${later.intervalStart} is not above seq ${earlier.seq} of ${earlier.intervalStart}`,
      {
        meterId: later.meterId,
        intervalStart: later.intervalStart,
      },
    );
  }
}

function checkNotDecreased(earlier: Reading, later: Reading): void {
  for (const [, register] of REGISTERS) {
    if (later[register] < earlier[register]) {
      reject('READING_REGISTER_DECREASED', `${register} of ${later.intervalStart} is below that of ${earlier.intervalStart}`, {
        meterId: later.meterId,
        field: register,
      });
    }
  }
}

/**
 * Two readings of one meter, `earlier` for an earlier interval: each cumulative register must grow
 * by exactly the later interval's amount when no reading is missing between them (seq one
 * apart), by at least that much otherwise.
 */
function checkGrowth(earlier: Reading, later: Reading, adjacent: boolean): void {
  for (const [amount, register] of REGISTERS) {
    const growth = later[register] - earlier[register];
    if (adjacent ? growth !== later[amount] : growth < later[amount]) {
      reject(
        'READING_REGISTER_INCONSISTENT',
        `${register} grew by ${growth} Wh from ${earlier.intervalStart} to ${later.intervalStart}, ${amount} says ${later[amount]}`,
        {
          meterId: later.meterId,
          field: register,
        },
      );
    }
  }
}
