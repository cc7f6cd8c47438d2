/**
 * Batched issuance (certificates:issueBatch) and the scheduler's listing (certificates:listIssuable)
 * on the fake ledger: a batch issues exactly what single issuances would, an item refused with its
 * code writes nothing while the others are issued, each asset's cursor moves once per transaction.
 */
import { auditIssuer, ErrorCodes, formatInstant, parseInstant } from '@gridledger/core';
import { CertificatesContract } from '../src/certificates';
import { AssetsContract, EnergyContract } from '../src/energy';
import { MeteringContract } from '../src/metering';
import { RegistryContract } from '../src/registry';
import {
  FakeFabric,
  identity,
  MeterKeys,
  meterKeys,
  readingsOf,
  SEED,
  signReading,
  submitVia,
  TxOutcome,
  withTransient,
} from './fake-fabric';

const registry = new RegistryContract();
const metering = new MeteringContract();
const assets = new AssetsContract();
const energy = new EnergyContract();
const certificates = new CertificatesContract();
const operator = identity('CommunityMSP', 'operator', 'op-1');
const bridge = identity('CommunityMSP', 'meter-bridge', 'bridge-1');
const regulator = identity('RegulatorMSP', 'regulator', 'reg-1');
const home = identity('CommunityMSP', 'prosumer', 'home-01');
const H0 = '2026-11-21T12:00:00Z';
const T = parseInstant(H0)!;
const H1 = formatInstant(T + 3600);
const H2 = formatInstant(T + 7200);
const json = (x: unknown) => JSON.stringify(x);

async function ok(p: Promise<TxOutcome>) {
  const out = await p;
  if (!out.ok) throw new Error(out.message);
  return out;
}

/** Three producers in community c1, each with an asset on its meter (solar pv-1, pv-2 verified; wind wt-3 not), readings of H0..H2. */
async function setUp(): Promise<FakeFabric> {
  const f = new FakeFabric();
  f.now = T - 86_400;
  const homes = [
    { participantId: 'home-01', assetId: 'pv-1', source: 'solar', verified: true },
    { participantId: 'home-02', assetId: 'pv-2', source: 'solar', verified: true },
    { participantId: 'home-03', assetId: 'wt-3', source: 'wind', verified: false },
  ];
  const keys: MeterKeys[] = [];
  for (const h of homes) {
    await ok(f.run(operator, (ctx) => registry.registerParticipant(ctx, json({ participantId: h.participantId, role: 'prosumer' }))));
    const k = meterKeys();
    keys.push(k);
    const meter = {
      meterId: `${h.participantId}.pv`,
      participantId: h.participantId,
      kind: 'production',
      publicKeyPem: k.publicKeyPem,
      exportCapacityW: 0,
      communityId: 'c1',
    };
    await ok(f.run(operator, (ctx) => registry.registerMeter(ctx, json(meter))));
    const asset = {
      assetId: h.assetId,
      participantId: h.participantId,
      meterId: meter.meterId,
      source: h.source,
      capacityW: 4000,
      zone: 'z1',
      feeder: 'f1',
      location: '52.40 N 13.10 E',
      commissionedOn: '2024-05-01',
      certificationHash: 'ab'.repeat(32),
    };
    await ok(f.run(operator, (ctx) => assets.registerAsset(ctx, json(asset))));
    if (h.verified) await ok(f.run(regulator, (ctx) => assets.verifyAsset(ctx, h.assetId)));
  }
  f.now = T + 3 * 3600 + 60;
  const readings = homes.flatMap((h, m) =>
    readingsOf(
      `${h.participantId}.pv`,
      T,
      Array.from({ length: 12 }, (_, k) => ({ importWh: 0, exportWh: 100 * (m + 1) + k })),
    ).map((r) => signReading(r, keys[m].privateKey)),
  );
  await ok(f.run(bridge, (ctx) => submitVia(metering, ctx, json(readings))));
  return f;
}

const closeHour = async (f: FakeFabric, hourStart: string) => {
  for (let k = 0; k < 4; k++)
    await ok(
      f.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', formatInstant(parseInstant(hourStart)! + k * 900))),
    );
};

