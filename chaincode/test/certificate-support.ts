/**
 * The fake ledger of the certificate unit tests: home-01 with a verified 4 kW solar asset on its
 * production meter and an hour of signed readings, home-02 a consumer (certificates.test.ts,
 * certificate-lifecycle.test.ts).
 */
import { formatInstant, parseInstant, Reading } from '@gridledger/core';
import { CertificatesContract } from '../src/certificates';
import { AssetsContract, EnergyContract } from '../src/energy';
import { MeteringContract } from '../src/metering';
import { RegistryContract } from '../src/registry';
import { FakeFabric, identity, meterKeys, SEED, signReading, submitVia, TxOutcome, withTransient } from './fake-fabric';

export const registry = new RegistryContract();
export const metering = new MeteringContract();
export const assets = new AssetsContract();
export const energy = new EnergyContract();
export const certificates = new CertificatesContract();
export const operator = identity('CommunityMSP', 'operator', 'op-1');
export const bridge = identity('CommunityMSP', 'meter-bridge', 'bridge-1');
export const home1 = identity('CommunityMSP', 'prosumer', 'home-01');
export const regulator = identity('RegulatorMSP', 'regulator', 'reg-1');
export const HOUR = '2026-11-21T12:00:00Z';
export const T = parseInstant(HOUR)!;
export const json = (x: unknown) => JSON.stringify(x);
export const EXPORTS = [800, 400, 0, 200];

/** An asset's registration: 4 kW in zone z1, commissioned 2024-05-01. */
export const assetOf = (assetId: string, participantId: string, meterId: string, source: string) => ({
  assetId,
  participantId,
  meterId,
  source,
  capacityW: 4000,
  zone: 'z1',
  feeder: 'f1',
  location: '52.40 N 13.10 E',
  commissionedOn: '2024-05-01',
  certificationHash: 'ab'.repeat(32),
});

export async function ok(p: Promise<TxOutcome>) {
  const out = await p;
  if (!out.ok) throw new Error(out.message);
  return out;
}

/** home-01 with a 4 kW solar asset on its production meter, verified by the regulator; home-02 a consumer. */
export async function setUp(): Promise<{ f: FakeFabric; policy: Buffer | undefined }> {
  const f = new FakeFabric();
  f.now = T - 86_400;
  const pv = meterKeys();
  await ok(f.run(operator, (ctx) => registry.registerParticipant(ctx, json({ participantId: 'home-01', role: 'prosumer' }))));
  await ok(f.run(operator, (ctx) => registry.registerParticipant(ctx, json({ participantId: 'home-02', role: 'consumer' }))));
  const meter = {
    meterId: 'h1.pv',
    participantId: 'home-01',
    kind: 'production',
    publicKeyPem: pv.publicKeyPem,
    exportCapacityW: 0,
    communityId: 'c1',
  };
  await ok(f.run(operator, (ctx) => registry.registerMeter(ctx, json(meter))));
  await ok(f.run(home1, (ctx) => assets.registerAsset(ctx, json(assetOf('pv-1', 'home-01', 'h1.pv', 'solar')))));
  const verification = f.begin(regulator);
  await assets.verifyAsset(verification.ctx, 'pv-1');
  f.commit(verification);
  const policy = [...verification.validationParameters.entries()].find(([k]) => k.includes('certIssuer'))?.[1];

  f.now = T + 3600 + 60;
  let register = 50_000;
  const readings = EXPORTS.map((exportWh, k): Reading => {
    register += exportWh;
    return {
      meterId: 'h1.pv',
      intervalStart: formatInstant(T + k * 900),
      seq: k + 1,
      importWh: 0,
      exportWh,
      importRegisterWh: 0,
      exportRegisterWh: register,
    };
  });
  await ok(f.run(bridge, (ctx) => submitVia(metering, ctx, json(readings.map((r) => signReading(r, pv.privateKey))))));
  return { f, policy };
}

export const closeHour = async (f: FakeFabric) => {
  for (let k = 0; k < 4; k++)
    await ok(f.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', formatInstant(T + k * 900))));
};
