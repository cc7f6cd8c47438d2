/**
 * The certificate lifecycle on the real network (docs/certificates.md): a transfer the recipient
 * accepts or either side releases; retried transfers and claims under a client reference answer
 * their first result, a changed retry is refused; a resolved dispute that lowers an issued hour
 * withdraws the newest certificates first, endorsed by the Regulator's peer, and the hour's account
 * holds again; double claims are impossible (a claimed, withdrawn or reserved bundle, more Wh than held).
 */
import { formatInstant } from '@gridledger/core/core';
import { trader, Trader, useMeteringInterval } from './market-support';
import { api, type JsonAnswer, operatorKey } from './support';
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

  beforeAll(async () => {
    p = await producer();
    buyer = await trader('certbuy', p.communityId);
    await deliver(p, hourStart, [1000, 1000, 1000, 1000]);
    await closeHour(p, hourStart);
    await ok(issue(regulatorKey(), 'regulator', p.assetId, hourStart), 201);
    id = (n) => `${p.assetId}@${issuanceTag(hourStart)}-${n}`;
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
    const resolved = await ok(api('community', operatorKey(), 'POST', '/disputes/resolutions', resolution));
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
  });
});
