/**
 * The certificate lifecycle on the real network (docs/certificates.md): a transfer the recipient
 * accepts or either side releases; retried transfers and claims under a client reference answer
 * their first result, a changed retry is refused; a resolved dispute that lowers an issued hour
 * withdraws the newest certificates first, endorsed by the Regulator's peer, and the hour's account
 * holds again; double claims are impossible (a claimed, withdrawn or reserved bundle, more Wh than held).
 */
import { randomBytes } from 'node:crypto';
import { peer } from '@hyperledger/fabric-protos';
import { formatInstant } from '@gridledger/core/core';
import { ledgerClient } from '@gridledger/network';
import { trader, Trader, useMeteringInterval } from './market-support';
import { api, eventually, type JsonAnswer, openEvents, operatorKey, profile } from './support';
import {
  closeHour,
  deliver,
  hourBack,
  INTERVAL,
  intervalsOf,
  issuanceTag,
  issue,
  ok,
  Producer,
  producer,
  regulatorKey,
  utilityKey,
} from './certificate-support';

useMeteringInterval(INTERVAL);

describe('the certificate lifecycle', () => {
  const hourStart = hourBack(6);
  let p: Producer;
  let buyer: Trader;
  let id: (n: number) => string;
  const post = (t: Trader, path: string, body: object) => api('community', t.apiKey, 'POST', path, body);
  const claimOf = (quantityWh: number, extra: object = {}) => ({
    quantityWh,
    beneficiary: 'Bakery Ltd',
    purpose: 'scope 2',
    consumptionPeriodStart: hourStart,
    consumptionPeriodEnd: formatInstant(Date.parse(hourStart) / 1000 + 3600),
    location: 'Potsdam',
    ...extra,
  });
  const errorOf = async (answer: ReturnType<typeof api>) => {
    const res = await answer;
    return [res.status, (res.body as JsonAnswer).error?.code];
  };

  let streams: { producer: Awaited<ReturnType<typeof openEvents>>; buyer: Awaited<ReturnType<typeof openEvents>> };
  const ours = (s: typeof streams.buyer) =>
    s.events.filter((e) => e.event.startsWith('Certificates') && e.data.payload.producerId === p.participantId);

  beforeAll(async () => {
    p = await producer();
    buyer = await trader('certbuy', p.communityId);
    streams = { producer: await openEvents({}, '', p.apiKey), buyer: await openEvents({}, '', buyer.apiKey) };
    await deliver(p, hourStart, [1000, 1000, 1000, 1000]);
    await closeHour(p, hourStart);
    await ok(issue(regulatorKey(), 'regulator', p.assetId, hourStart), 201);
    id = (n) => `${p.assetId}@${issuanceTag(hourStart)}-${n}`;
  });
  afterAll(async () => {
    for (const stream of Object.values(streams ?? {})) await stream.close();
  });

  it('reserves part of a bundle for a recipient, who sees it and accepts it; either side releases a reservation', async () => {
    const reserved = await ok(post(p, `/certificates/${id(1)}/reservation`, { to: buyer.participantId, quantityWh: 1000 }), 201);
    expect(reserved.reserved).toMatchObject({ bundleId: id(1), status: 'reserved', reservation: { to: buyer.participantId } });
    const listed = await ok(api('community', buyer.apiKey, 'GET', `/participants/${buyer.participantId}/certificates`));
    expect(listed.items.map((b: JsonAnswer) => [b.bundleId, b.status, b.owner])).toEqual([[id(1), 'reserved', p.participantId]]);
    // Reserved, it is neither claimed nor transferred by its holder.
    expect(await errorOf(post(p, `/certificates/${id(1)}/claim`, claimOf(1)))).toEqual([409, 'CERTIFICATE_RESERVED']);
    const elsewhere = { to: buyer.participantId, quantityWh: 1 };
    expect(await errorOf(post(p, `/certificates/${id(1)}/transfer`, elsewhere))).toEqual([409, 'CERTIFICATE_RESERVED']);
    expect(await errorOf(post(p, `/certificates/${id(1)}/reservation/acceptance`, {}))).toEqual([403, 'ACCESS_DENIED']);
    const accepted = await ok(post(buyer, `/certificates/${id(1)}/reservation/acceptance`, {}));
    expect(accepted.moved).toMatchObject({ bundleId: id(1), owner: buyer.participantId, status: 'active', quantityWh: 1000 });

    await ok(post(p, `/certificates/${id(1001)}/reservation`, { to: buyer.participantId, quantityWh: 500 }), 201);
    const released = await ok(post(buyer, `/certificates/${id(1001)}/reservation/release`, {}));
    expect(released.released).toMatchObject({ owner: p.participantId, status: 'active', quantityWh: 500 });
    expect(await errorOf(post(buyer, `/certificates/${id(1001)}/reservation/acceptance`, {}))).toEqual([409, 'CERTIFICATE_NOT_RESERVED']);
  });

  it('answers a retried transfer or claim under its reference with the first result, and refuses a changed one', async () => {
    const transfer = { to: buyer.participantId, quantityWh: 500, reference: 'lot-7' };
    const first = await ok(post(p, `/certificates/${id(1001)}/transfer`, transfer));
    const retry = await ok(post(p, `/certificates/${id(1001)}/transfer`, transfer));
    expect({ ...retry, txId: first.txId }).toEqual(first);
    expect(await errorOf(post(p, `/certificates/${id(1001)}/transfer`, { ...transfer, quantityWh: 499 }))).toEqual([
      409,
      'CLIENT_ID_REUSED',
    ]);

    const claim = claimOf(100, { reference: 'claim-1' });
    const claimed = await ok(post(buyer, `/certificates/${id(1)}/claim`, claim));
    expect(claimed.claimed).toMatchObject({ bundleId: id(1), status: 'cancelled', quantityWh: 100 });
    expect((await ok(post(buyer, `/certificates/${id(1)}/claim`, claim))).claimed).toEqual(claimed.claimed);
    expect(await errorOf(post(buyer, `/certificates/${id(1)}/claim`, { ...claim, purpose: 'other' }))).toEqual([409, 'CLIENT_ID_REUSED']);
    // Double claims: a claimed bundle again, more Wh than a bundle holds.
    expect(await errorOf(post(buyer, `/certificates/${id(1)}/claim`, claimOf(1)))).toEqual([409, 'CERTIFICATE_CANCELLED']);
    expect(await errorOf(post(buyer, `/certificates/${id(101)}/claim`, claimOf(901)))).toEqual([409, 'CERTIFICATE_QUANTITY_EXCEEDED']);
  });

  it("withdraws the newest certificates when a resolved dispute lowers the hour (Regulator's peer); the account holds", async () => {
    const [first] = intervalsOf(hourStart);
    await ok(post(p, '/disputes', { meterId: p.meterId, intervalStart: first, reason: 'meter ran fast' }), 201);
    const resolution = { meterId: p.meterId, intervalStart: first, importWh: 0, exportWh: 0, note: 'per inverter log' };
    // Both collection members endorse the resolution: one of them may not have the dispute's block yet.
    const resolved = await eventually(async () => {
      const res = await api('community', operatorKey(), 'POST', '/disputes/resolutions', resolution);
      return res.status === 409 && (res.body as JsonAnswer).error?.code === 'DISPUTE_INVALID' ? undefined : ok(Promise.resolve(res));
    }, 20_000);
    expect(resolved).toMatchObject({ status: 'resolved', certificates: { txId: expect.any(String) } });
    const [hour] = resolved.certificates.hours;
    expect(hour).toMatchObject({ assetId: p.assetId, previousExportWh: 4000, verifiedExportWh: 3000 });
    // Newest first: the producer's highest numbers 3001..4000 (it holds 1501..4000).
    expect(hour.withdrawn.map((b: JsonAnswer) => [b.bundleId, b.quantityWh, b.owner, b.withdrawal.cause])).toEqual([
      [id(3001), 1000, p.participantId, 'lowered-figure'],
    ]);
    const account = await ok(api('regulator', regulatorKey(), 'GET', `/assets/${p.assetId}/hours/${hourStart}/certificate-account`));
    expect(account).toMatchObject({ verifiedExportWh: 3000, certificateWh: 3000, excessWh: 0, holds: true });
    // A withdrawn bundle is not claimed; running the withdrawal again changes nothing.
    expect(await errorOf(post(p, `/certificates/${id(3001)}/claim`, claimOf(1)))).toEqual([409, 'CERTIFICATE_WITHDRAWN']);
    const again = await ok(
      api('regulator', regulatorKey(), 'POST', '/certificates/lowered-figure-withdrawals', { meterId: p.meterId, intervalStart: first }),
    );
    expect(again.hours).toEqual([]);
    // On GET /events: the reservation, its acceptance and release reach the recipient; the withdrawal its producer.
    await streams.producer.until((e) => e.some((x) => x.event === 'CertificatesWithdrawn'));
    const withdrawn = ours(streams.producer).find((e) => e.event === 'CertificatesWithdrawn')!;
    expect(withdrawn.data.payload).toMatchObject({ reason: 'lowered-figure', bundles: [{ bundleId: id(3001), quantityWh: 1000 }] });
    const lifecycle = ['CertificatesReserved', 'CertificatesTransferred', 'CertificatesReservationReleased'];
    await streams.buyer.until(() => ours(streams.buyer).filter((e) => lifecycle.includes(e.event)).length >= 4);
    expect(ours(streams.buyer).map((e) => e.event)).toEqual([
      'CertificatesReserved',
      'CertificatesTransferred',
      'CertificatesReserved',
      'CertificatesReservationReleased',
      'CertificatesTransferred',
      'CertificatesClaimed',
    ]);
  });

  it("is refused at commit without the Regulator's peer; the route runs it again after a resolution", async () => {
    const second = intervalsOf(hourStart)[1];
    await ok(post(p, '/disputes', { meterId: p.meterId, intervalStart: second, reason: 'meter ran fast' }), 201);
    const community = profile().orgs.community.mspId;
    const client = ledgerClient(profile(), 'community', profile().orgs.community.users['community-operator']);
    const submit = async (fn: string, args: string[], endorsers: string[], transientData?: Record<string, Uint8Array>) => {
      const proposal = client.contract.newProposal(fn, { arguments: args, endorsingOrganizations: endorsers, transientData });
      return (await (await proposal.endorse()).submit()).getStatus();
    };
    try {
      // The resolution alone (as its route submits it, without the withdrawal after it): 1000 Wh become 500.
      const resolution = JSON.stringify({ meterId: p.meterId, intervalStart: second, exportWh: 500, note: 'per inverter log' });
      const members = [community, profile().orgs.utility.mspId];
      const transient = { consumptionSaltSeed: randomBytes(32), importWh: Buffer.from('0') };
      const resolved = await eventually(
        () => submit('energy:resolveDispute', [resolution], members, transient).catch(() => undefined),
        20_000,
      );
      expect(resolved.successful).toBe(true);
      const status = await submit('certificates:withdrawLowered', [p.meterId, second], members);
      expect([status.successful, status.code]).toEqual([false, peer.TxValidationCode.ENDORSEMENT_POLICY_FAILURE]);
    } finally {
      client.close();
    }
    const account = () => ok(api('community', operatorKey(), 'GET', `/assets/${p.assetId}/hours/${hourStart}/certificate-account`));
    expect(await account()).toMatchObject({ verifiedExportWh: 2500, certificateWh: 3000, excessWh: 500, holds: false });
    const rerun = await ok(
      api('utility', utilityKey(), 'POST', '/certificates/lowered-figure-withdrawals', { meterId: p.meterId, intervalStart: second }),
    );
    expect(rerun.hours[0].withdrawn.map((b: JsonAnswer) => [b.bundleId, b.quantityWh])).toEqual([[id(2501), 500]]);
    expect(await account()).toMatchObject({ verifiedExportWh: 2500, certificateWh: 2500, holds: true });
  });
});
