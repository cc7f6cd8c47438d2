import fc from 'fast-check';
import {
  bundleWh,
  CertificateBundle,
  certificateIdOf,
  claimCertificates,
  ClaimRequest,
  completeTransfer,
  effectiveStatus,
  ErrorCodes,
  expiryOf,
  findBundle,
  issuanceIdOf,
  parseCertificateId,
  releaseTransfer,
  reserveTransfer,
  splitBundle,
  standingWh,
  transferCertificates,
  withdrawRange,
} from '../../src';
import { codeOf } from '../support';
import { HOUR, issuedBundle, NOW } from './fixtures';

const issued = (rangeEnd = 750): CertificateBundle => issuedBundle({ rangeEnd });

const claimOf = (over: Partial<ClaimRequest> = {}): ClaimRequest => ({
  actor: 'alice',
  quantityWh: 100,
  beneficiary: 'Carol Bakery Ltd',
  purpose: 'Scope 2 disclosure 2026',
  consumptionPeriodStart: '2026-11-21T00:00:00Z',
  consumptionPeriodEnd: '2026-11-22T00:00:00Z',
  location: 'zone-a',
  ...over,
});

describe('certificate ids', () => {
  it('derive from asset, hour and number, and parse back', () => {
    const issuanceId = issuanceIdOf('pv-1', HOUR);
    expect(certificateIdOf(issuanceId, 42)).toBe('pv-1@20261121T10Z-42');
    expect(parseCertificateId('pv-1@20261121T10Z-42')).toEqual({ issuanceId, deviceId: 'pv-1', hourStart: HOUR, number: 42 });
    expect(parseCertificateId(issuanceId)).toEqual({ issuanceId, deviceId: 'pv-1', hourStart: HOUR });
    for (const bad of ['pv-1@20261121T10Z-0', 'pv-1@20261131T10Z-1', 'pv 1@20261121T10Z-1', 'pv-1@20261121T10-1', 'pv-1@20261121T10Z-01']) {
      expect(parseCertificateId(bad)).toBeUndefined();
    }
    expect(codeOf(() => issuanceIdOf('pv-1', '2026-11-21T10:30:00Z'))).toBe(ErrorCodes.CERTIFICATE_INPUT_INVALID);
  });

  it('round-trip for any id, hour and number (property)', () => {
    const hours = fc.integer({ min: 0, max: 200_000 }).map((h) => new Date(h * 3_600_000).toISOString().replace('.000Z', 'Z'));
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/),
        hours,
        fc.integer({ min: 1, max: 2 ** 40 }),
        (deviceId, hourStart, n) => {
          const issuanceId = issuanceIdOf(deviceId, hourStart);
          expect(parseCertificateId(certificateIdOf(issuanceId, n))).toEqual({ issuanceId, deviceId, hourStart, number: n });
        },
      ),
    );
  });

  it('find the bundle that holds a certificate', () => {
    const [a, b] = splitBundle(issued(), 300);
    expect(findBundle([a, b!], 'pv-1@20261121T10Z-301')).toBe(b);
    expect(codeOf(() => findBundle([a, b!], 'pv-1@20261121T10Z-751'))).toBe(ErrorCodes.CERTIFICATE_NOT_FOUND);
    expect(codeOf(() => findBundle([a, b!], 'nonsense'))).toBe(ErrorCodes.CERTIFICATE_NOT_FOUND);
  });
});

describe('expiry', () => {
  it('is 12 calendar months after the production period ended, read at read time without a sweep', () => {
    expect(expiryOf('2026-11-21T11:00:00Z')).toBe('2027-11-21T11:00:00Z');
    expect(expiryOf('2028-02-29T10:00:00Z')).toBe('2029-03-01T10:00:00Z');
    const b = issued();
    expect(effectiveStatus(b, '2027-11-21T10:59:59Z')).toBe('active');
    expect(effectiveStatus(b, '2027-11-21T11:00:00Z')).toBe('expired');
    expect(effectiveStatus({ ...b, status: 'cancelled' }, '2030-01-01T00:00:00Z')).toBe('cancelled');
    expect(effectiveStatus({ ...b, status: 'reserved' }, '2030-01-01T00:00:00Z')).toBe('expired');
  });
});

