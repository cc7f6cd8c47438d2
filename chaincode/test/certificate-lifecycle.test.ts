/**
 * The certificate lifecycle on the fake ledger: transfers the recipient accepts, idempotent
 * actions under a client's reference, the withdrawal a lowered figure needs after a resolved
 * dispute, and the optional expiry record.
 */
import { Context } from 'fabric-contract-api';
import { ErrorCodes, formatInstant } from '@gridledger/core';
import { FakeFabric, identity, SEED, TxOutcome, withTransient } from './fake-fabric';
import { MeteringContract } from '../src/metering';
import { transferEnergyTokens } from '../src/energy';
import { respond } from '../src/respond';
import { certificates, closeHour, energy, home1, HOUR, json, ok, operator, registry, regulator, setUp, T } from './certificate-support';

const home2 = identity('CommunityMSP', 'consumer', 'home-02');
const home3 = identity('CommunityMSP', 'consumer', 'home-03');
const FIRST = 'pv-1@20261121T12Z-1';
const claimOf = (quantityWh: number, extra: object = {}) => ({
  quantityWh,
  beneficiary: 'b',
  purpose: 'p',
  consumptionPeriodStart: HOUR,
  consumptionPeriodEnd: formatInstant(T + 3600),
  location: 'l',
  ...extra,
});
type Bundle = { bundleId: string; quantityWh: number; status: string; owner: string };
const listed = async (f: FakeFabric, owner: string) =>
  ((await ok(f.evaluate(regulator, (ctx) => certificates.listCertificates(ctx, owner, '50', '')))).result.items as Bundle[]).map((b) => [
    b.bundleId,
    b.quantityWh,
    b.status,
    b.owner,
  ]);
const code = (out: TxOutcome) => out.error?.code;

/** The hour issued: home-01 holds pv-1@20261121T12Z-1..1400. */
async function issued(): Promise<FakeFabric> {
  const { f } = await setUp();
  await closeHour(f);
  await ok(f.run(operator, (ctx) => certificates.issue(ctx, 'pv-1', HOUR)));
  return f;
}

