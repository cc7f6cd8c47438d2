import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { archiveLeaf, hourArchivable } from '../../src/metering/archive';
import { CHAIN_START, extendChain, rolledOutStart, splitHead } from '../../src/metering/meter-chain';

const entry = (key: string, text: string) => ({ key, value: Buffer.from(text) });

describe('rolledOutStart', () => {
  it('is on the grid, archivable at the time of the reading that rolls it out, and the latest such interval', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(60, 300, 900, 1800, 3600, 86_400),
        fc.integer({ min: 0, max: 30 * 86_400 }),
        fc.integer({ min: 0, max: 400 * 86_400 }),
        fc.integer({ min: 1_700_000_000, max: 1_900_000_000 }),
        fc.integer({ min: -7200, max: 86_400 }),
        (intervalSeconds, lateWindowSeconds, archiveAfterSeconds, t, lag) => {
          const intervalStart = Math.floor(t / intervalSeconds) * intervalSeconds;
          const now = intervalStart + lag;
          const p = { intervalSeconds, lateWindowSeconds, archiveAfterSeconds };
          const out = rolledOutStart(intervalStart, now, p);
          expect(out % intervalSeconds).toBe(0);
          // Its hour has passed every horizon at `now`: the hour archive could take it too.
          expect(hourArchivable(Math.floor(out / 3600) * 3600, now, lateWindowSeconds, archiveAfterSeconds)).toBe(true);
          // The next interval on the grid would be too young for the bound.
          expect(out + intervalSeconds).toBeGreaterThan(
            Math.min(intervalStart, now) - 3600 - Math.max(lateWindowSeconds, archiveAfterSeconds),
          );
        },
      ),
    );
  });

  it('takes the interval 90 days and an hour before a 15-minute reading under the defaults', () => {
    const t = Date.parse('2026-11-21T00:30:00Z') / 1000;
    const p = { intervalSeconds: 900, lateWindowSeconds: 172_800, archiveAfterSeconds: 90 * 86_400 };
    expect(new Date(rolledOutStart(t, t + 900, p) * 1000).toISOString()).toBe('2026-08-22T23:30:00.000Z');
    // A reading sent before its interval ended (a clock ahead) rolls out from now, not from its interval.
    expect(rolledOutStart(t, t - 1800, p)).toBe(rolledOutStart(t - 1800, t - 1800, p));
  });
});

describe('extendChain', () => {
  it('folds each record once, in key order, as sha256(0x03 ‖ root ‖ leaf)', () => {
    const a = entry('k1', '{"a":1}');
    const b = entry('k2', '{"b":2}');
    const step = (root: Buffer, e: { key: string; value: Buffer }) =>
      createHash('sha256').update(Uint8Array.of(3)).update(root).update(archiveLeaf(e.key, e.value)).digest();
    const expected = step(step(Buffer.alloc(32), a), b).toString('hex');
    expect(extendChain(CHAIN_START, [b, a])).toBe(expected);
    expect(extendChain(CHAIN_START, [a, b])).toBe(expected);
    // Across transactions the chain goes on from the root it had.
    expect(extendChain(extendChain(CHAIN_START, [a]), [b])).toBe(expected);
    expect(extendChain(CHAIN_START, [])).toBe(CHAIN_START);
  });

  it('changes with any byte of any record and with the order of transactions', () => {
    const a = entry('k1', '{"a":1}');
    const b = entry('k2', '{"b":2}');
    const base = extendChain(extendChain(CHAIN_START, [a]), [b]);
    expect(extendChain(extendChain(CHAIN_START, [b]), [a])).not.toBe(base);
    expect(extendChain(extendChain(CHAIN_START, [a]), [entry('k2', '{"b":3}')])).not.toBe(base);
    expect(extendChain(extendChain(CHAIN_START, [entry('k0', '{"a":1}')]), [b])).not.toBe(base);
  });
});

describe('splitHead', () => {
  it('takes the chain off a head and leaves the record', () => {
    const chain = { root: CHAIN_START, txId: 't2', prevTxId: 't1' };
    expect(splitHead({ meterId: 'm1', intervalStart: 'x', chain })).toEqual({ record: { meterId: 'm1', intervalStart: 'x' }, chain });
    expect(splitHead({ meterId: 'm1' })).toEqual({ record: { meterId: 'm1' }, chain: undefined });
  });
});
