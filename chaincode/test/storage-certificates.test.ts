/**
 * Batteries and the certificates' storage records on the fake ledger (docs/storage.md,
 * "Certificates"): a battery names its storage asset (checked at registration or at a link),
 * a storage contract's buyer charges its own certificates into the battery within the contract's
 * share of the hour's metered import, and the battery's discharge releases them to that buyer.
 */
import { auditStorageShares, ErrorCodes, formatInstant } from '@gridledger/core';
import { CertificatesContract } from '../src/certificates';
import { AssetsContract, EnergyContract } from '../src/energy';
import { CreditsContract } from '../src/market/credits';
import { MeteringContract } from '../src/metering';
import { RegistryContract } from '../src/registry';
import { StorageContract } from '../src/storage';
import { assetOf } from './certificate-support';
import { FakeFabric, identity, meterKeys, MeterKeys, SEED, signReading, submitVia, withTransient } from './fake-fabric';
import { codeOf, expectOk, operator, regulator, T, utility } from './market-support';

const registry = new RegistryContract();
const metering = new MeteringContract();
const assets = new AssetsContract();
const energy = new EnergyContract();
const certificates = new CertificatesContract();
const credits = new CreditsContract();
const storage = new StorageContract();
const bridge = identity('CommunityMSP', 'meter-bridge', 'bridge-1');
const provider = identity('CommunityMSP', 'battery-provider', 'bp');
const home1 = identity('CommunityMSP', 'prosumer', 'home-01');
const home2 = identity('CommunityMSP', 'prosumer', 'home-02');
const json = JSON.stringify;
const HOUR = formatInstant(T);
const NEXT = formatInstant(T + 3600);
const tag = (t: number) => formatInstant(t).slice(0, 13).replace(/-/g, '') + 'Z';

interface Meter {
  keys: MeterKeys;
  seq: number;
  importRegisterWh: number;
  exportRegisterWh: number;
}

const battery = (batteryId: string, more: Record<string, unknown> = {}) => ({
  batteryId,
  communityId: 'c1',
  zone: 'z1',
  meterId: 'bp.bat',
  capacityWh: 10_000,
  maxChargeW: 20_000,
  maxDischargeW: 20_000,
  roundTripEfficiencyPpm: 900_000,
  latitudeMicro: 52_520_000,
  longitudeMicro: 13_405_000,
  availability: [{ from: formatInstant(T - 86_400), to: formatInstant(T + 2 * 86_400) }],
  storedPriceMicrosPerKwh: 50_000,
  reservedPriceMicrosPerKwhDay: 240_000,
  penaltyMicrosPerKwh: 100_000,
  ...more,
});