const batch = (f: FakeFabric, items: [string, string][]) =>
  f.run(operator, (ctx) => certificates.issueBatch(ctx, json({ items: items.map(([assetId, hourStart]) => ({ assetId, hourStart })) })));

/** The certificate records and bundles of a ledger, without the transaction ids that name them. */
const certificateState = (f: FakeFabric) =>
  Object.entries(f.dump((k) => k.includes('certIssuance') || k.includes('certBundle') || k.includes('certHolding'))).map(([k, v]) => [
    k,
    { ...(v as object), txIds: undefined },
  ]);

it('issues exactly what single issuances would, moving each asset cursor once per transaction', async () => {
  const single = await setUp();
  const batched = await setUp();
  for (const f of [single, batched]) for (const h of [H0, H1]) await closeHour(f, h);
  const items: [string, string][] = [
    ['pv-1', H0],
    ['pv-2', H0],
    ['pv-1', H1],
    ['pv-2', H1],
  ];
  for (const [assetId, hourStart] of items) await ok(single.run(operator, (ctx) => certificates.issue(ctx, assetId, hourStart)));
  const out = await ok(batch(batched, items));
  expect(certificateState(batched)).toEqual(certificateState(single));
  expect(certificateState(batched).length).toBe(12);
  expect(out.result.items.map((i: { status: string; quantityWh: number }) => [i.status, i.quantityWh])).toEqual([
    ['issued', 406],
    ['issued', 806],
    ['issued', 422],
    ['issued', 822],
  ]);
  expect(out.result.items[2].record).toMatchObject({ issuanceId: 'pv-1@20261121T13Z', verifiedExportWh: 422, issuedWh: 422 });
  expect(out.result).toMatchObject({ issuedCount: 4, refusedCount: 0 });
  expect(out.result.cursors.map((c: { assetId: string; changes: number }) => [c.assetId, c.changes])).toEqual([
    ['pv-1', 1],
    ['pv-2', 1],
  ]);
  expect(out.events.map((e) => e.name)).toEqual(['CertificatesBatchIssued']);
  expect((out.events[0].payload as { issuances: { producerId: string }[] }).issuances.map((i) => i.producerId)).toEqual([
    'home-01',
    'home-02',
    'home-01',
    'home-02',
  ]);
  // The audit finds the batch's records covered by the one change each cursor logged, as it does for single issuances.
  for (const f of [single, batched])
    for (const assetId of ['pv-1', 'pv-2']) {
      const records = async (kind: string) =>
        (await ok(f.evaluate(operator, (ctx) => certificates.listIssuerRecords(ctx, json({ assetId, records: kind }))))).result;
      const chain = await records('chain');
      const [issuances, bundles] = [(await records('issuances')).items, (await records('bundles')).items];
      expect(auditIssuer({ assetId, cursor: chain.cursor, chain: chain.items, issuances, bundles })).toEqual([]);
    }
});

it('answers each refused item its code and writes nothing of it, while the others are issued', async () => {
  const f = await setUp();
  await closeHour(f, H0);
  await ok(f.run(operator, (ctx) => certificates.issue(ctx, 'pv-2', H0)));
  const out = await ok(
    batch(f, [
      ['pv-1', H1],
      ['pv-1', H0],
      ['pv-2', H0],
      ['wt-3', H0],
      ['nope', H0],
      ['pv-1', '2026-11-21T12:15:00Z'],
      ['pv\u00001', H0],
    ]),
  );
  expect(out.result.items.map((i: { status: string; error?: { code: string } }) => i.error?.code ?? i.status)).toEqual([
    ErrorCodes.CERTIFICATE_HOUR_OPEN,
    'issued',
    ErrorCodes.CERTIFICATE_HOUR_ISSUED,
    ErrorCodes.CERTIFICATE_ASSET_UNVERIFIED,
    ErrorCodes.ASSET_NOT_FOUND,
    ErrorCodes.CERTIFICATE_INPUT_INVALID,
    ErrorCodes.REQUEST_INVALID,
  ]);
  const written = [...out.writes.keys()].map((k) => k.split('\u0000').filter(Boolean).slice(0, 3).join(' '));
  expect(written.sort()).toEqual([
    'certBundle pv-1 20261121T12Z',
    'certChain pv-1 0000000000000001',
    'certHolding home-01 pv-1',
    'certIssuance pv-1 20261121T12Z',
    'certIssuer pv-1',
  ]);

  // Nothing issuable: the transaction commits with every item refused and writes nothing.
  const none = await ok(batch(f, [['pv-1', H0]]));
  expect([none.result.refusedCount, none.writes.size, none.events.length]).toEqual([1, 0, 0]);
});