describe('transfer', () => {
  it('moves a whole bundle, or the first part of it, splitting the range', () => {
    const whole = transferCertificates(issued(), { actor: 'alice', to: 'carol', quantityWh: 750 }, NOW);
    expect(whole.rest).toBeNull();
    expect(whole.moved).toMatchObject({ owner: 'carol', status: 'active', rangeStart: 1, rangeEnd: 750 });
    const part = transferCertificates(issued(), { actor: 'alice', to: 'carol', quantityWh: 200 }, NOW);
    expect(part.moved).toMatchObject({ owner: 'carol', rangeStart: 1, rangeEnd: 200 });
    expect(part.rest).toMatchObject({ owner: 'alice', rangeStart: 201, rangeEnd: 750, status: 'active' });
    expect(part.moved.reservation).toBeUndefined();
  });

  it('reserves the part while the transfer is pending: it moves no other way until completed or released', () => {
    const { reserved, rest } = reserveTransfer(issued(), { actor: 'alice', to: 'carol', quantityWh: 50, transferId: 't-1' }, NOW);
    expect(reserved).toMatchObject({ status: 'reserved', owner: 'alice', reservation: { transferId: 't-1', to: 'carol' }, rangeEnd: 50 });
    expect(rest!.rangeStart).toBe(51);
    expect(codeOf(() => transferCertificates(reserved, { actor: 'alice', to: 'dave', quantityWh: 10 }, NOW))).toBe(
      ErrorCodes.CERTIFICATE_RESERVED,
    );
    expect(codeOf(() => claimCertificates(reserved, claimOf({ quantityWh: 10 }), NOW))).toBe(ErrorCodes.CERTIFICATE_RESERVED);
    expect(codeOf(() => completeTransfer(reserved, { actor: 'alice', transferId: 't-1' }, NOW))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(codeOf(() => completeTransfer(reserved, { actor: 'carol', transferId: 't-2' }, NOW))).toBe(ErrorCodes.CERTIFICATE_NOT_RESERVED);
    expect(completeTransfer(reserved, { actor: 'carol', transferId: 't-1' }, NOW)).toMatchObject({ owner: 'carol', status: 'active' });
    expect(releaseTransfer(reserved, { actor: 'carol', transferId: 't-1' })).toMatchObject({ owner: 'alice', status: 'active' });
    expect(releaseTransfer(reserved, { actor: 'alice', transferId: 't-1' }).reservation).toBeUndefined();
    expect(codeOf(() => releaseTransfer(reserved, { actor: 'dave', transferId: 't-1' }))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(codeOf(() => releaseTransfer(issued(), { actor: 'alice', transferId: 't-1' }))).toBe(ErrorCodes.CERTIFICATE_NOT_RESERVED);
    expect(codeOf(() => completeTransfer(reserved, { actor: 'carol', transferId: 't-1' }, '2028-01-01T00:00:00Z'))).toBe(
      ErrorCodes.CERTIFICATE_EXPIRED,
    );
  });

  it("refuses someone else's, too many, itself as recipient, and claimed, expired or withdrawn certificates", () => {
    const b = issued();
    expect(codeOf(() => transferCertificates(b, { actor: 'mallory', to: 'carol', quantityWh: 1 }, NOW))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(codeOf(() => transferCertificates(b, { actor: 'alice', to: 'carol', quantityWh: 751 }, NOW))).toBe(
      ErrorCodes.CERTIFICATE_QUANTITY_EXCEEDED,
    );
    expect(codeOf(() => transferCertificates(b, { actor: 'alice', to: 'carol', quantityWh: 0 }, NOW))).toBe(
      ErrorCodes.CERTIFICATE_INPUT_INVALID,
    );
    expect(codeOf(() => transferCertificates(b, { actor: 'alice', to: 'alice', quantityWh: 1 }, NOW))).toBe(
      ErrorCodes.CERTIFICATE_INPUT_INVALID,
    );
    const { claimed } = claimCertificates(b, claimOf(), NOW);
    expect(codeOf(() => transferCertificates(claimed, { actor: 'alice', to: 'carol', quantityWh: 1 }, NOW))).toBe(
      ErrorCodes.CERTIFICATE_CANCELLED,
    );
    expect(codeOf(() => claimCertificates(claimed, claimOf({ quantityWh: 1 }), NOW))).toBe(ErrorCodes.CERTIFICATE_CANCELLED);
    expect(codeOf(() => transferCertificates(b, { actor: 'alice', to: 'carol', quantityWh: 1 }, '2027-11-21T11:00:00Z'))).toBe(
      ErrorCodes.CERTIFICATE_EXPIRED,
    );
    expect(codeOf(() => claimCertificates(b, claimOf(), '2027-12-01T00:00:00Z'))).toBe(ErrorCodes.CERTIFICATE_EXPIRED);
    const [withdrawn] = withdrawRange([b], b, { cause: 'regulator', reason: 'meter m-alice found faulty' }, NOW).withdrawn;
    expect(codeOf(() => transferCertificates(withdrawn, { actor: 'alice', to: 'carol', quantityWh: 1 }, NOW))).toBe(
      ErrorCodes.CERTIFICATE_WITHDRAWN,
    );
    expect(codeOf(() => claimCertificates(withdrawn, claimOf(), NOW))).toBe(ErrorCodes.CERTIFICATE_WITHDRAWN);
  });
});

describe('claim', () => {
  it('cancels the first part for a beneficiary, final, with the redemption fields', () => {
    const { claimed, rest } = claimCertificates(issued(), claimOf(), NOW);
    expect(claimed).toMatchObject({ status: 'cancelled', rangeStart: 1, rangeEnd: 100, owner: 'alice' });
    expect(claimed.cancellation).toEqual({
      kind: 'claim',
      beneficiary: 'Carol Bakery Ltd',
      purpose: 'Scope 2 disclosure 2026',
      consumptionPeriodStart: '2026-11-21T00:00:00Z',
      consumptionPeriodEnd: '2026-11-22T00:00:00Z',
      location: 'zone-a',
      cancelledAt: NOW,
    });
    expect(rest).toMatchObject({ rangeStart: 101, status: 'active' });
    // Cancelled is final: expiry does not change it, and so does nothing else but a withdrawal.
    expect(effectiveStatus(claimed, '2040-01-01T00:00:00Z')).toBe('cancelled');
  });

  it('needs a consumption period holding the production hour and the fields filled in', () => {
    expect(codeOf(() => claimCertificates(issued(), claimOf({ consumptionPeriodStart: '2026-11-21T10:30:00Z' }), NOW))).toBe(
      ErrorCodes.CERTIFICATE_PERIOD_MISMATCH,
    );
    expect(codeOf(() => claimCertificates(issued(), claimOf({ consumptionPeriodEnd: '2026-11-21T10:59:59Z' }), NOW))).toBe(
      ErrorCodes.CERTIFICATE_PERIOD_MISMATCH,
    );
    expect(codeOf(() => claimCertificates(issued(), claimOf({ consumptionPeriodEnd: '2026-11-20T00:00:00Z' }), NOW))).toBe(
      ErrorCodes.CERTIFICATE_INPUT_INVALID,
    );
    expect(codeOf(() => claimCertificates(issued(), claimOf({ beneficiary: '' }), NOW))).toBe(ErrorCodes.CERTIFICATE_INPUT_INVALID);
    expect(codeOf(() => claimCertificates(issued(), claimOf({ purpose: 'a\nb' }), NOW))).toBe(ErrorCodes.CERTIFICATE_INPUT_INVALID);
    expect(codeOf(() => claimCertificates(issued(), claimOf({ actor: 'carol' }), NOW))).toBe(ErrorCodes.ACCESS_DENIED);
  });
});

describe('withdrawal by the regulator', () => {
  it('splits the bundles the range overlaps, withdraws the parts inside in any state and says what they were', () => {
    const first = transferCertificates(issued(), { actor: 'alice', to: 'carol', quantityWh: 300 }, NOW);
    const claimed = claimCertificates(first.moved, claimOf({ actor: 'carol', quantityWh: 100 }), NOW);
    const bundles = [claimed.claimed, claimed.rest!, first.rest!];
    const { bundles: after, withdrawn } = withdrawRange(
      bundles,
      { issuanceId: 'pv-1@20261121T10Z', rangeStart: 51, rangeEnd: 400 },
      { cause: 'regulator', reason: 'meter m-alice found faulty' },
      NOW,
    );
    expect(withdrawn.map((b) => [b.rangeStart, b.rangeEnd, b.owner, b.withdrawal!.previousStatus])).toEqual([
      [51, 100, 'carol', 'cancelled'],
      [101, 300, 'carol', 'active'],
      [301, 400, 'alice', 'active'],
    ]);
    expect(withdrawn[0].withdrawal).toMatchObject({ cause: 'regulator', reason: 'meter m-alice found faulty', withdrawnAt: NOW });
    expect(after.map((b) => [b.rangeStart, b.rangeEnd, b.status])).toEqual([
      [1, 50, 'cancelled'],
      [51, 100, 'withdrawn'],
      [101, 300, 'withdrawn'],
      [301, 400, 'withdrawn'],
      [401, 750, 'active'],
    ]);
    expect(standingWh(after)).toBe(400);
    expect(
      codeOf(() => withdrawRange(bundles, { issuanceId: 'x', rangeStart: 1, rangeEnd: 2 }, { cause: 'regulator', reason: '' }, NOW)),
    ).toBe(ErrorCodes.CERTIFICATE_INPUT_INVALID);
  });
});

describe('lifecycle as a whole (property)', () => {
  type Op = { kind: 'transfer' | 'reserve' | 'complete' | 'release' | 'claim' | 'withdraw'; pick: number; quantityWh: number; to: string };
  const op: fc.Arbitrary<Op> = fc.record({
    kind: fc.constantFrom('transfer', 'reserve', 'complete', 'release', 'claim', 'withdraw'),
    pick: fc.nat(),
    quantityWh: fc.integer({ min: 1, max: 400 }),
    to: fc.constantFrom('alice', 'bob', 'carol'),
  });

  it('keeps every certificate number in exactly one bundle, and cancellations final, whatever succeeds or is refused', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        let bundles: CertificateBundle[] = [issued()];
        const everCancelled = new Set<number>();
        ops.forEach((o, k) => {
          const b = bundles[o.pick % bundles.length];
          const others = bundles.filter((x) => x !== b);
          const apply = (): CertificateBundle[] => {
            switch (o.kind) {
              case 'transfer': {
                const r = transferCertificates(b, { actor: b.owner, to: o.to, quantityWh: o.quantityWh }, NOW);
                return [r.moved, ...(r.rest ? [r.rest] : [])];
              }
              case 'reserve': {
                const r = reserveTransfer(b, { actor: b.owner, to: o.to, quantityWh: o.quantityWh, transferId: `t-${k}` }, NOW);
                return [r.reserved, ...(r.rest ? [r.rest] : [])];
              }
              case 'complete':
                return [completeTransfer(b, { actor: o.to, transferId: b.reservation?.transferId ?? 'none' }, NOW)];
              case 'release':
                return [releaseTransfer(b, { actor: b.owner, transferId: b.reservation?.transferId ?? 'none' })];
              case 'claim': {
                const r = claimCertificates(b, claimOf({ actor: b.owner, quantityWh: o.quantityWh }), NOW);
                return [r.claimed, ...(r.rest ? [r.rest] : [])];
              }
              case 'withdraw':
                return withdrawRange(
                  [b],
                  { issuanceId: b.issuanceId, rangeStart: b.rangeStart, rangeEnd: b.rangeStart + o.quantityWh - 1 },
                  { cause: 'regulator', reason: 'faulty' },
                  NOW,
                ).bundles;
            }
          };
          let next: CertificateBundle[];
          try {
            next = apply();
          } catch (e) {
            expect((e as { name: string }).name).toBe('GridLedgerError');
            return;
          }
          expect(next.reduce((s, x) => s + bundleWh(x), 0)).toBe(bundleWh(b));
          bundles = [...others, ...next];
          for (const x of next) if (x.status === 'cancelled') for (let n = x.rangeStart; n <= x.rangeEnd; n++) everCancelled.add(n);
        });
        const numbers = bundles.flatMap((b) => Array.from({ length: bundleWh(b) }, (_, i) => b.rangeStart + i)).sort((x, y) => x - y);
        expect(numbers).toEqual(Array.from({ length: 750 }, (_, i) => i + 1));
        // Once cancelled, a number stays cancelled (or is withdrawn, saying it was cancelled).
        for (const n of everCancelled) {
          const holder = bundles.find((b) => b.rangeStart <= n && n <= b.rangeEnd)!;
          expect(holder.status === 'cancelled' || holder.withdrawal?.previousStatus === 'cancelled').toBe(true);
        }
      }),
    );
  });
});
