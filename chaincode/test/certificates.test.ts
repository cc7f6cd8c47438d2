/**
 * The certificates contract on the fake ledger: what the end-to-end file cannot reach in a past
 * hour, a P2P-sold part (tokens settlement moved to a buyer), and the key-level policy that asset
 * verification sets on the issuance cursor.
 */
import { Context } from 'fabric-contract-api';
import { KeyEndorsementPolicy } from 'fabric-shim';
import { AuditedBundle, auditHourAccounts, auditIssuer, certificateReport, ErrorCodes, formatInstant } from '@gridledger/core';
import { transferEnergyTokens } from '../src/energy';
import { respond } from '../src/respond';
import { identity } from './fake-fabric';
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

it('answers the audit its records: the chain recomputes to the cursor, a bundle written past it is found, the report adds up', async () => {
  const { f } = await setUp();
  await closeHour(f);
  const move = (from: string, to: string, wh: number) =>
    f.run(operator, (ctx: Context) => respond(ctx, 't', () => transferEnergyTokens(ctx, from, to, HOUR, wh, 'trade-1')));
  await ok(move('home-01', 'home-02', 300));
  await ok(f.run(operator, (ctx) => certificates.issue(ctx, 'pv-1', HOUR)));
  const bundleId = 'pv-1@20261121T12Z-1';
  await ok(f.run(home1, (ctx) => certificates.transfer(ctx, bundleId, json({ to: 'home-02', quantityWh: 400 }))));
  const period = { consumptionPeriodStart: HOUR, consumptionPeriodEnd: formatInstant(T + 3600) };
  const claim = { quantityWh: 150, beneficiary: 'b', purpose: 'p', ...period, location: 'l' };
  await ok(f.run(identity('CommunityMSP', 'consumer', 'home-02'), (ctx) => certificates.claim(ctx, bundleId, json(claim))));
  await ok(
    f.run(regulator, (ctx) => certificates.withdraw(ctx, 'pv-1@20261121T12Z', json({ rangeStart: 1000, rangeEnd: 1050, reason: 'r' }))),
  );

  const issuers = (await ok(f.evaluate(home1, (ctx) => certificates.listIssuers(ctx, '10', '')))).result;
  expect(issuers.items).toEqual([
    expect.objectContaining({ assetId: 'pv-1', producerId: 'home-01', source: 'solar', communityId: 'c1', changes: 2 }),
  ]);
  const records = async (kind: string, more: Record<string, unknown> = {}) =>
    (await ok(f.evaluate(home1, (ctx) => certificates.listIssuerRecords(ctx, json({ assetId: 'pv-1', records: kind, ...more }))))).result;
  const audited = async () => ({
    assetId: 'pv-1',
    cursor: (await records('chain')).cursor,
    chain: (await records('chain')).items,
    issuances: (await records('issuances')).items,
    bundles: (await records('bundles')).items,
  });
  const clean = await audited();
  expect(clean.chain.map((e: { seq: number }) => e.seq)).toEqual([1, 2]);
  expect(clean.bundles.map((b: AuditedBundle) => [b.rangeStart, b.rangeEnd, b.status])).toEqual([
    [1, 150, 'cancelled'],
    [151, 400, 'active'],
    [401, 999, 'active'],
    [1000, 1050, 'withdrawn'],
    [1051, 1100, 'active'],
  ]);
  expect(JSON.stringify(clean.bundles)).not.toContain('home-0');
  expect(auditIssuer(clean)).toEqual([]);
  // A period leaves other hours out; a page of two has a bookmark.
  expect((await records('bundles', { from: formatInstant(T + 3600), to: formatInstant(T + 7200) })).items).toEqual([]);
  expect((await records('bundles', { pageSize: 2 })).bookmark).not.toBe('');

  const accounts = (
    await ok(
      f.evaluate(home1, (ctx) => certificates.getHourAccounts(ctx, json({ assetId: 'pv-1', from: HOUR, to: formatInstant(T + 7200) }))),
    )
  ).result;
  expect(
    accounts.items.map((a: { bundledWh: number; certificateWh: number; holds: boolean }) => [a.bundledWh, a.certificateWh, a.holds]),
  ).toEqual([[300, 1049, true]]);
  expect(accounts.skipped).toEqual([{ hourStart: formatInstant(T + 3600), code: ErrorCodes.CERTIFICATE_HOUR_OPEN }]);
  expect(auditHourAccounts(accounts.items)).toEqual([]);
  const tooLong = await f.evaluate(home1, (ctx) =>
    certificates.getHourAccounts(ctx, json({ assetId: 'pv-1', from: HOUR, to: formatInstant(T + 169 * 3600) })),
  );
  expect(tooLong.error?.details).toEqual({ field: 'to' });

  const dayFrom = formatInstant(T);
  const dayTo = formatInstant(T + 86_400);
  expect((await f.evaluate(home1, (ctx) => certificates.listCertificateActions(ctx, json({ from: dayFrom, to: dayTo })))).error?.code).toBe(
    ErrorCodes.ACCESS_DENIED,
  );
  const actions = (await ok(f.evaluate(regulator, (ctx) => certificates.listCertificateActions(ctx, json({ from: dayFrom, to: dayTo })))))
    .result;
  expect(actions.items.map((a: { kind: string; quantityWh: number; producerId: string }) => [a.kind, a.quantityWh, a.producerId])).toEqual([
    ['transfer', 400, 'home-01'],
    ['claim', 150, 'home-01'],
  ]);
  const report = certificateReport({
    from: dayFrom,
    to: dayTo,
    communityId: 'c1',
    asOf: formatInstant(f.now),
    issuers: issuers.items,
    issuances: clean.issuances.map((i: { record: unknown }) => i.record),
    bundles: clean.bundles,
    actions: actions.items,
    market: [],
  });
  expect(report.producers).toEqual([
    {
      producerId: 'home-01',
      source: 'solar',
      assets: 1,
      issuedWh: 1100,
      activeWh: 899,
      expiredWh: 0,
      withdrawnWh: 51,
      transfers: 1,
      transferredWh: 400,
      claims: 1,
      claimedWh: 150,
    },
  ]);
  expect(report.renewableShare).toMatchObject({ bundledWh: 300, claimedWh: 150, consumptionWh: 0 });

  // Modified chaincode writes a bundle without the Regulator's peer: it cannot advance the cursor, and the audit names the bundle.
  const rogue = f.begin(operator);
  const k = rogue.ctx.stub.createCompositeKey('certBundle', ['pv-1', '20261121T12Z', '0000000000001101']);
  await rogue.ctx.stub.putState(k, Buffer.from(json({ ...clean.bundles[4], rangeStart: 1101, rangeEnd: 1500, owner: 'home-01' })));
  f.commit(rogue);
  expect(auditIssuer(await audited())).toEqual([
    expect.objectContaining({ check: 'bundle', subject: 'pv-1@20261121T12Z-1101', message: expect.stringContaining('1101..1500') }),
  ]);
});
