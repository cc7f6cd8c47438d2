import { createPublicKey, KeyObject, verify } from 'node:crypto';
import { canonicalJson } from './canonical';
import { ErrorCodes, GridLedgerError } from './errors';
import { ID_PATTERN, ID_RULE } from './identity';
import { isAmount, isIntervalStart, parseInstant } from './units';

/** One meter's measurement of one interval, exactly the fields the meter signs. */
export interface Reading {
  meterId: string;
  intervalStart: string;
  seq: number;
  importWh: number;
  exportWh: number;
  importRegisterWh: number;
  exportRegisterWh: number;
}

/** A reading as it travels: the signed fields plus `sig`, base64 of the DER ECDSA P-256 signature. */
export interface SignedReading extends Reading {
  sig: string;
}

const AMOUNT_FIELDS = ['seq', 'importWh', 'exportWh', 'importRegisterWh', 'exportRegisterWh'] as const;
const FIELDS = new Set<string>(['meterId', 'intervalStart', ...AMOUNT_FIELDS, 'sig']);

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** A DER ECDSA P-256 signature is 8 to 72 bytes; anything else is not one. */
const MAX_SIG_BASE64 = 96;

function malformed(field: string, reason: string): GridLedgerError {
  return new GridLedgerError(ErrorCodes.READING_MALFORMED, `reading.${field} ${reason}`, { field });
}

/**
 * Checks the shape of a signed reading received from outside (MQTT payload, API body, chaincode
 * argument) and returns it typed. It does not look at the signature or at any ledger state.
 */
export function parseSignedReading(input: unknown, intervalSeconds: number): SignedReading {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw malformed('', 'must be a JSON object');
  }
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record).sort()) {
    if (!FIELDS.has(key)) throw malformed(key, 'is not a field of a reading');
  }
  const { meterId, intervalStart, sig } = record;
  if (typeof meterId !== 'string' || !ID_PATTERN.test(meterId)) {
    throw malformed('meterId', `must be ${ID_RULE}`);
  }
  if (typeof intervalStart !== 'string') throw malformed('intervalStart', 'must be a string');
  const start = parseInstant(intervalStart);
  if (start === undefined) {
    throw malformed('intervalStart', 'must be a UTC instant like 2026-11-21T10:15:00Z');
  }
  for (const field of AMOUNT_FIELDS) {
    if (!isAmount(record[field])) throw malformed(field, 'must be a non-negative safe integer');
  }
  if (typeof sig !== 'string' || sig.length > MAX_SIG_BASE64 || !BASE64.test(sig)) {
    throw malformed('sig', 'must be the base64 DER signature');
  }
  // The grid is checked only once the whole shape is right: a badly shaped reading is MALFORMED.
  if (!isIntervalStart(start, intervalSeconds)) {
    throw new GridLedgerError(
      ErrorCodes.READING_INTERVAL_MISALIGNED,
      `reading.intervalStart ${intervalStart} is not the start of a ${intervalSeconds}s interval`,
      { field: 'intervalStart', intervalSeconds },
    );
  }
  return record as unknown as SignedReading;
}

/** The bytes a meter signs: the canonical JSON (RFC 8785) of the reading without `sig`. */
export function readingSignedBytes(reading: Reading): Buffer {
  const { meterId, intervalStart, seq, importWh, exportWh, importRegisterWh, exportRegisterWh } = reading;
  return Buffer.from(canonicalJson({ meterId, intervalStart, seq, importWh, exportWh, importRegisterWh, exportRegisterWh }), 'utf8');
}

/** Meter keys parsed so far, by PEM (a KeyObject is immutable; the same PEM always gives the same key). */
const parsedKeys = new Map<string, KeyObject>();
const PARSED_KEYS_MAX = 10_000;

/**
 * Parses a meter's public key: PEM SubjectPublicKeyInfo of an ECDSA P-256 key, nothing else.
 * Keys that parse are kept (up to 10,000, then the cache starts again), so that a chaincode or
 * bridge process parses a meter's key once, not once per batch.
 */
export function parseMeterPublicKey(pem: string): KeyObject {
  const cached = parsedKeys.get(pem);
  if (cached !== undefined) return cached;
  const key = parseMeterPublicKeyUncached(pem);
  if (parsedKeys.size >= PARSED_KEYS_MAX) parsedKeys.clear();
  parsedKeys.set(pem, key);
  return key;
}

function parseMeterPublicKeyUncached(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new GridLedgerError(ErrorCodes.METER_KEY_INVALID, 'meter public key is not a PEM public key');
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new GridLedgerError(ErrorCodes.METER_KEY_INVALID, 'meter public key must be ECDSA P-256', {
      keyType: `${key.asymmetricKeyType ?? 'unknown'}`,
    });
  }
  return key;
}

/**
 * Throws READING_BAD_SIGNATURE unless `sig` is the meter's ECDSA P-256/SHA-256 signature over the
 * reading's canonical bytes. ECDSA signatures are malleable (s and n-s both verify); nothing
 * keys on signature bytes, so that does not open a replay: a reading is identified by its meter
 * and interval.
 */
export function verifyReadingSignature(reading: SignedReading, meterKey: KeyObject): void {
  const ok = verify('sha256', readingSignedBytes(reading), { key: meterKey, dsaEncoding: 'der' }, Buffer.from(reading.sig, 'base64'));
  if (!ok) {
    throw new GridLedgerError(ErrorCodes.READING_BAD_SIGNATURE, 'reading signature does not verify with the meter key', {
      meterId: reading.meterId,
    });
  }
}
