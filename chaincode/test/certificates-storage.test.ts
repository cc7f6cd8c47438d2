/**
 * Storage records, hourly matching and green tokens on the fake ledger: certificates charged into a
 * battery's record within its metered import, FIFO discharge issuance with the losses left out,
 * a household's hours against its claims and green bundled tokens, and tokens of an unverified
 * asset that say so and match nothing.
 */
import { Context } from 'fabric-contract-api';
import { ErrorCodes, formatInstant, parseInstant, Reading } from '@gridledger/core';
import { CertificatesContract } from '../src/certificates';
import { AssetsContract, EnergyContract, transferEnergyTokens } from '../src/energy';
import { respond } from '../src/respond';
import { MeteringContract } from '../src/metering';
import { RegistryContract } from '../src/registry';
import { assetOf } from './certificate-support';
import { FakeFabric, identity, meterKeys, MeterKeys, SEED, signReading, submitVia, TxOutcome, withTransient } from './fake-fabric';

const registry = new RegistryContract();
const metering = new MeteringContract();
const assets = new AssetsContract();
const energy = new EnergyContract();
const certificates = new CertificatesContract();
const operator = identity('CommunityMSP', 'operator', 'op-1');
const bridge = identity('CommunityMSP', 'meter-bridge', 'bridge-1');
const home1 = identity('CommunityMSP', 'prosumer', 'home-01');
const home2 = identity('CommunityMSP', 'consumer', 'home-02');
const home3 = identity('CommunityMSP', 'prosumer', 'home-03');
const regulator = identity('RegulatorMSP', 'regulator', 'reg-1');
const utility = identity('UtilityMSP', 'utility', 'util-1');
const HOUR = '2026-11-21T12:00:00Z';
const T = parseInstant(HOUR)!;
const NEXT = formatInstant(T + 3600);
const json = (x: unknown) => JSON.stringify(x);

async function ok(p: Promise<TxOutcome>) {
  const out = await p;
  if (!out.ok) throw new Error(out.message);
  return out;
}

interface Meter {
  meterId: string;
  keys: MeterKeys;
  seq: number;
  importRegisterWh: number;
  exportRegisterWh: number;
}

const readingsFor = (m: Meter, start: number, values: [number, number][]) =>
  values.map(([importWh, exportWh], k): Reading => {
    m.seq += 1;
    m.importRegisterWh += importWh;
    m.exportRegisterWh += exportWh;
    const { meterId, seq, importRegisterWh, exportRegisterWh } = m;
    return { meterId, intervalStart: formatInstant(start + k * 900), seq, importWh, exportWh, importRegisterWh, exportRegisterWh };
  });

/**
 * home-01: a verified 4 kW solar asset (meter h1.pv) and a verified battery (meter h1.bat, lifetime
 * registers 10,000 Wh in, 7,500 Wh out); home-02: a consumer (h2.main); home-03: an unverified solar asset (h3.pv).
 */
