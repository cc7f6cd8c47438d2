import { generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import fc from 'fast-check';
import {
  ErrorCodes,
  GridLedgerError,
  parseMeterPublicKey,
  parseSignedReading,
  Reading,
  readingSignedBytes,
  SignedReading,
  verifyReadingSignature,
} from '../src/core';

const INTERVAL = 900;

function meterKeys(): { privateKey: KeyObject; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

function signed(reading: Reading, privateKey: KeyObject): SignedReading {
  const sig = sign('sha256', readingSignedBytes(reading), { key: privateKey, dsaEncoding: 'der' });
  return { ...reading, sig: sig.toString('base64') };
}

const base: Reading = {
  meterId: 'home-01.pv',
  intervalStart: '2026-11-21T10:15:00Z',
  seq: 42,
  importWh: 120,
  exportWh: 850,
  importRegisterWh: 1_000_120,
  exportRegisterWh: 2_000_850,
};

function codeOf(fn: () => unknown): { code: string; details: Record<string, unknown> } {
  try {
    fn();
  } catch (e) {
    if (e instanceof GridLedgerError) return { code: e.code, details: e.details };
    throw e;
  }
  throw new Error('expected a GridLedgerError');
}

describe('parseSignedReading', () => {
  const good = { ...base, sig: 'MEUCIQ==' };

  it('accepts a well-formed reading unchanged', () => {
    expect(parseSignedReading(good, INTERVAL)).toEqual(good);
  });

  it.each<[string, unknown]>([
    ['meterId', ''],
    ['meterId', 'a/b'],
    ['meterId', 'meter+1'],
    ['meterId', 'x'.repeat(65)],
    ['meterId', 7],
    ['intervalStart', '2026-11-21T10:15:00.000Z'],
    ['intervalStart', 1763720100],
    ['seq', -1],
    ['seq', 1.5],
    ['importWh', '120'],
    ['exportWh', Number.MAX_SAFE_INTEGER + 1],
    ['importRegisterWh', null],
    ['exportRegisterWh', -5],
    ['sig', 'not base64!'],
    ['sig', 'A'.repeat(200)],
    ['sig', 5],
  ])('rejects %s = %p as READING_MALFORMED naming the field', (field, value) => {
    const { code, details } = codeOf(() => parseSignedReading({ ...good, [field]: value }, INTERVAL));
    expect(code).toBe(ErrorCodes.READING_MALFORMED);
    expect(details.field).toBe(field);
  });

  it.each(['meterId', 'seq', 'sig'])('rejects a reading without %s', (field) => {
    const copy: Record<string, unknown> = { ...good };
    delete copy[field];
    expect(codeOf(() => parseSignedReading(copy, INTERVAL)).details.field).toBe(field);
  });

  it('rejects fields that are not signed, so nothing unsigned is stored', () => {
    const { code, details } = codeOf(() => parseSignedReading({ ...good, note: 'x' }, INTERVAL));
    expect(code).toBe(ErrorCodes.READING_MALFORMED);
    expect(details.field).toBe('note');
  });

  it.each([null, [], 'text', 5])('rejects %p as a whole', (value) => {
    expect(codeOf(() => parseSignedReading(value, INTERVAL)).code).toBe(ErrorCodes.READING_MALFORMED);
  });

  it('rejects an interval start off the market interval grid', () => {
    const { code, details } = codeOf(() => parseSignedReading({ ...good, intervalStart: '2026-11-21T10:20:00Z' }, INTERVAL));
    expect(code).toBe(ErrorCodes.READING_INTERVAL_MISALIGNED);
    expect(details.intervalSeconds).toBe(INTERVAL);
    expect(parseSignedReading({ ...good, intervalStart: '2026-11-21T10:20:00Z' }, 300)).toBeTruthy();
  });
});

describe('signed bytes', () => {
  it('are the sorted, white-space free JSON of the seven signed fields', () => {
    expect(readingSignedBytes({ ...base, sig: 'ignored' } as SignedReading).toString()).toBe(
      '{"exportRegisterWh":2000850,"exportWh":850,"importRegisterWh":1000120,"importWh":120,' +
        '"intervalStart":"2026-11-21T10:15:00Z","meterId":"home-01.pv","seq":42}',
    );
  });

  it('do not depend on the order the fields arrived in', () => {
    const reversed = Object.fromEntries(Object.entries(base).reverse()) as unknown as Reading;
    expect(readingSignedBytes(reversed)).toEqual(readingSignedBytes(base));
  });
});

describe('verifyReadingSignature', () => {
  const meter = meterKeys();
  const key = parseMeterPublicKey(meter.publicPem);

  it('accepts the meter signature over the canonical bytes', () => {
    expect(() => verifyReadingSignature(signed(base, meter.privateKey), key)).not.toThrow();
  });

  it('rejects a signature by another key', () => {
    const other = meterKeys();
    expect(codeOf(() => verifyReadingSignature(signed(base, other.privateKey), key)).code).toBe(ErrorCodes.READING_BAD_SIGNATURE);
  });

  it('rejects garbage that is valid base64 but no signature', () => {
    expect(codeOf(() => verifyReadingSignature({ ...base, sig: 'AAAA' }, key)).code).toBe(ErrorCodes.READING_BAD_SIGNATURE);
  });

  it('rejects any change to any signed field after signing', () => {
    const numeric = ['seq', 'importWh', 'exportWh', 'importRegisterWh', 'exportRegisterWh'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...numeric), fc.integer({ min: 1, max: 1_000_000 }), (field, delta) => {
        const reading = signed(base, meter.privateKey);
        const tampered = { ...reading, [field]: reading[field] + delta };
        expect(codeOf(() => verifyReadingSignature(tampered, key)).code).toBe(ErrorCodes.READING_BAD_SIGNATURE);
      }),
      { numRuns: 50 },
    );
    const moved = { ...signed(base, meter.privateKey), intervalStart: '2026-11-21T10:30:00Z' };
    expect(codeOf(() => verifyReadingSignature(moved, key)).code).toBe(ErrorCodes.READING_BAD_SIGNATURE);
    const renamed = { ...signed(base, meter.privateKey), meterId: 'home-02.pv' };
    expect(codeOf(() => verifyReadingSignature(renamed, key)).code).toBe(ErrorCodes.READING_BAD_SIGNATURE);
  });
});

describe('parseMeterPublicKey', () => {
  it('rejects keys that are not P-256', () => {
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'pem' });
    expect(codeOf(() => parseMeterPublicKey(ed)).code).toBe(ErrorCodes.METER_KEY_INVALID);
    expect(codeOf(() => parseMeterPublicKey(k1.toString())).code).toBe(ErrorCodes.METER_KEY_INVALID);
    expect(codeOf(() => parseMeterPublicKey('-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----')).code).toBe(
      ErrorCodes.METER_KEY_INVALID,
    );
    // A refused key is never cached: refused again.
    expect(codeOf(() => parseMeterPublicKey(ed)).code).toBe(ErrorCodes.METER_KEY_INVALID);
  });

  it('parses a PEM once and hands out the same key afterwards', () => {
    const a = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const b = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const first = parseMeterPublicKey(a);
    expect(parseMeterPublicKey(a)).toBe(first);
    expect(parseMeterPublicKey(b)).not.toBe(first);
    expect(parseMeterPublicKey(b).equals(first)).toBe(false);
    expect(first.export({ type: 'spki', format: 'pem' }).toString()).toBe(a);
  });
});