it('refuses a malformed batch whole: no items, more than 100, an asset-hour twice, a household', async () => {
  const f = await setUp();
  await closeHour(f, H0);
  const refusal = async (p: Promise<TxOutcome>) => [(await p).error?.code, (await p).error?.details];
  const invalid = [ErrorCodes.CERTIFICATE_INPUT_INVALID, { field: 'items' }];
  expect(await refusal(batch(f, []))).toEqual(invalid);
  expect(
    await refusal(
      batch(
        f,
        Array.from({ length: 101 }, (_, k) => [`pv-${k}`, H0] as [string, string]),
      ),
    ),
  ).toEqual(invalid);
  expect(
    await refusal(
      batch(f, [
        ['pv-1', H0],
        ['pv-1', H0],
      ]),
    ),
  ).toEqual(invalid);
  expect(await refusal(f.run(operator, (ctx) => certificates.issueBatch(ctx, json({ items: [{ assetId: 'pv-1' }] }))))).toEqual(invalid);
  const byHome = await f.run(home, (ctx) => certificates.issueBatch(ctx, json({ items: [{ assetId: 'pv-1', hourStart: H0 }] })));
  expect(byHome.error?.code).toBe(ErrorCodes.ACCESS_DENIED);
});

it('issues several hours of one asset in one transaction with one move of its cursor', async () => {
  const f = await setUp();
  for (const h of [H0, H1, H2]) await closeHour(f, h);
  const hours = [H0, H1, H2];
  const out = await ok(
    batch(
      f,
      hours.map((h) => ['pv-1', h] as [string, string]),
    ),
  );
  expect(out.result.cursors).toEqual([expect.objectContaining({ assetId: 'pv-1', changes: 1 })]);
  const after = await ok(f.run(operator, (ctx) => certificates.issue(ctx, 'pv-2', H2)));
  expect(after.result.cursor.changes).toBe(1);
});

it('lists the verified renewable assets of a community with their closed hours not issued yet, a page of meters at a time', async () => {
  const f = await setUp();
  const list = (pageSize: string, bookmark = '') =>
    ok(f.evaluate(operator, (ctx) => certificates.listIssuable(ctx, 'c1', H0, formatInstant(T + 4 * 3600), pageSize, bookmark)));
  expect((await list('10')).result).toEqual({ closedHours: [], items: [], discharges: [], bookmark: '' });
  await closeHour(f, H0);
  await closeHour(f, H2);
  expect((await list('10')).result).toEqual({
    closedHours: [H0, H2],
    items: [
      { assetId: 'pv-1', hourStart: H0 },
      { assetId: 'pv-1', hourStart: H2 },
      { assetId: 'pv-2', hourStart: H0 },
      { assetId: 'pv-2', hourStart: H2 },
    ],
    discharges: [],
    bookmark: '',
  });
  await ok(batch(f, [['pv-1', H0]]));
  const first = (await list('1')).result;
  expect(first.items).toEqual([{ assetId: 'pv-1', hourStart: H2 }]);
  const second = (await list('1', first.bookmark)).result;
  expect(second.items).toEqual([
    { assetId: 'pv-2', hourStart: H0 },
    { assetId: 'pv-2', hourStart: H2 },
  ]);
  const wide = await f.evaluate(operator, (ctx) => certificates.listIssuable(ctx, 'c1', H0, formatInstant(T + 169 * 3600), '10', ''));
  expect(wide.error?.details).toEqual({ field: 'toHour' });
  expect((await f.evaluate(home, (ctx) => certificates.listIssuable(ctx, 'c1', H0, H1, '10', ''))).error?.code).toBe(
    ErrorCodes.ACCESS_DENIED,
  );
});