describe('a transfer the recipient accepts', () => {
  it('reserves part of a bundle for the recipient, shows it to both, and lets only the recipient accept it', async () => {
    const f = await issued();
    const reserved = await ok(f.run(home1, (ctx) => certificates.reserve(ctx, FIRST, json({ to: 'home-02', quantityWh: 300 }))));
    expect(reserved.result.reserved).toMatchObject({ bundleId: FIRST, quantityWh: 300, status: 'reserved', owner: 'home-01' });
    expect(reserved.result.reserved.reservation).toEqual({ transferId: reserved.txId, to: 'home-02' });
    expect(reserved.result.rest).toMatchObject({ bundleId: 'pv-1@20261121T12Z-301', quantityWh: 1100, status: 'active' });
    expect(reserved.events.map((e) => e.name)).toEqual(['CertificatesReserved']);
    expect(await listed(f, 'home-02')).toEqual([[FIRST, 300, 'reserved', 'home-01']]);
    expect(await listed(f, 'home-01')).toEqual([
      [FIRST, 300, 'reserved', 'home-01'],
      ['pv-1@20261121T12Z-301', 1100, 'active', 'home-01'],
    ]);
    // The recipient reads it; a third household does not.
    expect((await f.evaluate(home2, (ctx) => certificates.getCertificate(ctx, FIRST))).ok).toBe(true);
    expect(code(await f.evaluate(home3, (ctx) => certificates.getCertificate(ctx, FIRST)))).toBe(ErrorCodes.ACCESS_DENIED);

    // Reserved, it is neither claimed nor transferred nor reserved again.
    expect(code(await f.run(home1, (ctx) => certificates.claim(ctx, FIRST, json(claimOf(1)))))).toBe(ErrorCodes.CERTIFICATE_RESERVED);
    const again = { to: 'home-02', quantityWh: 1 };
    expect(code(await f.run(home1, (ctx) => certificates.transfer(ctx, FIRST, json(again))))).toBe(ErrorCodes.CERTIFICATE_RESERVED);
    expect(code(await f.run(home1, (ctx) => certificates.reserve(ctx, FIRST, json(again))))).toBe(ErrorCodes.CERTIFICATE_RESERVED);
    // Only the recipient accepts.
    expect(code(await f.run(home1, (ctx) => certificates.acceptReservation(ctx, FIRST, '{}')))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(code(await f.run(home3, (ctx) => certificates.acceptReservation(ctx, FIRST, '{}')))).toBe(ErrorCodes.ACCESS_DENIED);
    const accepted = await ok(f.run(home2, (ctx) => certificates.acceptReservation(ctx, FIRST, '{}')));
    expect(accepted.result.moved).toMatchObject({ bundleId: FIRST, owner: 'home-02', status: 'active' });
    expect(accepted.result.moved.reservation).toBeUndefined();
    expect(accepted.events).toEqual([
      {
        name: 'CertificatesTransferred',
        payload: {
          issuanceId: 'pv-1@20261121T12Z',
          producerId: 'home-01',
          from: 'home-01',
          to: 'home-02',
          bundleId: FIRST,
          quantityWh: 300,
        },
      },
    ]);
    expect(await listed(f, 'home-02')).toEqual([[FIRST, 300, 'active', 'home-02']]);
    expect(await listed(f, 'home-01')).toEqual([['pv-1@20261121T12Z-301', 1100, 'active', 'home-01']]);
    expect(code(await f.run(home2, (ctx) => certificates.acceptReservation(ctx, FIRST, '{}')))).toBe(ErrorCodes.CERTIFICATE_NOT_RESERVED);
  });

  it('is called off by either side, and a reservation past expiry is not accepted', async () => {
    const f = await issued();
    await ok(f.run(home1, (ctx) => certificates.reserve(ctx, FIRST, json({ to: 'home-02', quantityWh: 1400 }))));
    expect(code(await f.run(home3, (ctx) => certificates.releaseReservation(ctx, FIRST, '{}')))).toBe(ErrorCodes.ACCESS_DENIED);
    const released = await ok(f.run(home2, (ctx) => certificates.releaseReservation(ctx, FIRST, '{}')));
    expect(released.result.released).toMatchObject({ owner: 'home-01', status: 'active', quantityWh: 1400 });
    expect(released.events[0]).toMatchObject({ name: 'CertificatesReservationReleased', payload: { by: 'home-02', to: 'home-02' } });
    expect(await listed(f, 'home-02')).toEqual([]);

    await ok(f.run(home1, (ctx) => certificates.reserve(ctx, FIRST, json({ to: 'home-02', quantityWh: 10 }))));
    await ok(f.run(home1, (ctx) => certificates.releaseReservation(ctx, FIRST, '{}')));
    await ok(f.run(home1, (ctx) => certificates.reserve(ctx, FIRST, json({ to: 'home-02', quantityWh: 10 }))));
    f.now = T + 3600 + 366 * 86_400;
    expect(code(await f.run(home2, (ctx) => certificates.acceptReservation(ctx, FIRST, '{}')))).toBe(ErrorCodes.CERTIFICATE_EXPIRED);
    expect(await listed(f, 'home-02')).toEqual([[FIRST, 10, 'expired', 'home-01']]);
  });
  it("follows a withdrawal: the withdrawn part leaves the recipient's listing, the rest stays reserved to it", async () => {
    const f = await issued();
    await ok(f.run(home1, (ctx) => certificates.reserve(ctx, FIRST, json({ to: 'home-02', quantityWh: 300 }))));
    const range = { rangeStart: 1, rangeEnd: 100, reason: 'meter found faulty' };
    await ok(f.run(regulator, (ctx) => certificates.withdraw(ctx, 'pv-1@20261121T12Z', json(range))));
    expect(await listed(f, 'home-02')).toEqual([['pv-1@20261121T12Z-101', 200, 'reserved', 'home-01']]);
    const accepted = await ok(f.run(home2, (ctx) => certificates.acceptReservation(ctx, 'pv-1@20261121T12Z-101', '{}')));
    expect(accepted.result.moved).toMatchObject({ owner: 'home-02', quantityWh: 200 });
    expect(code(await f.run(home2, (ctx) => certificates.acceptReservation(ctx, FIRST, '{}')))).toBe(ErrorCodes.CERTIFICATE_NOT_RESERVED);
  });
});

describe('a client reference', () => {
  it('answers a retried transfer, claim or reservation with its first result and refuses it for another request', async () => {
    const f = await issued();
    const transfer = (request: object) => f.run(home1, (ctx) => certificates.transfer(ctx, FIRST, json(request)));
    const first = await ok(transfer({ to: 'home-02', quantityWh: 500, reference: 't-1' }));
    const retry = await ok(transfer({ to: 'home-02', quantityWh: 500, reference: 't-1' }));
    expect(retry.result).toEqual(first.result);
    expect(retry.events).toEqual([]);
    expect(await listed(f, 'home-02')).toEqual([[FIRST, 500, 'active', 'home-02']]);
    const changed = await transfer({ to: 'home-02', quantityWh: 501, reference: 't-1' });
    expect([changed.error?.code, changed.error?.details]).toEqual([ErrorCodes.CLIENT_ID_REUSED, { reference: 't-1' }]);
    // Without a reference a retry is a new request: the bundle moved.
    expect(code(await transfer({ to: 'home-02', quantityWh: 500 }))).toBe(ErrorCodes.ACCESS_DENIED);

    const claim = (request: object) => f.run(home2, (ctx) => certificates.claim(ctx, FIRST, json(request)));
    const claimed = await ok(claim(claimOf(500, { reference: 'c-1' })));
    expect((await ok(claim(claimOf(500, { reference: 'c-1' })))).result).toEqual(claimed.result);
    expect(code(await claim(claimOf(500, { reference: 'c-1', purpose: 'other' })))).toBe(ErrorCodes.CLIENT_ID_REUSED);
    expect(code(await claim(claimOf(500)))).toBe(ErrorCodes.CERTIFICATE_CANCELLED);
    // A reference is the caller's own: home-01 may use c-1 too; one reference is one action on one bundle.
    const rest = 'pv-1@20261121T12Z-501';
    const reserve = (bundleId: string, reference: string) =>
      f.run(home1, (ctx) => certificates.reserve(ctx, bundleId, json({ to: 'home-02', quantityWh: 1, reference })));
    const reserved = await ok(reserve(rest, 'c-1'));
    expect((await ok(reserve(rest, 'c-1'))).result).toEqual(reserved.result);
    expect(code(await reserve('pv-1@20261121T12Z-502', 'c-1'))).toBe(ErrorCodes.CLIENT_ID_REUSED);
    expect(code(await f.run(home1, (ctx) => certificates.claim(ctx, rest, json(claimOf(1, { reference: 'bad ref' })))))).toBe(
      ErrorCodes.CERTIFICATE_INPUT_INVALID,
    );
  });
});

describe('a lowered figure', () => {
  it('withdraws what a resolved dispute no longer covers, newest first, and says what it withdrew', async () => {
    const f = await issued();
    await ok(f.run(home1, (ctx) => certificates.transfer(ctx, FIRST, json({ to: 'home-02', quantityWh: 1000 }))));
    await ok(f.run(home2, (ctx) => certificates.claim(ctx, FIRST, json(claimOf(100)))));
    // home-01 disputes the first interval's 800 Wh; the operator corrects them to 0: the hour's 1400 Wh become 600.
    await ok(f.run(home1, (ctx) => energy.disputeReading(ctx, json({ meterId: 'h1.pv', intervalStart: HOUR, reason: 'faulty' }))));
    const resolve = { meterId: 'h1.pv', intervalStart: HOUR, exportWh: 0, note: 'inverter log' };
    await ok(f.run(operator, (ctx) => energy.resolveDispute(withTransient(ctx, { ...SEED, importWh: '0' }), json(resolve))));
    const account = () => f.evaluate(home1, (ctx) => certificates.getHourAccount(ctx, 'pv-1', HOUR));
    expect((await ok(account())).result).toMatchObject({ verifiedExportWh: 600, certificateWh: 1400, excessWh: 800, holds: false });

    expect(code(await f.run(home1, (ctx) => certificates.withdrawLowered(ctx, 'h1.pv', HOUR)))).toBe(ErrorCodes.ACCESS_DENIED);
    const lowered = await ok(f.run(operator, (ctx) => certificates.withdrawLowered(ctx, 'h1.pv', formatInstant(T + 900))));
    const [hour] = lowered.result.hours;
    expect(lowered.result.hours).toHaveLength(1);
    expect(hour).toMatchObject({ assetId: 'pv-1', producerId: 'home-01', previousExportWh: 1400, verifiedExportWh: 600 });
    expect(hour.account).toEqual({ verifiedExportWh: 600, bundledWh: 0, certificateWh: 600, excessWh: 0, holds: true });
    // Newest first: home-01's 1001..1400, then home-02's 601..1000; its claim of 1..100 stands.
    expect(hour.withdrawn.map((b: Bundle & { withdrawal: object }) => [b.bundleId, b.quantityWh, b.owner, b.withdrawal])).toEqual([
      ['pv-1@20261121T12Z-1001', 400, 'home-01', expect.objectContaining({ cause: 'lowered-figure', previousStatus: 'active' })],
      ['pv-1@20261121T12Z-601', 400, 'home-02', expect.objectContaining({ cause: 'lowered-figure', previousStatus: 'active' })],
    ]);
    expect(lowered.events).toEqual([
      {
        name: 'CertificatesWithdrawn',
        payload: {
          issuanceId: 'pv-1@20261121T12Z',
          producerId: 'home-01',
          reason: 'lowered-figure',
          bundles: [
            { bundleId: 'pv-1@20261121T12Z-1001', holder: 'home-01', quantityWh: 400 },
            { bundleId: 'pv-1@20261121T12Z-601', holder: 'home-02', quantityWh: 400 },
          ],
          bundledClaims: [],
        },
      },
    ]);
    // The cursor advanced: the Regulator's peer endorses it.
    expect([...lowered.writes.keys()].some((k) => k.includes('certIssuer'))).toBe(true);
    expect((await ok(account())).result).toMatchObject({ verifiedExportWh: 600, certificateWh: 600, holds: true });
    expect(await listed(f, 'home-02')).toEqual([
      [FIRST, 100, 'cancelled', 'home-02'],
      ['pv-1@20261121T12Z-101', 500, 'active', 'home-02'],
      ['pv-1@20261121T12Z-601', 400, 'withdrawn', 'home-02'],
    ]);
    // Again: nothing left to withdraw, nothing written, no event.
    const again = await ok(f.run(regulator, (ctx) => certificates.withdrawLowered(ctx, 'h1.pv', HOUR)));
    expect([again.result, again.events, again.writes.size]).toEqual([{ hours: [] }, [], 0]);
    expect(code(await f.run(operator, (ctx) => certificates.withdrawLowered(ctx, 'h1.nope', HOUR)))).toBe(ErrorCodes.METER_NOT_REGISTERED);
  });
});

describe('a lowered figure below the Wh sold P2P', () => {
  /**
   * home-01 sells pv-1's tokens: at 12:00 500 Wh to home-02 (trade-1), then 300 Wh to home-03
   * (trade-2); at 12:15 300 Wh to home-02 (trade-3). 1,100 Wh bundled of the hour's 1,400.
   */
  async function sold(f: FakeFabric) {
    await ok(f.run(operator, (ctx) => registry.registerParticipant(ctx, json({ participantId: 'home-03', role: 'consumer' }))));
    await closeHour(f);
    const move = (to: string, at: number, wh: number, reference: string) =>
      f.run(operator, (ctx: Context) =>
        respond(ctx, 't', () => transferEnergyTokens(ctx, 'home-01', to, formatInstant(at), wh, reference)),
      );
    await ok(move('home-02', T, 500, 'trade-1'));
    await ok(move('home-03', T, 300, 'trade-2'));
    await ok(move('home-02', T + 900, 300, 'trade-3'));
  }
  /** home-01 disputes 12:00's 800 Wh and the operator corrects them to 0: the hour's verified export becomes 600 Wh. */
  async function lowerFirstInterval(f: FakeFabric) {
    await ok(f.run(home1, (ctx) => energy.disputeReading(ctx, json({ meterId: 'h1.pv', intervalStart: HOUR, reason: 'faulty' }))));
    const resolve = { meterId: 'h1.pv', intervalStart: HOUR, exportWh: 0, note: 'inverter log' };
    await ok(f.run(operator, (ctx) => energy.resolveDispute(withTransient(ctx, { ...SEED, importWh: '0' }), json(resolve))));
  }
  const account = (f: FakeFabric) => f.evaluate(home1, (ctx) => certificates.getHourAccount(ctx, 'pv-1', HOUR));
  const bundledOfBuyer = async (f: FakeFabric, who: typeof home2) =>
    (await ok(f.evaluate(who, (ctx) => certificates.getMatching(ctx, who.attrs['gl.id'], HOUR, formatInstant(T + 3600))))).result.hours[0]
      .bundledWh;

  it("withdraws the certificates, then cuts the buyers' bundled claims newest first, and tells each buyer", async () => {
    const { f } = await setUp();
    await sold(f);
    await ok(f.run(regulator, (ctx) => certificates.issue(ctx, 'pv-1', HOUR)));
    await lowerFirstInterval(f);
    expect((await ok(account(f))).result).toMatchObject({ verifiedExportWh: 600, bundledWh: 1100, certificateWh: 300, excessWh: 800 });

    const lowered = await ok(f.run(operator, (ctx) => certificates.withdrawLowered(ctx, 'h1.pv', HOUR)));
    const [hour] = lowered.result.hours;
    // 800 Wh too many: the 300 certificates, then trade-3 (the latest interval) whole, then 200 of trade-2 (12:00's newest move).
    expect(hour.withdrawn.map((b: Bundle) => [b.bundleId, b.quantityWh])).toEqual([['pv-1@20261121T12Z-1', 300]]);
    expect(hour.bundledWithdrawn).toEqual([
      { intervalStart: formatInstant(T + 900), buyerId: 'home-02', settlement: 'trade-3', energyWh: 300 },
      { intervalStart: HOUR, buyerId: 'home-03', settlement: 'trade-2', energyWh: 200 },
    ]);
    expect(hour.account).toEqual({ verifiedExportWh: 600, bundledWh: 600, certificateWh: 0, excessWh: 0, holds: true });
    expect((await ok(account(f))).result).toMatchObject({ verifiedExportWh: 600, bundledWh: 600, certificateWh: 0, holds: true });
    expect((await ok(account(f))).result.bundledByInterval).toEqual([{ intervalStart: HOUR, energyWh: 600 }]);
    expect((lowered.events[0].payload as { bundledClaims: unknown }).bundledClaims).toEqual([
      { buyerId: 'home-02', assetId: 'pv-1', intervalStart: formatInstant(T + 900), quantityWh: 300 },
      { buyerId: 'home-03', assetId: 'pv-1', intervalStart: HOUR, quantityWh: 200 },
    ]);
    // The buyers' green energy of the hour drops by their cuts: home-02 keeps trade-1's 500, home-03 100 of trade-2's 300.
    expect([await bundledOfBuyer(f, home2), await bundledOfBuyer(f, home3)]).toEqual([500, 100]);
    // Again: nothing more to cut.
    const again = await ok(f.run(operator, (ctx) => certificates.withdrawLowered(ctx, 'h1.pv', HOUR)));
    expect([again.result, again.events, again.writes.size]).toEqual([{ hours: [] }, [], 0]);
  });

  it('cuts the bundled claims when the hour is issued after the figure was lowered: no certificate, the account holds', async () => {
    const { f } = await setUp();
    await sold(f);
    await lowerFirstInterval(f);
    const issued = await ok(f.run(regulator, (ctx) => certificates.issue(ctx, 'pv-1', HOUR)));
    expect(issued.result.record).toMatchObject({ verifiedExportWh: 600, bundledWh: 600, issuedWh: 0 });
    expect(issued.result.bundle).toBeNull();
    expect((await ok(account(f))).result).toMatchObject({ verifiedExportWh: 600, bundledWh: 600, certificateWh: 0, holds: true });
    expect([await bundledOfBuyer(f, home2), await bundledOfBuyer(f, home3)]).toEqual([500, 100]);
    expect(code(await f.run(regulator, (ctx) => certificates.issue(ctx, 'pv-1', HOUR)))).toBe(ErrorCodes.CERTIFICATE_HOUR_ISSUED);
  });
});

describe('the expiry record', () => {
  it("writes the status readers already see for a holder's bundles past expiry, once, with an event", async () => {
    const f = await issued();
    await ok(f.run(home1, (ctx) => certificates.reserve(ctx, FIRST, json({ to: 'home-02', quantityWh: 400 }))));
    const early = await ok(f.run(operator, (ctx) => certificates.recordExpiry(ctx, 'home-01')));
    expect([early.result, early.events]).toEqual([{ expired: [], more: false }, []]);
    f.now = T + 3600 + 366 * 86_400;
    const before = await listed(f, 'home-01');
    expect(code(await f.run(home2, (ctx) => certificates.recordExpiry(ctx, 'home-01')))).toBe(ErrorCodes.ACCESS_DENIED);
    const recorded = await ok(f.run(home1, (ctx) => certificates.recordExpiry(ctx, 'home-01')));
    expect(recorded.result.expired.map((b: Bundle) => [b.bundleId, b.status])).toEqual([
      [FIRST, 'expired'],
      ['pv-1@20261121T12Z-401', 'expired'],
    ]);
    expect(recorded.events[0]).toMatchObject({ name: 'CertificatesExpired', payload: { holder: 'home-01' } });
    expect(await listed(f, 'home-01')).toEqual(before);
    // The pending transfer is gone with the expiry: the recipient no longer lists it.
    expect(await listed(f, 'home-02')).toEqual([]);
    const again = await ok(f.run(regulator, (ctx) => certificates.recordExpiry(ctx, 'home-01')));
    expect([again.result, again.events]).toEqual([{ expired: [], more: false }, []]);
  });
});

describe('the provenance of a certificate whose hour is archived', () => {
  it("names the hour's archive record instead of answering no readings", async () => {
    const f = await issued();
    const before = (await ok(f.evaluate(home1, (ctx) => certificates.getProvenance(ctx, FIRST)))).result;
    expect(before.readings.length).toBeGreaterThan(0);
    expect(before.archive).toBeUndefined();
    f.now = T + 91 * 86_400;
    const archived = await ok(
      f.run(operator, (ctx) => new MeteringContract().archiveReadingHour(ctx, json({ hour: HOUR.slice(0, 13), pageSize: 100 }))),
    );
    const after = (await ok(f.evaluate(home1, (ctx) => certificates.getProvenance(ctx, FIRST)))).result;
    expect(after.readings).toEqual([]);
    const { hour, count, root, lastTxId, done } = archived.result;
    expect(after.archive).toEqual({ hour, count, root, lastTxId, done });
    expect(count).toBeGreaterThanOrEqual(before.readings.length);
    const verified = (await ok(f.evaluate(regulator, (ctx) => certificates.verifyCertificate(ctx, FIRST)))).result;
    expect(verified.proof.archive).toEqual(after.archive);
  });
});
