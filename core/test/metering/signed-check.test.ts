import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { readingSignedBytes, type Reading, type SignedReading } from '../../src/core';
import { checkSignedReadings, splitReading, type ProvenRecord, type StoredReading } from '../../src/metering';

const meter = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

function signed(reading: Reading, key: KeyObject = meter.privateKey): SignedReading {
  return { ...reading, sig: sign('sha256', readingSignedBytes(reading), { key, dsaEncoding: 'der' }).toString('base64') };
}

const reading = (intervalStart: string, importWh: number): Reading => ({
  meterId: 'home-07.main',
  intervalStart,
  seq: Date.parse(intervalStart) / 900_000,
  importWh,
  exportWh: 40,
  importRegisterWh: 10_000 + importWh,
  exportRegisterWh: 5_000,
});

/** The public record the ledger wrote for a signed reading, as a walk proves it from the block store. */
function proven(s: SignedReading, txId: string): ProvenRecord {
  const stored: StoredReading = { ...s, txId, recordedAt: '2026-12-01T10:31:00Z', prevIntervalStart: null };
  return { txId, value: Buffer.from(JSON.stringify(splitReading(stored).shared), 'utf8') };
}

const keys = new Map([['home-07.main', meter.publicKey]]);
const a = signed(reading('2026-12-01T10:00:00Z', 310));
const b = signed(reading('2026-12-01T10:15:00Z', 290));
const records = [proven(a, 'tx-a'), proven(b, 'tx-b')];

describe('checkSignedReadings', () => {
  it('verifies signed readings against the records proven from the block store', () => {
    const out = checkSignedReadings(records, [b, a], keys);
    expect(out.map((c) => [c.intervalStart, c.code, c.txId])).toEqual([
      ['2026-12-01T10:15:00Z', 'VERIFIED', 'tx-b'],
      ['2026-12-01T10:00:00Z', 'VERIFIED', 'tx-a'],
    ]);
  });

  it('names a changed import, a changed public field, a foreign signature, an unknown key and a reading not proven', () => {
    // The household's copy says 311 Wh, the ledger hashed 310 (the signature no longer matters: the hash tells first).
    const importChanged = { ...a, importWh: 311 };
    const exportChanged = { ...a, exportWh: 41 };
    // Signed by another key: the import and the salt (from this signature) no longer hash to the record.
    const foreign = signed(reading('2026-12-01T10:00:00Z', 310), other.privateKey);
    const unproven = signed(reading('2026-12-01T10:30:00Z', 300));
    const codes = checkSignedReadings(records, [importChanged, exportChanged, foreign, unproven], keys).map((c) => c.code);
    expect(codes).toEqual(['IMPORT_MISMATCH', 'FIELD_MISMATCH', 'IMPORT_MISMATCH', 'NOT_PROVEN']);
    expect(checkSignedReadings(records, [a], new Map()).map((c) => c.code)).toEqual(['KEY_UNKNOWN']);
  });

  it('refuses a signature the meter did not make even when the record was written from it', () => {
    // A record the ledger wrote from a forged reading (signed by another key) hashes fine: only the signature tells.
    const forged = signed(reading('2026-12-01T10:45:00Z', 280), other.privateKey);
    const out = checkSignedReadings([...records, proven(forged, 'tx-f')], [forged], keys);
    expect(out.map((c) => c.code)).toEqual(['SIGNATURE_INVALID']);
  });

  it('checks against the last proven record of an interval (a late reading that rewrote it)', () => {
    const rewritten = signed({ ...reading('2026-12-01T10:00:00Z', 310), seq: a.seq, exportWh: 39 });
    const out = checkSignedReadings([...records, proven(rewritten, 'tx-late')], [rewritten, a], keys);
    expect(out.map((c) => [c.code, c.txId])).toEqual([
      ['VERIFIED', 'tx-late'],
      ['FIELD_MISMATCH', 'tx-late'],
    ]);
  });
});