async function setUp() {
  const f = new FakeFabric();
  f.now = T - 86_400;
  for (const [participantId, role] of [
    ['home-01', 'prosumer'],
    ['home-02', 'consumer'],
    ['home-03', 'prosumer'],
  ])
    await ok(f.run(operator, (ctx) => registry.registerParticipant(ctx, json({ participantId, role }))));
  const meters: Record<string, Meter> = {};
  const meter = async (meterId: string, participantId: string, kind: string, importRegisterWh = 0, exportRegisterWh = 0) => {
    const keys = meterKeys();
    meters[meterId] = { meterId, keys, seq: 0, importRegisterWh, exportRegisterWh };
    const m = { meterId, participantId, kind, publicKeyPem: keys.publicKeyPem, exportCapacityW: 0, communityId: 'c1' };
    await ok(f.run(operator, (ctx) => registry.registerMeter(ctx, json(m))));
  };
  await meter('h1.pv', 'home-01', 'production');
  await meter('h1.bat', 'home-01', 'bidirectional', 10_000, 7_500);
  await meter('h2.main', 'home-02', 'consumption');
  await meter('h3.pv', 'home-03', 'production');
  const asset = assetOf;
  await ok(f.run(home1, (ctx) => assets.registerAsset(ctx, json(asset('pv-1', 'home-01', 'h1.pv', 'solar')))));
  await ok(f.run(home1, (ctx) => assets.registerAsset(ctx, json(asset('bat-1', 'home-01', 'h1.bat', 'storage')))));
  await ok(f.run(home3, (ctx) => assets.registerAsset(ctx, json(asset('pv-3', 'home-03', 'h3.pv', 'solar')))));
  await ok(f.run(regulator, (ctx) => assets.verifyAsset(ctx, 'pv-1')));
  await ok(f.run(regulator, (ctx) => assets.verifyAsset(ctx, 'bat-1')));

  /** One hour of readings of every meter ([import, export] per interval), then its windows closed. */
  const hour = async (start: number, values: Record<string, [number, number][]>) => {
    f.now = start + 3600 + 60;
    for (const [meterId, v] of Object.entries(values)) {
      const signed = readingsFor(meters[meterId], start, v).map((r) => signReading(r, meters[meterId].keys.privateKey));
      await ok(f.run(bridge, (ctx) => submitVia(metering, ctx, json(signed))));
    }
    for (let k = 0; k < 4; k++)
      await ok(f.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', formatInstant(start + k * 900))));
  };
  await hour(T, {
    'h1.pv': [
      [0, 800],
      [0, 400],
      [0, 0],
      [0, 200],
    ],
    'h1.bat': [
      [300, 0],
      [200, 0],
      [100, 0],
      [0, 0],
    ],
    'h2.main': [
      [250, 0],
      [250, 0],
      [250, 0],
      [250, 0],
    ],
    'h3.pv': [
      [0, 100],
      [0, 0],
      [0, 0],
      [0, 0],
    ],
  });
  return { f, hour };
}

const charge = (f: FakeFabric, who = home1, bundleId: string, quantityWh: number, storageAssetId = 'bat-1') =>
  f.run(who, (ctx) => certificates.chargeStorage(ctx, bundleId, json({ storageAssetId, quantityWh })));

it("charges certificates into the battery's records within its metered import, and discharges them FIFO without the losses", async () => {
  const { f, hour } = await setUp();
  await ok(f.run(regulator, (ctx) => certificates.issue(ctx, 'pv-1', HOUR)));
  const pvBundle = 'pv-1@20261121T12Z-1';

  const first = await ok(charge(f, home1, pvBundle, 500));
  // Lifetime registers at the hour's last reading: 7,500 out / 10,600 in.
  expect(first.result.record).toMatchObject({
    chargeRecordId: 'pv-1@20261121T12Z-1>bat-1',
    chargingStart: HOUR,
    chargingEnergyWh: 500,
    chargingEnergySource: 'solar',
    efficiencyPpm: 707547,
    dischargeableWh: 353,
    allocatedWh: 0,
  });
  expect(first.result.cancelled).toMatchObject({ rangeStart: 1, rangeEnd: 500, status: 'cancelled' });
  expect(first.result.cancelled.cancellation).toMatchObject({ kind: 'storage-charge', storageAssetId: 'bat-1' });

  const beyond = await charge(f, home1, 'pv-1@20261121T12Z-501', 101);
  expect(beyond.error?.code).toBe(ErrorCodes.STORAGE_CHARGE_EXCEEDS_METERED);
  expect(beyond.error?.details).toMatchObject({ meteredWh: 600, chargedBeforeWh: 500, quantityWh: 101 });
  await ok(charge(f, home1, 'pv-1@20261121T12Z-501', 100));
  // Not a storage asset, and not one's own battery.
  expect((await charge(f, home1, 'pv-1@20261121T12Z-601', 1, 'pv-1')).error?.code).toBe(ErrorCodes.CERTIFICATE_INPUT_INVALID);
  await ok(f.run(home1, (ctx) => certificates.transfer(ctx, 'pv-1@20261121T12Z-601', json({ to: 'home-02', quantityWh: 10 }))));
  expect((await charge(f, home2, 'pv-1@20261121T12Z-601', 1)).error?.code).toBe(ErrorCodes.ACCESS_DENIED);

  await hour(T + 3600, {
    'h1.bat': [
      [0, 200],
      [0, 200],
      [0, 100],
      [0, 0],
    ],
  });
  const discharged = await ok(f.run(regulator, (ctx) => certificates.issueStorageDischarge(ctx, 'bat-1', NEXT)));
  // Records: 353 of 500 and floor(100 × 0.707547) = 70 of 100 may come back; 500 metered, 423 certified.
  expect(
    discharged.result.bundles.map((b: Record<string, unknown>) => [
      b.rangeStart,
      b.rangeEnd,
      b.chargeRecordId,
      b.issuedFrom,
      b.energySource,
    ]),
  ).toEqual([
    [1, 353, 'pv-1@20261121T12Z-1>bat-1', 'storage', 'solar'],
    [354, 423, 'pv-1@20261121T12Z-501>bat-1', 'storage', 'solar'],
  ]);
  expect(discharged.result).toMatchObject({ meteredDischargeWh: 500, uncertifiedWh: 77, record: { issuedWh: 423 } });
  expect(discharged.result.cursor.changes).toBe(1);
  expect((await f.run(operator, (ctx) => certificates.issueStorageDischarge(ctx, 'bat-1', NEXT))).error?.code).toBe(
    ErrorCodes.CERTIFICATE_HOUR_ISSUED,
  );
  expect((await f.run(home1, (ctx) => certificates.issueStorageDischarge(ctx, 'bat-1', NEXT))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);

  const records = await ok(f.evaluate(home1, (ctx) => certificates.listStorageCharges(ctx, 'bat-1')));
  expect(records.result.items.map((r: Record<string, number>) => [r.dischargeableWh, r.allocatedWh])).toEqual([
    [353, 353],
    [70, 70],
  ]);
  expect((await f.evaluate(home2, (ctx) => certificates.listStorageCharges(ctx, 'bat-1'))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);

  // The regulator withdraws the first 500 produced (a faulty meter): the record they charged and its discharge go with them.
  const withdrawal = { rangeStart: 1, rangeEnd: 500, reason: 'meter found faulty' };
  const withdrawn = await ok(f.run(regulator, (ctx) => certificates.withdraw(ctx, 'pv-1@20261121T12Z', json(withdrawal))));
  expect(withdrawn.result.derived.map((b: Record<string, unknown>) => [b.bundleId, b.quantityWh, b.status])).toEqual([
    ['bat-1@20261121T13Z-1', 353, 'withdrawn'],
  ]);
  expect(withdrawn.result.derived[0].withdrawal).toMatchObject({ cause: 'derived', derivedFrom: 'pv-1@20261121T12Z-1>bat-1' });
  const after = await ok(f.evaluate(home1, (ctx) => certificates.listStorageCharges(ctx, 'bat-1')));
  expect(after.result.items.map((r: Record<string, unknown>) => [r.chargeRecordId, r.withdrawn !== undefined, r.allocatedTo])).toEqual([
    ['pv-1@20261121T12Z-1>bat-1', true, ['bat-1@20261121T13Z']],
    ['pv-1@20261121T12Z-501>bat-1', false, ['bat-1@20261121T13Z']],
  ]);
  const standing = await ok(f.evaluate(home1, (ctx) => certificates.getCertificate(ctx, 'bat-1@20261121T13Z-354')));
  expect(standing.result).toMatchObject({
    status: 'active',
    chargeRecord: { chargeRecordId: 'pv-1@20261121T12Z-501>bat-1', efficiencyPpm: 707547 },
  });
});

it('matches a household hour by hour against its claims and green bundled tokens; unverified tokens say so and match nothing', async () => {
  const { f } = await setUp();
  await ok(f.run(regulator, (ctx) => certificates.issue(ctx, 'pv-1', HOUR)));
  await ok(f.run(home1, (ctx) => certificates.transfer(ctx, 'pv-1@20261121T12Z-1', json({ to: 'home-02', quantityWh: 300 }))));
  const claim = { beneficiary: 'home-02', purpose: 'p', consumptionPeriodStart: HOUR, consumptionPeriodEnd: NEXT, location: 'l' };
  await ok(f.run(home2, (ctx) => certificates.claim(ctx, 'pv-1@20261121T12Z-1', json({ ...claim, quantityWh: 200 }))));
  // What settlement does: green tokens of pv-1 and tokens of the unverified pv-3 to home-02.
  const move = (from: string, wh: number) =>
    f.run(operator, (ctx: Context) => respond(ctx, 't', () => transferEnergyTokens(ctx, from, 'home-02', HOUR, wh, 'trade-1')));
  await ok(move('home-01', 150));
  await ok(move('home-03', 100));

  const lots = (await ok(f.evaluate(home2, (ctx) => energy.getTokenBalance(ctx, 'home-02')))).result.lots;
  expect(lots.map((l: Record<string, unknown>) => [l.assetId, l.amountWh, l.green])).toEqual([
    ['pv-1', 150, true],
    ['pv-3', 100, false],
  ]);
  const position = await ok(f.evaluate(home3, (ctx) => energy.getPosition(ctx, 'home-03', HOUR)));
  expect(position.result.tokens).toEqual([{ assetId: 'pv-3', source: 'solar', energyWh: 100, green: false }]);

  const matching = (who = home2, id = 'home-02', to = formatInstant(T + 2 * 3600)) =>
    f.evaluate(who, (ctx) => certificates.getMatching(ctx, id, HOUR, to));
  const mine = await ok(matching());
  expect(mine.result.hours).toEqual([
    { hourStart: HOUR, consumptionWh: 1000, claimedWh: 200, bundledWh: 150, matchedWh: 350, matchedPpm: 350000 },
    { hourStart: NEXT, consumptionWh: 0, claimedWh: 0, bundledWh: 0, matchedWh: 0, matchedPpm: null },
  ]);
  expect(mine.result).toMatchObject({ participantId: 'home-02', consumptionWh: 1000, matchedWh: 350, scorePpm: 350000 });
  expect((await matching(home1)).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
  expect((await matching(regulator)).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
  expect((await matching(home2, 'home-02', '2026-11-21T12:30:00Z')).error?.details).toEqual({ field: 'to' });
  expect((await matching(home2, 'home-02', formatInstant(T + 367 * 86_400))).error?.code).toBe(ErrorCodes.CERTIFICATE_INPUT_INVALID);

  const community = (who: typeof operator) => f.evaluate(who, (ctx) => certificates.getCommunityMatching(ctx, 'c1', HOUR, NEXT));
  const totals = (await ok(community(utility))).result;
  expect(totals).toMatchObject({ communityId: 'c1', participants: 3, matchedWh: 350 });
  expect(totals.hours).toBeUndefined();
  expect(totals.consumptionWh).toBeGreaterThanOrEqual(1000);
  expect((await ok(community(operator))).result).toEqual(totals);
  expect((await community(home2)).error?.code).toBe(ErrorCodes.ACCESS_DENIED);

  // The regulator reads the days the utility or the operator recorded, never a household's hours.
  const DAY = '2026-11-21T00:00:00Z';
  const record = (who: typeof operator, day = DAY) => f.run(who, (ctx) => certificates.recordCommunityMatching(ctx, 'c1', day));
  const recorded = (await ok(record(utility))).result;
  expect(recorded).toMatchObject({
    communityId: 'c1',
    dayStart: DAY,
    participants: 3,
    matchedWh: 350,
    consumptionWh: totals.consumptionWh,
  });
  expect((await record(regulator)).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
  expect((await record(utility, HOUR)).error?.details).toEqual({ field: 'dayStart' });
  const days = (await ok(f.evaluate(regulator, (ctx) => certificates.getRecordedMatching(ctx, 'c1', DAY, '2026-11-23T00:00:00Z')))).result;
  expect(days).toMatchObject({ daysInPeriod: 2, consumptionWh: totals.consumptionWh, matchedWh: 350, scorePpm: totals.scorePpm });
  expect(days.days.map((d: Record<string, unknown>) => [d.dayStart, d.participants, d.matchedWh])).toEqual([[DAY, 3, 350]]);
  expect(days.days[0].hours).toBeUndefined();
  expect((await f.evaluate(home2, (ctx) => certificates.getRecordedMatching(ctx, 'c1', DAY, DAY))).error?.code).toBe(
    ErrorCodes.ACCESS_DENIED,
  );

  // The unverified asset's hour backs no certificates: its account counts no export.
  const account = await ok(f.evaluate(home3, (ctx) => certificates.getHourAccount(ctx, 'pv-3', HOUR)));
  expect(account.result).toMatchObject({ verifiedExportWh: 0, certificateWh: 0 });
  expect((await f.run(regulator, (ctx) => certificates.issue(ctx, 'pv-3', HOUR))).error?.code).toBe(
    ErrorCodes.CERTIFICATE_ASSET_UNVERIFIED,
  );
});

it('refuses to charge from an hour whose battery readings left the state (READING_ARCHIVED), rather than an efficiency of 0', async () => {
  const { f } = await setUp();
  await ok(f.run(regulator, (ctx) => certificates.issue(ctx, 'pv-1', HOUR)));
  // The shortest horizon the parameters allow: the late window (48 h) plus a day; then the hour is archived.
  const setParams = (change: object) => f.run(operator, (ctx) => metering.setParams(ctx, json(change)));
  await ok(setParams({ disputeWindowSeconds: 86_400, correctionWindowSeconds: 86_400 }));
  await ok(setParams({ archiveAfterSeconds: 3 * 86_400 }));
  f.now = T + 3600 + 3 * 86_400;
  await ok(f.run(operator, (ctx) => metering.archiveReadingHour(ctx, json({ hour: HOUR.slice(0, 13), pageSize: 100 }))));
  const refused = await charge(f, home1, 'pv-1@20261121T12Z-1', 500);
  expect(refused.error?.code).toBe(ErrorCodes.READING_ARCHIVED);
  expect(refused.error?.details).toMatchObject({ meterId: 'h1.bat', hour: '2026-11-21T12' });
});
