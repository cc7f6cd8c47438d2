import { ErrorCodes, GridLedgerError } from '../core/errors';
import { ID_PATTERN, ID_RULE } from '../core/identity';
import { parseMeterPublicKey } from '../core/reading';
import { isAmount, parseInstant } from '../core/units';
import { MeterBaseline, MeterKind, MeterState } from './validation';

export const METER_KINDS: readonly MeterKind[] = ['production', 'consumption', 'bidirectional'];

/** A meter registration request, as the registry contract receives it. */
export interface MeterRegistration {
  meterId: string;
  participantId: string;
  kind: MeterKind;
  /** PEM SubjectPublicKeyInfo of the meter's ECDSA P-256 key, normalised to Node's PEM export. */
  publicKeyPem: string;
  /** Sum of the capacities of the assets behind the meter; 0 for a consumption meter. */
  exportCapacityW: number;
  communityId: string;
}

/** A meter exchange recorded by the operator: a new device (key, seq, registers) from `effectiveFrom` on. */
export interface MeterExchange extends MeterBaseline {
  meterId: string;
  /** The first interval the new device measures. */
  effectiveFrom: string;
  publicKeyPem: string;
  txId: string;
  exchangedAt: string;
}

/** A meter as stored on the ledger. */
export interface MeterRecord extends MeterRegistration {
  /** MSP of the participant the meter belongs to. */
  mspId: string;
  active: boolean;
  registeredAt: string;
  registeredBy: string;
  /** The site the meter is attached to, its zone and its connection capacity (the import limit). */
  siteId?: string;
  zone?: string;
  importCapacityW?: number;
  /** Exchanges, by effectiveFrom. */
  exchanges?: MeterExchange[];
  /** When and by which transaction the meter was retired. */
  retiredAt?: string;
}

const FIELDS = ['meterId', 'participantId', 'kind', 'publicKeyPem', 'exportCapacityW', 'communityId'];

function invalid(field: string, message: string): GridLedgerError {
  return new GridLedgerError(ErrorCodes.METER_INVALID, message, { field });
}

/**
 * Meters per batch: about 1.4 KB of a transaction each (the request's PEM key and fields, then
 * the meter record and its two index entries in the write set), so 500 make ~0.7 MB, well below
 * Fabric's limits on one message (the orderer's AbsoluteMaxBytes of 10 MB per block, gRPC's 100 MB)
 * and small enough that a block of several batches stays near PreferredMaxBytes (2 MB).
 */
export const MAX_METER_BATCH = 500;

/**
 * Checks a registration request's shape, each failure with its code: METER_INVALID (details.field)
 * for the meter's own fields, PARTICIPANT_ID_INVALID for the owner, METER_KEY_INVALID for a key
 * that is not ECDSA P-256. The returned key is re-exported, so one key has one stored spelling.
 */
export function validateMeterRegistration(input: unknown): MeterRegistration {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('', 'a meter registration must be a JSON object');
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record).sort()) {
    if (!FIELDS.includes(key)) throw invalid(key, `${key} is not a field of a meter registration`);
  }
  const { meterId, participantId, kind, publicKeyPem, exportCapacityW, communityId } = record;
  if (typeof meterId !== 'string' || !ID_PATTERN.test(meterId)) throw invalid('meterId', `meterId must be ${ID_RULE}`);
  if (typeof participantId !== 'string' || !ID_PATTERN.test(participantId)) {
    throw new GridLedgerError(ErrorCodes.PARTICIPANT_ID_INVALID, `participantId must be ${ID_RULE}`, { field: 'participantId' });
  }
  if (typeof kind !== 'string' || !(METER_KINDS as readonly string[]).includes(kind)) {
    throw invalid('kind', `kind must be one of ${METER_KINDS.join(', ')}`);
  }
  if (!isAmount(exportCapacityW)) throw invalid('exportCapacityW', 'exportCapacityW must be a non-negative integer (W)');
  if (kind === 'consumption' && exportCapacityW !== 0) throw invalid('exportCapacityW', 'a consumption meter has exportCapacityW 0');
  if (typeof communityId !== 'string' || !ID_PATTERN.test(communityId)) throw invalid('communityId', `communityId must be ${ID_RULE}`);
  if (typeof publicKeyPem !== 'string' || publicKeyPem.length > 4096) {
    throw new GridLedgerError(ErrorCodes.METER_KEY_INVALID, 'publicKeyPem must be a PEM public key', { field: 'publicKeyPem' });
  }
  const key = parseMeterPublicKey(publicKeyPem);
  return {
    meterId,
    participantId,
    kind: kind as MeterKind,
    publicKeyPem: key.export({ type: 'spki', format: 'pem' }).toString(),
    exportCapacityW,
    communityId,
  };
}

/** What the reading rules need of a stored meter. */
export function meterStateOf(record: MeterRecord): MeterState {
  return {
    meterId: record.meterId,
    kind: record.kind,
    active: record.active,
    publicKey: parseMeterPublicKey(record.publicKeyPem),
    exportCapacityW: record.exportCapacityW,
    ...(record.importCapacityW !== undefined ? { importCapacityW: record.importCapacityW } : {}),
    ...(record.exchanges !== undefined && record.exchanges.length > 0
      ? {
          epochs: record.exchanges.map((x) => ({
            fromSeconds: parseInstant(x.effectiveFrom)!,
            publicKey: parseMeterPublicKey(x.publicKeyPem),
            baseline: { firstSeq: x.firstSeq, importRegisterWh: x.importRegisterWh, exportRegisterWh: x.exportRegisterWh },
          })),
        }
      : {}),
  };
}
