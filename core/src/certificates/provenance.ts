/**
 * Provenance of a certificate (docs/certificates.md, "Provenance"): each meter reading behind the
 * certified hour as evidence that anyone holding it can re-check with openssl alone: the bytes the
 * meter signed (the canonical JSON of the reading), its signature (base64 DER ECDSA P-256 over
 * SHA-256) and the meter's public key as registered. Pure: the gateway gathers the records.
 */
import { verify } from 'node:crypto';
import { parseMeterPublicKey, Reading, readingSignedBytes } from '../core/reading';

/** A reading's evidence. signedPayload, signature and signatureVerified are null where only the reading's public part was read. */
export interface ReadingEvidence {
  meterId: string;
  intervalStart: string;
  seq: number;
  exportWh: number;
  /** The transaction that recorded the reading. */
  txId: string;
  /** The salted hash of the import on the channel (the import itself is private). */
  importHash: string | null;
  /** The exact bytes the meter signed, as UTF-8 text (canonical JSON, RFC 8785). */
  signedPayload: string | null;
  /** Base64 of the DER ECDSA P-256 signature over signedPayload. */
  signature: string | null;
  /** Whether the signature verifies with the meter's registered public key over signedPayload, checked again now. */
  signatureVerified: boolean | null;
}

/**
 * Whether `signature` (base64 DER) is the key's ECDSA P-256/SHA-256 signature of `payload`: false
 * for a key or signature that is no such thing.
 */
export function signatureHolds(payload: string, signature: string, publicKeyPem: string): boolean {
  try {
    const key = { key: parseMeterPublicKey(publicKeyPem), dsaEncoding: 'der' as const };
    return verify('sha256', Buffer.from(payload, 'utf8'), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

type StoredView = Omit<Reading, 'importWh' | 'importRegisterWh'> & {
  importWh?: number;
  importRegisterWh?: number;
  sig?: string;
  txId: string;
  importHash?: string;
};

/**
 * The evidence of one reading as read from the ledger. A whole reading (its import and signature,
 * shown to its household, the operator and the utility) gives the signed bytes and the signature,
 * verified with the meter's key; a public part alone (`publicOnly`, or a reader who sees no
 * import) gives the figures and the import's hash only.
 */
export function readingEvidence(reading: StoredView, meterPublicKeyPem: string, publicOnly = false): ReadingEvidence {
  const base = {
    meterId: reading.meterId,
    intervalStart: reading.intervalStart,
    seq: reading.seq,
    exportWh: reading.exportWh,
    txId: reading.txId,
    importHash: reading.importHash ?? null,
  };
  const { importWh, importRegisterWh, sig } = reading;
  if (publicOnly || importWh === undefined || importRegisterWh === undefined || sig === undefined)
    return { ...base, signedPayload: null, signature: null, signatureVerified: null };
  const signedPayload = readingSignedBytes({ ...reading, importWh, importRegisterWh }).toString('utf8');
  return { ...base, signedPayload, signature: sig, signatureVerified: signatureHolds(signedPayload, sig, meterPublicKeyPem) };
}
