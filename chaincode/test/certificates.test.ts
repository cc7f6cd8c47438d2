/**
 * The certificates contract on the fake ledger: what the end-to-end file cannot reach in a past
 * hour, a P2P-sold part (tokens settlement moved to a buyer), and the key-level policy that asset
 * verification sets on the issuance cursor.
 */
import { Context } from 'fabric-contract-api';
import { KeyEndorsementPolicy } from 'fabric-shim';
import { ErrorCodes, formatInstant } from '@gridledger/core';
import { transferEnergyTokens } from '../src/energy';
import { respond } from '../src/respond';
import { certificates, closeHour, home1, HOUR, json, ok, operator, regulator, setUp, T } from './certificate-support';

it("asset verification puts the Regulator's peer on the asset's issuance cursor", async () => {
  const { policy } = await setUp();
  expect(policy).toBeDefined();
  expect(new KeyEndorsementPolicy(policy!).listOrgs()).toEqual(['RegulatorMSP']);
});

it('issues the verified export of the hour less the Wh that settlement moved to a buyer', async () => {
  const { f } = await setUp();
  const issue = () => f.run(regulator, (ctx) => certificates.issue(ctx, 'pv-1', HOUR));
  expect((await issue()).error?.code).toBe(ErrorCodes.CERTIFICATE_HOUR_OPEN);
  await closeHour(f);
  // What a market settlement does with the first interval's tokens (energy/tokens.ts), then a buyer's partial move back.
  const move = (from: string, to: string, wh: number) =>
    f.run(operator, (ctx: Context) => respond(ctx, 't', () => transferEnergyTokens(ctx, from, to, HOUR, wh, 'trade-1')));
  await ok(move('home-01', 'home-02', 300));
  await ok(move('home-02', 'home-01', 20));

  const issued = await ok(issue());
  expect(issued.result.record).toEqual({
    issuanceId: 'pv-1@20261121T12Z',
    assetId: 'pv-1',
    hourStart: HOUR,
    verifiedExportWh: 1400,
    bundledWh: 280,
    issuedWh: 1120,
    correctedWh: 0,
  });
  expect(issued.result.bundle).toMatchObject({ rangeStart: 1, rangeEnd: 1120, owner: 'home-01' });
  expect((await issue()).error?.code).toBe(ErrorCodes.CERTIFICATE_HOUR_ISSUED);
  const list = (owner: string) => f.evaluate(regulator, (ctx) => certificates.listCertificates(ctx, owner, '10', ''));
  expect((await ok(list('home-01'))).result.items.map((b: { bundleId: string; quantityWh: number }) => [b.bundleId, b.quantityWh])).toEqual(
    [['pv-1@20261121T12Z-1', 1120]],
  );
  expect((await ok(list('home-02'))).result).toEqual({ items: [], bookmark: '' });

  const account = await ok(f.evaluate(home1, (ctx) => certificates.getHourAccount(ctx, 'pv-1', HOUR)));
  expect(account.result).toMatchObject({ verifiedExportWh: 1400, bundledWh: 280, certificateWh: 1120, excessWh: 0, holds: true });
  expect(account.result.bundledByInterval).toEqual([{ intervalStart: HOUR, energyWh: 280 }]);
});

it('refuses issuance to households, for an unknown asset and for an hour not on the hour', async () => {
  const { f } = await setUp();
  await closeHour(f);
  expect((await f.run(home1, (ctx) => certificates.issue(ctx, 'pv-1', HOUR))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
  expect((await f.run(operator, (ctx) => certificates.issue(ctx, 'pv-2', HOUR))).error?.code).toBe(ErrorCodes.ASSET_NOT_FOUND);
  expect((await f.run(operator, (ctx) => certificates.issue(ctx, 'pv-1', '2026-11-21T12:15:00Z'))).error?.code).toBe(
    ErrorCodes.CERTIFICATE_INPUT_INVALID,
  );
});

it('refuses transfers to unknown participants and claims with malformed fields, with stable codes', async () => {
  const { f } = await setUp();
  await closeHour(f);
  await ok(f.run(operator, (ctx) => certificates.issue(ctx, 'pv-1', HOUR)));
  const bundleId = 'pv-1@20261121T12Z-1';
  const transfer = (request: unknown) => f.run(home1, (ctx) => certificates.transfer(ctx, bundleId, json(request)));
  expect((await transfer({ to: 'nobody', quantityWh: 1 })).error?.code).toBe(ErrorCodes.PARTICIPANT_NOT_FOUND);
  expect((await transfer({ to: 'home-02', quantityWh: 1.5 })).error?.details).toMatchObject({ field: 'quantityWh' });
  expect((await transfer({ to: 'home-01', quantityWh: 1 })).error?.code).toBe(ErrorCodes.CERTIFICATE_INPUT_INVALID);
  const period = { consumptionPeriodStart: HOUR, consumptionPeriodEnd: formatInstant(T + 3600) };
  const claim = { quantityWh: 1, beneficiary: 'b', purpose: 'p', ...period, location: 'l' };
  const claimWith = (change: Record<string, unknown>) =>
    f.run(home1, (ctx) => certificates.claim(ctx, bundleId, json({ ...claim, ...change })));
  const malformed = [
    ['consumptionPeriodStart', 5],
    ['consumptionPeriodEnd', null],
    ['beneficiary', ''],
    ['location', 7],
  ] as const;
  for (const [field, value] of malformed) {
    const refused = await claimWith({ [field]: value });
    expect([field, refused.error?.code, refused.error?.details]).toEqual([field, ErrorCodes.CERTIFICATE_INPUT_INVALID, { field }]);
  }
  expect((await claimWith({})).result.claimed).toMatchObject({ rangeStart: 1, rangeEnd: 1, status: 'cancelled' });
  expect((await f.run(home1, (ctx) => certificates.claim(ctx, 'pv-1@20261121T12Z-9999', json(claim)))).error?.code).toBe(
    ErrorCodes.CERTIFICATE_NOT_FOUND,
  );
});
