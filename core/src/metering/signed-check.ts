/**
 * The signature re-check of readings that left the state (docs/bounded-state.md, sections 8 and
 * *The rolling archive*). The walks (archive-audit.ts, chain-audit.ts) prove the public records
 * from the block store, but a reading signs its import, which only the collection's members held,
 * and only until its chunk left. Whoever kept the signed reading (the household, from its meter or
 * its portal export; the operator, from its head-end) hands it to the verifier, who checks it
 * against the proven record: the import against the record's salted `importHash` (the salt is
 * derived from the signature, private.ts `readingSalt`), every public field against the record,
 * and the signature against the meter's key. Pure: the shells fetch the records and the keys.
 */
import type { KeyObject } from 'node:crypto';
import { GridLedgerError } from '../core/errors';
import { verifyReadingSignature, type SignedReading } from '../core/reading';
import { joinReading, type PublicReading, readingSalt } from './private';

export const SignedCheckCodes = {
  /** The signed reading is the proven record: the same fields, the import its hash names, a signature the meter's key verifies. */
  VERIFIED: 'VERIFIED',
  /** No proven record of that meter and interval among those the walk read. */
  NOT_PROVEN: 'NOT_PROVEN',
  /** The import (with the salt from the signature) does not hash to the record's importHash. */
  IMPORT_MISMATCH: 'IMPORT_MISMATCH',
  /** A public field (seq, export, export register) differs from the record. */
  FIELD_MISMATCH: 'FIELD_MISMATCH',
  /** The signature does not verify with the meter's key. */
  SIGNATURE_INVALID: 'SIGNATURE_INVALID',
  /** The meter's key is not known (not registered, or not readable by the verifier). */
  KEY_UNKNOWN: 'KEY_UNKNOWN',
} as const;
export type SignedCheckCode = keyof typeof SignedCheckCodes;

export interface SignedCheck {
  meterId: string;
  intervalStart: string;
  code: SignedCheckCode;
  /** The transaction whose write set holds the record it was checked against. */
  txId?: string;
  message: string;
}

/** A record a walk proved: the bytes a valid transaction wrote under a reading key. */
export interface ProvenRecord {
  txId: string;
  value: Uint8Array;
}

const PUBLIC_FIELDS = ['seq', 'exportWh', 'exportRegisterWh'] as const;

/**
 * Checks each signed reading against the proven record of its meter and interval (the last one
 * proven, when a late reading rewrote it), with the meter's key from `keys`. One result per signed
 * reading, in the order given.
 */
export function checkSignedReadings(
  proven: readonly ProvenRecord[],
  signed: readonly SignedReading[],
  keys: ReadonlyMap<string, KeyObject>,
): SignedCheck[] {
  const byReading = new Map<string, { txId: string; record: PublicReading }>();
  for (const p of proven) {
    let record: PublicReading;
    try {
      record = JSON.parse(Buffer.from(p.value).toString('utf8')) as PublicReading;
    } catch {
      continue; // not a reading record: the walk's own findings name it
    }
    if (typeof record.meterId === 'string' && typeof record.intervalStart === 'string')
      byReading.set(`${record.meterId}\u0000${record.intervalStart}`, { txId: p.txId, record });
  }
  return signed.map((s) => check(s, byReading.get(`${s.meterId}\u0000${s.intervalStart}`), keys.get(s.meterId)));
}

function check(s: SignedReading, found: { txId: string; record: PublicReading } | undefined, key: KeyObject | undefined): SignedCheck {
  const at = { meterId: s.meterId, intervalStart: s.intervalStart };
  if (found === undefined) return { ...at, code: 'NOT_PROVEN', message: 'no proven record of this meter and interval' };
  const { txId, record } = found;
  const differs = PUBLIC_FIELDS.filter((f) => record[f] !== s[f]);
  if (differs.length > 0) return { ...at, txId, code: 'FIELD_MISMATCH', message: `differs from the record in ${differs.join(', ')}` };
  const secret = {
    meterId: s.meterId,
    intervalStart: s.intervalStart,
    importWh: s.importWh,
    importRegisterWh: s.importRegisterWh,
    sig: s.sig,
    salt: readingSalt(s),
  };
  if (joinReading(record, secret) === undefined)
    return { ...at, txId, code: 'IMPORT_MISMATCH', message: "the import does not hash to the record's importHash" };
  if (key === undefined) return { ...at, txId, code: 'KEY_UNKNOWN', message: "the meter's key is not known" };
  try {
    verifyReadingSignature(s, key);
  } catch (error) {
    if (!(error instanceof GridLedgerError)) throw error;
    return { ...at, txId, code: 'SIGNATURE_INVALID', message: "the signature does not verify with the meter's key" };
  }
  return { ...at, txId, code: 'VERIFIED', message: 'the record, its import and its signature' };
}
