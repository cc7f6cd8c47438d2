/** Certificate events on GET /events (event-visibility.ts): the producer and the holders involved, and every organization role. */
import { viewerOf, visiblePayload } from '../src/event-visibility';

const household = (participantId: string) =>
  viewerOf({ id: participantId, mspId: 'CommunityMSP', role: 'prosumer', participantId, certPath: '', keyPath: '' });
const regulator = viewerOf({ id: 'reg', mspId: 'RegulatorMSP', role: 'regulator', certPath: '', keyPath: '' });

const issued = {
  issuanceId: 'pv@20261121T10Z',
  hourStart: '2026-11-21T10:00:00Z',
  producerId: 'alice',
  bundleId: 'pv@20261121T10Z-1',
  quantityWh: 9,
};
const transferred = {
  issuanceId: 'pv@20261121T10Z',
  producerId: 'alice',
  from: 'bob',
  to: 'carol',
  bundleId: 'pv@20261121T10Z-1',
  quantityWh: 3,
};
const claimed = { issuanceId: 'pv@20261121T10Z', producerId: 'alice', holder: 'carol', bundleId: 'pv@20261121T10Z-1', quantityWh: 3 };
const withdrawn = {
  issuanceId: 'pv@20261121T10Z',
  producerId: 'alice',
  reason: 'meter found faulty',
  bundles: [
    { bundleId: 'pv@20261121T10Z-1', holder: 'bob', quantityWh: 3 },
    { bundleId: 'pv@20261121T10Z-4', holder: 'carol', quantityWh: 6 },
  ],
  bundledClaims: [] as { buyerId: string; assetId: string; intervalStart: string; quantityWh: number }[],
};
// A lowered figure that cut a buyer's bundled P2P claim (and dave's, who holds no certificate).
const cut = {
  ...withdrawn,
  reason: 'lowered-figure',
  bundledClaims: [
    { buyerId: 'dave', assetId: 'pv', intervalStart: '2026-11-21T10:45:00Z', quantityWh: 4 },
    { buyerId: 'erin', assetId: 'pv', intervalStart: '2026-11-21T10:30:00Z', quantityWh: 2 },
  ],
};
const batchIssued = {
  issuances: [issued, { ...issued, issuanceId: 'wt@20261121T10Z', producerId: 'bob', bundleId: null, quantityWh: 0 }],
};

describe('certificate events', () => {
  it.each([
    ['CertificatesIssued', issued, ['alice']],
    ['CertificatesTransferred', transferred, ['alice', 'bob', 'carol']],
    ['CertificatesClaimed', claimed, ['alice', 'carol']],
    ['CertificatesWithdrawn', withdrawn, ['alice', 'bob', 'carol']],
    ['CertificatesBatchIssued', batchIssued, ['alice', 'bob']],
  ] as const)('%s reaches the producer and the holders involved, and no other household', (name, payload, seeing) => {
    const seen = ['alice', 'bob', 'carol', 'dave'].filter((h) => visiblePayload(household(h), name, payload) !== undefined);
    expect(seen).toEqual(seeing);
    expect(visiblePayload(regulator, name, payload)).toEqual(payload);
  });

  it('shows a holder its own withdrawn bundles only; the producer all', () => {
    expect(visiblePayload(household('carol'), 'CertificatesWithdrawn', withdrawn)).toEqual({
      ...withdrawn,
      bundles: [withdrawn.bundles[1]],
    });
    expect(visiblePayload(household('alice'), 'CertificatesWithdrawn', withdrawn)).toEqual(withdrawn);
  });

  it("shows a buyer its own cut bundled claims only, and nobody else's", () => {
    expect(visiblePayload(household('dave'), 'CertificatesWithdrawn', cut)).toEqual({
      ...cut,
      bundles: [],
      bundledClaims: [cut.bundledClaims[0]],
    });
    expect(visiblePayload(household('bob'), 'CertificatesWithdrawn', cut)).toEqual({
      ...cut,
      bundles: [cut.bundles[0]],
      bundledClaims: [],
    });
    expect(visiblePayload(household('frank'), 'CertificatesWithdrawn', cut)).toBeUndefined();
    expect(visiblePayload(household('alice'), 'CertificatesWithdrawn', cut)).toEqual(cut);
  });

  it('shows a producer its own asset-hours of a batch issuance only', () => {
    expect(visiblePayload(household('bob'), 'CertificatesBatchIssued', batchIssued)).toEqual({ issuances: [batchIssued.issuances[1]] });
  });
});

// Reserved transfers, their release and the expiry record (docs/certificates.md, "Events").
const reserved = {
  issuanceId: 'pv@20261121T10Z',
  producerId: 'alice',
  from: 'bob',
  to: 'carol',
  bundleId: 'pv@20261121T10Z-1',
  quantityWh: 3,
};
const released = { ...reserved, by: 'carol' };
const expired = {
  holder: 'carol',
  bundles: [
    { bundleId: 'pv@20261121T10Z-1', issuanceId: 'pv@20261121T10Z', owner: 'bob', quantityWh: 3 },
    { bundleId: 'pv@20261121T10Z-4', issuanceId: 'pv@20261121T10Z', owner: 'carol', quantityWh: 6 },
  ],
};
const seers = (name: string, payload: object) =>
  ['alice', 'bob', 'carol', 'dave'].filter((h) => visiblePayload(household(h), name, payload) !== undefined);

describe('certificate lifecycle events', () => {
  it.each([
    ['CertificatesReserved', reserved, ['alice', 'bob', 'carol']],
    ['CertificatesReservationReleased', released, ['alice', 'bob', 'carol']],
    ['CertificatesExpired', expired, ['bob', 'carol']],
  ] as const)('%s reaches the parties involved and no other household; the regulator sees it whole', (name, payload, seeing) => {
    expect(seers(name, payload)).toEqual(seeing);
    expect(visiblePayload(regulator, name, payload)).toEqual(payload);
  });

  it('shows the owner of a bundle reserved for the holder its own bundles of an expiry record only', () => {
    expect(visiblePayload(household('bob'), 'CertificatesExpired', expired)).toEqual({ ...expired, bundles: [expired.bundles[0]] });
    expect(visiblePayload(household('carol'), 'CertificatesExpired', expired)).toEqual(expired);
  });
});
