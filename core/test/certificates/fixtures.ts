import { CertificateBundle, CertifiableAsset, expiryOf, HourInterval, HourIssuanceInput, MeteredAsset } from '../../src';

export const HOUR = '2026-11-21T10:00:00Z';
export const NOW = '2026-11-22T00:00:00Z';

export const pv: CertifiableAsset = {
  assetId: 'pv-1',
  participantId: 'alice',
  meterId: 'm-alice',
  source: 'solar',
  capacityW: 6000,
  zone: 'zone-a',
  location: '52.40N 13.10E',
  commissionedOn: '2024-05-01',
  verified: true,
  name: 'Alice roof PV',
};

export const battery: CertifiableAsset = {
  assetId: 'bat-1',
  participantId: 'bob',
  meterId: 'm-bat',
  source: 'storage',
  capacityW: 5000,
  zone: 'zone-a',
  location: '52.41N 13.11E',
  commissionedOn: '2025-01-10',
  verified: true,
};

export const meteredOf = (a: CertifiableAsset): MeteredAsset => ({
  assetId: a.assetId,
  meterId: a.meterId,
  source: a.source,
  capacityW: a.capacityW,
});

/** The four PT15M intervals of an hour for one meter, closed and settled, with the given export (and import). */
export function quarterHours(
  meterId: string,
  exportWh: readonly number[],
  options: { hourStart?: string; importWh?: readonly number[]; estimated?: number; open?: number; unsettled?: number } = {},
): HourInterval[] {
  const start = Date.parse(options.hourStart ?? HOUR) / 1000;
  return exportWh.map((e, k) => ({
    intervalStart: new Date((start + k * 900) * 1000).toISOString().replace('.000Z', 'Z'),
    windowClosed: options.open !== k,
    settled: options.unsettled !== k,
    meter: { meterId, importWh: options.importWh?.[k] ?? 0, exportWh: e, estimated: options.estimated === k },
  }));
}

/** pv-1's issuance of HOUR: 1000 Wh exported, 250 Wh sold P2P. */
export const hourInput = (over: Partial<HourIssuanceInput> = {}): HourIssuanceInput => ({
  asset: pv,
  meterAssets: [meteredOf(pv)],
  hourStart: HOUR,
  intervalSeconds: 900,
  intervals: quarterHours(pv.meterId, [100, 200, 300, 400]),
  bundledWh: 250,
  issuingBody: 'Regulator',
  issuedAt: '2026-11-21T12:00:00Z',
  ...over,
});

/** A bundle of pv-1's issuance of HOUR as issued: numbers 1..750, held by alice. */
export const issuedBundle = (over: Partial<CertificateBundle> = {}): CertificateBundle => ({
  issuanceId: 'pv-1@20261121T10Z',
  rangeStart: 1,
  rangeEnd: 750,
  owner: 'alice',
  status: 'active',
  deviceId: 'pv-1',
  energySource: 'solar',
  issuedFrom: 'production',
  productionStart: HOUR,
  productionEnd: '2026-11-21T11:00:00Z',
  issuedAt: '2026-11-21T12:00:00Z',
  expiresAt: expiryOf('2026-11-21T11:00:00Z'),
  ...over,
});
