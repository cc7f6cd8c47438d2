import { KeyObject } from 'node:crypto';
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { parseSignedReading, Reading, readingSignedBytes, SignedReading, verifyReadingSignature } from '../core/reading';
import { parseInstant } from '../core/units';

export type MeterKind = 'production' | 'consumption' | 'bidirectional';

/** What the validation needs to know of the meter a reading names, as registered on the ledger. */
export interface MeterState {
  meterId: string;
  kind: MeterKind;
  active: boolean;
  publicKey: KeyObject;
  /** Sum of the capacities of the assets this meter measures; a meter without assets cannot export. */
  exportCapacityW: number;
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
  /** Export may exceed capacity × interval by this much (meter accuracy), in parts per million. */
  capacityTolerancePpm: number;
  /** The reading already accepted for this meter and interval, if any. */
  existing?: Reading;
  /** The nearest accepted reading of this meter before the interval, and after it. */
  previous?: Reading;
  next?: Reading;
}

/** A run of seq numbers of one meter that never arrived: afterSeq < missing < beforeSeq. */
export interface SeqGap {
  meterId: string;
  afterSeq: number;
  beforeSeq: number;
}

export type ReadingVerdict =
  /** New: store it. `closes` is the gap it lands in (replace it by `opens`); `opens` are the gaps left beside it. */
  | { status: 'accepted'; reading: SignedReading; closes?: SeqGap; opens: SeqGap[] }
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

/**
 * Every rule a reading must pass before it is stored, each failure with its own stable code, in
 * this order: shape, registered and active meter, signature, retry or conflict, time, plausibility,
 * sequence and registers against the neighbouring readings. Neighbours are the nearest accepted
 * readings by interval, so readings may arrive in any order within the late window; a missing seq
 * between neighbours is a gap to record, not an error.
 */
export function checkReading(input: unknown, ctx: ReadingContext): ReadingVerdict {
  const reading = parseSignedReading(input, ctx.intervalSeconds);
  const { meter } = ctx;
  const meterId = reading.meterId;
  if (meter === undefined || meter.meterId !== meterId) reject('METER_NOT_REGISTERED', `meter ${meterId} is not registered`, { meterId });
  if (!meter.active) reject('METER_INACTIVE', `meter ${meterId} is not active`, { meterId });
  verifyReadingSignature(reading, meter.publicKey);

  if (ctx.existing !== undefined) {
    if (sameFields(ctx.existing, reading)) return { status: 'duplicate', reading };
    reject('READING_CONFLICT', `meter ${meterId} already has a different reading for ${reading.intervalStart}; dispute it instead`, {
      meterId,
      intervalStart: reading.intervalStart,
    });
  }

  const end = parseInstant(reading.intervalStart)! + ctx.intervalSeconds;
  if (end > ctx.nowSeconds) {
    reject('READING_IN_FUTURE', `the interval ${reading.intervalStart} has not ended yet`, { meterId, intervalStart: reading.intervalStart });
  }
  if (end + ctx.lateWindowSeconds < ctx.nowSeconds) {
    reject('READING_TOO_LATE', `readings for ${reading.intervalStart} were accepted until ${ctx.lateWindowSeconds}s after its end`, {
      meterId,
      intervalStart: reading.intervalStart,
    });
  }

  if (meter.kind === 'consumption' && reading.exportWh > 0) {
    reject('READING_EXPORT_IMPLAUSIBLE', `consumption meter ${meterId} cannot export`, { meterId, exportWh: reading.exportWh });
  }
  const maxExportWh = Number(
    (BigInt(meter.exportCapacityW) * BigInt(ctx.intervalSeconds) * BigInt(1_000_000 + ctx.capacityTolerancePpm)) / 3_600_000_000n,
  );
  if (reading.exportWh > maxExportWh) {
    reject('READING_EXPORT_IMPLAUSIBLE', `exportWh ${reading.exportWh} exceeds what ${meter.exportCapacityW} W can produce in the interval`, {
      meterId,
      exportWh: reading.exportWh,
      maxExportWh,
    });
  }

  for (const [amount, register] of REGISTERS) {
    if (reading[register] < reading[amount]) {
      reject('READING_REGISTER_INCONSISTENT', `${register} is less than the interval's ${amount}`, { meterId, field: register });
    }
  }
  if (ctx.previous !== undefined) checkOrder(ctx.previous, reading);
  if (ctx.next !== undefined) checkOrder(reading, ctx.next);

  const opens: SeqGap[] = [];
  if (ctx.previous !== undefined && reading.seq - ctx.previous.seq > 1) opens.push({ meterId, afterSeq: ctx.previous.seq, beforeSeq: reading.seq });
  if (ctx.next !== undefined && ctx.next.seq - reading.seq > 1) opens.push({ meterId, afterSeq: reading.seq, beforeSeq: ctx.next.seq });
  const closes =
    ctx.previous !== undefined && ctx.next !== undefined && ctx.next.seq - ctx.previous.seq > 1
      ? { meterId, afterSeq: ctx.previous.seq, beforeSeq: ctx.next.seq }
      : undefined;
  return closes ? { status: 'accepted', reading, closes, opens } : { status: 'accepted', reading, opens };
}

/**
 * Two readings of one meter, `earlier` for an earlier interval: seq must increase, and each
 * cumulative register must grow by exactly the later interval's amount when no reading is missing
 * between them (seq one apart), by at least that much otherwise.
 */
function checkOrder(earlier: Reading, later: Reading): void {
  const meterId = later.meterId;
  if (later.seq <= earlier.seq) {
    reject('READING_SEQ_NOT_INCREASING', `seq ${later.seq} of ${later.intervalStart} is not above seq ${earlier.seq} of ${earlier.intervalStart}`, {
      meterId,
      intervalStart: later.intervalStart,
    });
  }
  const adjacent = later.seq === earlier.seq + 1;
  for (const [amount, register] of REGISTERS) {
    const growth = later[register] - earlier[register];
    if (growth < 0) {
      reject('READING_REGISTER_DECREASED', `${register} of ${later.intervalStart} is below that of ${earlier.intervalStart}`, { meterId, field: register });
    }
    if (adjacent ? growth !== later[amount] : growth < later[amount]) {
      reject('READING_REGISTER_INCONSISTENT', `${register} grew by ${growth} Wh from ${earlier.intervalStart} to ${later.intervalStart}, ${amount} says ${later[amount]}`, {
        meterId,
        field: register,
      });
    }
  }
}
