import fc from 'fast-check';
import {
  consumptionDisclosure,
  importDisclosure,
  joinPosition,
  joinReading,
  positionOf,
  readingSalt,
  saltedHash,
  splitPosition,
  splitReading,
  StoredReading,
} from '../../src/metering';

const I = '2026-11-21T12:00:00Z';
const stored = (importWh: number, exportWh: number, sig: string): StoredReading => ({
  meterId: 'm1',
  intervalStart: I,
  seq: 7,
  importWh,
  exportWh,
  importRegisterWh: 1_000_000 + importWh,
  exportRegisterWh: 500_000 + exportWh,
  sig,
  txId: 't1',
  recordedAt: '2026-11-21T12:16:00Z',
  prevIntervalStart: null,
  flags: ['spike'],
});

describe('private household values', () => {
  it('a reading splits into a public part without import, register, signature or flags, and joins back whole', () => {
    fc.assert(
      fc.property(fc.nat(100_000), fc.nat(100_000), fc.string({ minLength: 8, maxLength: 96 }), (imp, exp, sig) => {
        const r = stored(imp, exp, sig);
        const { shared, secret } = splitReading(r);
        expect(Object.keys(shared)).not.toEqual(expect.arrayContaining(['importWh']));
        for (const f of ['importWh', 'importRegisterWh', 'sig', 'flags']) expect(shared).not.toHaveProperty(f);
        expect(shared.exportWh).toBe(exp);
        expect(shared.importHash).toBe(saltedHash(importDisclosure('m1', I, imp, readingSalt(r))));
        expect(joinReading(shared, secret)).toEqual(r);
        // A private part that is not the one the hash names is refused.
        expect(joinReading(shared, { ...secret, importWh: imp + 1 })).toBeUndefined();
        expect(joinReading(shared, { ...secret, salt: '00' })).toBeUndefined();
        expect(joinReading({ ...shared, intervalStart: '2026-11-21T12:15:00Z' }, secret)).toBeUndefined();
      }),
      { numRuns: 50 },
    );
  });

  it('the salt of a reading follows its signature, so two readings of equal import hash differently', () => {
    const a = splitReading(stored(100, 0, 'AAAA')).shared.importHash;
    const b = splitReading(stored(100, 0, 'BBBB')).shared.importHash;
    expect(a).not.toBe(b);
    expect(splitReading(stored(100, 0, 'AAAA')).shared.importHash).toBe(a);
  });

  it('a position keeps production, balance, tokens and estimated public; consumption, net and imports private, behind their hash', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ importWh: fc.nat(5000), exportWh: fc.nat(5000), estimated: fc.boolean() }), { minLength: 1, maxLength: 4 }),
        fc.string({ minLength: 1, maxLength: 64 }),
        (ms, salt) => {
          const meters = ms.map((m, k) => ({ meterId: `m${k}`, ...m }));
          const p = positionOf('p1', I, meters, [], 100);
          const { shared, secret } = splitPosition(p, salt);
          expect(JSON.stringify(shared)).not.toMatch(/consumptionWh|netWh|importWh/);
          expect(shared).toMatchObject({ productionWh: p.productionWh, balance: p.balance, estimated: p.estimated, tokens: p.tokens });
          expect(shared.consumptionHash).toBe(saltedHash(consumptionDisclosure('p1', I, p.consumptionWh, salt)));
          expect(secret).toMatchObject({ consumptionWh: p.consumptionWh, netWh: p.netWh });
          expect(joinPosition(shared, secret)).toEqual(p);
          expect(joinPosition(shared, { ...secret, consumptionWh: secret.consumptionWh + 1 })).toBeUndefined();
          expect(joinPosition(shared, { ...secret, meters: [] })).toBeUndefined();
        },
      ),
      { numRuns: 50 },
    );
  });
});