/** bp: a battery provider with meters bp.bat (registers 10,000 Wh in, 9,000 out) and bp.m2; home-01 and home-02: verified solar. */
async function setUp() {
  const f = new FakeFabric();
  f.now = T - 86_400;
  for (const [participantId, role] of [
    ['bp', 'battery-provider'],
    ['home-01', 'prosumer'],
    ['home-02', 'prosumer'],
  ])
    expectOk(await f.run(operator, (ctx) => registry.registerParticipant(ctx, json({ participantId, role }))));
  const meters: Record<string, Meter> = {};
  const meter = async (meterId: string, participantId: string, importRegisterWh = 0, exportRegisterWh = 0) => {
    const keys = meterKeys();
    meters[meterId] = { keys, seq: 0, importRegisterWh, exportRegisterWh };
    const m = { meterId, participantId, kind: 'bidirectional', publicKeyPem: keys.publicKeyPem, exportCapacityW: 0, communityId: 'c1' };
    expectOk(await f.run(operator, (ctx) => registry.registerMeter(ctx, json(m))));
  };
  await meter('bp.bat', 'bp', 10_000, 9_000);
  await meter('bp.m2', 'bp');
  await meter('h1.pv', 'home-01');
  await meter('h2.pv', 'home-02');
  for (const [id, owner, m, source] of [
    ['pv-1', 'home-01', 'h1.pv', 'solar'],
    ['pv-2', 'home-02', 'h2.pv', 'solar'],
    ['bat-a', 'bp', 'bp.bat', 'storage'],
    ['bat-b', 'bp', 'bp.m2', 'storage'],
  ])
    expectOk(await f.run(operator, (ctx) => assets.registerAsset(ctx, json(assetOf(id, owner, m, source)))));
  for (const id of ['pv-1', 'pv-2', 'bat-b']) expectOk(await f.run(regulator, (ctx) => assets.verifyAsset(ctx, id)));
  for (const id of ['home-01', 'home-02']) {
    const deposit = { participantId: id, amountMicros: 1_000_000, reference: `dep-${id}` };
    expectOk(await f.run(utility, (ctx) => credits.deposit(ctx, json(deposit))));
  }
  /** One hour of readings ([import, export] per quarter hour) of the meters named, then its windows closed. */
  const hour = async (start: number, values: Record<string, [number, number][]>) => {
    f.now = start + 3600 + 60;
    for (const [meterId, v] of Object.entries(values)) {
      const m = meters[meterId];
      const signed = v.map(([importWh, exportWh], k) => {
        m.seq += 1;
        m.importRegisterWh += importWh;
        m.exportRegisterWh += exportWh;
        const reading = {
          meterId,
          intervalStart: formatInstant(start + k * 900),
          seq: m.seq,
          importWh,
          exportWh,
          importRegisterWh: m.importRegisterWh,
          exportRegisterWh: m.exportRegisterWh,
        };
        return signReading(reading, m.keys.privateKey);
      });
      expectOk(await f.run(bridge, (ctx) => submitVia(metering, ctx, json(signed))));
    }
    for (let k = 0; k < 4; k++)
      expectOk(await f.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', formatInstant(start + k * 900))));
  };
  return { f, hour };
}

const register = (f: FakeFabric, b: object) => f.run(provider, (ctx) => storage.registerBattery(ctx, json(b)));
const link = (f: FakeFabric, who: typeof provider, batteryId: string, assetId: string) =>
  f.run(who, (ctx) => storage.linkBatteryAsset(ctx, batteryId, json({ assetId })));

it("names a battery's storage asset at registration or by a link, only a verified storage asset of its provider on its meter", async () => {
  const { f } = await setUp();
  const refused = async (b: object, code: string, reason?: string) => {
    const out = await register(f, b);
    expect([codeOf(out), out.error?.details.reason]).toEqual([code, reason]);
  };
  await refused(battery('b1', { assetId: 'bat-a' }), ErrorCodes.BATTERY_ASSET_INVALID, 'unverified');
  await refused(battery('b1', { assetId: 'pv-1' }), ErrorCodes.BATTERY_ASSET_INVALID, 'not-storage');
  await refused(battery('b1', { assetId: 'bat-b' }), ErrorCodes.BATTERY_ASSET_INVALID, 'other-meter');
  await refused(battery('b1', { assetId: 'nope' }), ErrorCodes.ASSET_NOT_FOUND);
  expectOk(await f.run(regulator, (ctx) => assets.verifyAsset(ctx, 'bat-a')));

  // A battery registered before: linked once by its provider (a household may not), the same link again replayed.
  expectOk(await register(f, battery('b0')));
  expect(codeOf(await link(f, home1, 'b0', 'bat-a'))).toBe(ErrorCodes.ACCESS_DENIED);
  const linked = expectOk(await link(f, provider, 'b0', 'bat-a'));
  expect([linked.replayed, linked.battery.assetId, linked.battery.assetLink.linkedBy]).toEqual([false, 'bat-a', 'bp']);
  expect(expectOk(await link(f, provider, 'b0', 'bat-a')).replayed).toBe(true);
  expect(codeOf(await link(f, provider, 'b0', 'bat-b'))).toBe(ErrorCodes.BATTERY_ASSET_LINKED);
  // The registration retried without the asset still matches; another battery may not take the asset.
  expect(expectOk(await register(f, battery('b0'))).replayed).toBe(true);
  const taken = await register(f, battery('b1', { assetId: 'bat-a' }));
  expect([codeOf(taken), taken.error?.details.batteryId]).toEqual([ErrorCodes.BATTERY_ASSET_LINKED, 'b0']);
  // An operator links for a battery provider of its organization.
  expectOk(await register(f, battery('b2', { meterId: 'bp.m2' })));
  expect(expectOk(await link(f, operator, 'b2', 'bat-b')).battery.assetId).toBe('bat-b');
});

it("lets a contract's buyer charge its certificates within the contract's share, and gives it the discharge certificates", async () => {
  const { f, hour } = await setUp();
  expectOk(await f.run(regulator, (ctx) => assets.verifyAsset(ctx, 'bat-a')));
  expectOk(await register(f, battery('b1', { assetId: 'bat-a' })));
  expectOk(await register(f, battery('b9', { meterId: 'bp.m2' })));
  // Two contracts over two hours: 6,000 and 2,000 Wh of the 10,000 Wh battery; one on a battery without an asset.
  f.now = T - 3600;
  const confirm = (who: typeof home1, clientContractId: string, batteryId: string, reservedWh: number, from: number, to: number) =>
    f.run(who, (ctx) =>
      storage.confirmStorage(ctx, json({ clientContractId, batteryId, reservedWh, from: formatInstant(from), to: formatInstant(to) })),
    );
  const cA = expectOk(await confirm(home1, 'a', 'b1', 6_000, T, T + 7200)).contract.contractId;
  const cB = expectOk(await confirm(home2, 'b', 'b1', 2_000, T, T + 7200)).contract.contractId;
  const c9 = expectOk(await confirm(home1, 'n', 'b9', 100, T, T + 900)).contract.contractId;

  // The hour: 800 Wh into the battery (600 for A, 200 for B by reserved Wh), the homes' PV exports 1,400 and 400 Wh.
  await hour(T, {
    'bp.bat': [
      [400, 0],
      [400, 0],
      [0, 0],
      [0, 0],
    ],
    'h1.pv': [
      [0, 800],
      [0, 400],
      [0, 0],
      [0, 200],
    ],
    'h2.pv': [
      [0, 100],
      [0, 100],
      [0, 100],
      [0, 100],
    ],
  });
  const cLater = expectOk(await confirm(home1, 'l', 'b1', 100, T + 7200, T + 9000)).contract.contractId;
  for (const id of ['pv-1', 'pv-2']) expectOk(await f.run(regulator, (ctx) => certificates.issue(ctx, id, HOUR)));
  const pv1 = `pv-1@${tag(T)}`;
  const pv2 = `pv-2@${tag(T)}`;
  const charge = (who: typeof home1, bundleId: string, quantityWh: number, storageContractId: string) =>
    f.run(who, (ctx) => certificates.chargeStorage(ctx, bundleId, json({ storageContractId, quantityWh })));

  const beyond = await charge(home1, `${pv1}-1`, 601, cA);
  expect([codeOf(beyond), beyond.error?.details.meteredWh, beyond.error?.details.contractId]).toEqual([
    ErrorCodes.STORAGE_CHARGE_EXCEEDS_METERED,
    600,
    cA,
  ]);
  const a = expectOk(await charge(home1, `${pv1}-1`, 600, cA));
  // Lifetime registers at the hour's last reading: 9,000 out / 10,800 in = 833,333 ppm.
  expect(a.record).toMatchObject({
    contractId: cA,
    ownerId: 'home-01',
    storageAssetId: 'bat-a',
    chargingEnergyWh: 600,
    dischargeableWh: 499,
    shareWh: 600,
  });
  expect(codeOf(await charge(home2, `${pv2}-1`, 1, cA))).toBe(ErrorCodes.ACCESS_DENIED);
  expect(expectOk(await charge(home2, `${pv2}-1`, 200, cB)).record).toMatchObject({
    contractId: cB,
    ownerId: 'home-02',
    dischargeableWh: 166,
    shareWh: 200,
  });
  expect(codeOf(await charge(home2, `${pv2}-201`, 1, cB))).toBe(ErrorCodes.STORAGE_CHARGE_EXCEEDS_METERED);
  // Not one's own battery without a contract; a contract whose window misses the hour; one cancelled; a battery without asset.
  const own = await f.run(home1, (ctx) => certificates.chargeStorage(ctx, `${pv1}-601`, json({ storageAssetId: 'bat-a', quantityWh: 1 })));
  expect(codeOf(own)).toBe(ErrorCodes.ACCESS_DENIED);
  expect(codeOf(await charge(home1, `${pv1}-601`, 1, cLater))).toBe(ErrorCodes.CERTIFICATE_PERIOD_MISMATCH);
  expectOk(await f.run(home1, (ctx) => storage.cancelStorage(ctx, cLater)));
  expect(codeOf(await charge(home1, `${pv1}-601`, 1, cLater))).toBe(ErrorCodes.STORAGE_CONTRACT_STATE_CONFLICT);
  expect(codeOf(await charge(home1, `${pv1}-601`, 1, c9))).toBe(ErrorCodes.BATTERY_ASSET_MISSING);
  expect(codeOf(await charge(home1, `${pv1}-601`, 1, 'nope'))).toBe(ErrorCodes.STORAGE_CONTRACT_NOT_FOUND);

  // The audit's inputs of the shares (the operator and the utility; the regulator holds no import): recomputed, they match.
  const inputs = expectOk(await f.evaluate(operator, (ctx) => certificates.getStorageShareInputs(ctx, 'bat-a', HOUR)));
  expect(inputs.intervals.map((i: { importWh: number }) => i.importWh)).toEqual([400, 400, 0, 0]);
  expect(inputs.reservations.map((r: { contractId: string }) => r.contractId).sort()).toEqual([cA, cB].sort());
  const records = expectOk(await f.evaluate(operator, (ctx) => certificates.listStorageCharges(ctx, 'bat-a'))).items;
  expect(auditStorageShares('bat-a', records, () => inputs)).toEqual({ checked: 2, findings: [] });
  expect(codeOf(await f.evaluate(regulator, (ctx) => certificates.getStorageShareInputs(ctx, 'bat-a', HOUR)))).toBe(
    ErrorCodes.ACCESS_DENIED,
  );

  // The next hour: 800 Wh out, 600 of it A's share and 200 B's; the records release 499 and 166, each to its buyer.
  await hour(T + 3600, {
    'bp.bat': [
      [0, 300],
      [0, 300],
      [0, 200],
      [0, 0],
    ],
  });
  // The certificate scheduler's listing names the linked battery's closed hours to discharge (bat-b is linked to no battery).
  const listing = async () =>
    expectOk(await f.evaluate(operator, (ctx) => certificates.listIssuable(ctx, 'c1', HOUR, formatInstant(T + 7200), '10', '')));
  expect((await listing()).discharges).toEqual([
    { assetId: 'bat-a', hourStart: HOUR },
    { assetId: 'bat-a', hourStart: NEXT },
  ]);
  const issued = expectOk(await f.run(regulator, (ctx) => certificates.issueStorageDischarge(ctx, 'bat-a', NEXT)));
  expect((await listing()).discharges).toEqual([{ assetId: 'bat-a', hourStart: HOUR }]);
  expect((await listing()).items.map((i: { assetId: string }) => i.assetId)).not.toContain('bat-a');
  expect(issued.bundles.map((b: Record<string, unknown>) => [b.rangeStart, b.rangeEnd, b.owner, b.chargeRecordId])).toEqual([
    [1, 499, 'home-01', a.record.chargeRecordId],
    [500, 665, 'home-02', `${pv2}-1>bat-a`],
  ]);
  expect(issued).toMatchObject({ meteredDischargeWh: 800, uncertifiedWh: 135 });
  const held = expectOk(await f.evaluate(home1, (ctx) => certificates.getCertificate(ctx, `bat-a@${tag(T + 3600)}-1`)));
  expect(held).toMatchObject({ owner: 'home-01', issuedFrom: 'storage', energySource: 'solar' });
});
