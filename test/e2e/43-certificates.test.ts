/**
 * Certificates on the real network (docs/certificates.md, issue 21): issuance from verified export
 * once an hour's windows are closed, refused twice, for an unverified asset or an open hour;
 * transfer of part of a bundle and a claim, a claimed certificate refused; the per asset-hour
 * invariant; public verification without an API key; the regulator's withdrawal; and issuance
 * endorsed without the Regulator's peer invalidated by the committing peers.
 *
 * Each test has a community of its own (so that its window closes touch no other meter) and an
 * hour in the past that no other file reads or closes. Communities without market parameters
 * have no market: their hours have nothing to settle.
 */
import { peer } from '@hyperledger/fabric-protos';
import { formatInstant } from '@gridledger/core/core';
import { ledgerClient } from '@gridledger/network';
import { trader, Trader, useMeteringInterval } from './market-support';
import { api, type JsonAnswer, operatorKey, profile, signReading } from './support';
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

describe('issuance, transfer, claim, verification', () => {
  const hourStart = hourBack(3);
  const exports = [100, 250, 0, 313];
  const exportWh = exports.reduce((s, x) => s + x, 0);
  let p: Producer;
  let buyer: Trader;
  let issuanceId: string;

  beforeAll(async () => {
    p = await producer();
    buyer = await trader('certbuyer', p.communityId);
    issuanceId = `${p.assetId}@${issuanceTag(hourStart)}`;
    await deliver(p, hourStart, exports);
  });

  it('refuses an open hour, issues the verified export once its windows are closed, and refuses the hour twice', async () => {
    const open = await issue(regulatorKey(), 'regulator', p.assetId, hourStart);
    expect([open.status, open.body.error?.code]).toEqual([409, 'CERTIFICATE_HOUR_OPEN']);
    await closeHour(p, hourStart);

    const issued = await ok(issue(regulatorKey(), 'regulator', p.assetId, hourStart), 201);
    expect(issued.record).toEqual({
      issuanceId,
      assetId: p.assetId,
      hourStart,
      verifiedExportWh: exportWh,
      bundledWh: 0,
      issuedWh: exportWh,
      correctedWh: 0,
    });
    expect(issued.bundle).toMatchObject({
      bundleId: `${issuanceId}-1`,
      rangeStart: 1,
      rangeEnd: exportWh,
      quantityWh: exportWh,
      owner: p.participantId,
      status: 'active',
    });
    expect(issued.attributes).toMatchObject({
      deviceId: p.assetId,
      technology: 'solar photovoltaic',
      productionStart: hourStart,
      issuingBody: 'RegulatorMSP',
      issuedFrom: 'production',
    });
    expect(issued.cursor.changes).toBe(1);

    const again = await issue(utilityKey(), 'utility', p.assetId, hourStart);
    expect([again.status, again.body.error?.code]).toEqual([409, 'CERTIFICATE_HOUR_ISSUED']);
    const byHousehold = await issue(p.apiKey, 'community', p.assetId, hourStart);
    expect(byHousehold.status).toBe(403);
  });

  it('transfers part of a bundle, claims part of it, and refuses claiming a claimed certificate', async () => {
    const transfer = await ok(
      api('community', p.apiKey, 'POST', `/certificates/${issuanceId}-1/transfer`, { to: buyer.participantId, quantityWh: 250 }),
    );
    expect(transfer.moved).toMatchObject({ bundleId: `${issuanceId}-1`, rangeEnd: 250, owner: buyer.participantId, status: 'active' });
    expect(transfer.rest).toMatchObject({ bundleId: `${issuanceId}-251`, rangeEnd: exportWh, owner: p.participantId });

    // The producer no longer holds the moved part; the buyer's certificate is not the producer's to read.
    const moveAgain = await api('community', p.apiKey, 'POST', `/certificates/${issuanceId}-1/transfer`, {
      to: buyer.participantId,
      quantityWh: 1,
    });
    expect([moveAgain.status, moveAgain.body.error?.code]).toEqual([403, 'ACCESS_DENIED']);
    expect((await api('community', p.apiKey, 'GET', `/certificates/${issuanceId}-7`)).status).toBe(403);

    const claim = {
      beneficiary: 'Bakery Nord',
      purpose: 'scope 2 market-based',
      consumptionPeriodStart: hourStart,
      consumptionPeriodEnd: formatInstant(Date.parse(hourStart) / 1000 + 3600),
      location: 'Potsdam',
    };
    const outside = await api('community', buyer.apiKey, 'POST', `/certificates/${issuanceId}-1/claim`, {
      ...claim,
      quantityWh: 10,
      consumptionPeriodStart: formatInstant(Date.parse(hourStart) / 1000 + 900),
    });
    expect([outside.status, outside.body.error?.code]).toEqual([422, 'CERTIFICATE_PERIOD_MISMATCH']);
    const tooMuch = await api('community', buyer.apiKey, 'POST', `/certificates/${issuanceId}-1/claim`, { ...claim, quantityWh: 251 });
    expect([tooMuch.status, tooMuch.body.error?.code]).toEqual([409, 'CERTIFICATE_QUANTITY_EXCEEDED']);
    const claimed = await ok(api('community', buyer.apiKey, 'POST', `/certificates/${issuanceId}-1/claim`, { ...claim, quantityWh: 100 }));
    expect(claimed.claimed).toMatchObject({
      rangeStart: 1,
      rangeEnd: 100,
      status: 'cancelled',
      cancellation: { kind: 'claim', beneficiary: 'Bakery Nord' },
    });
    expect(claimed.rest).toMatchObject({ bundleId: `${issuanceId}-101`, rangeEnd: 250, status: 'active', owner: buyer.participantId });

    const twice = await api('community', buyer.apiKey, 'POST', `/certificates/${issuanceId}-1/claim`, { ...claim, quantityWh: 1 });
    expect([twice.status, twice.body.error?.code]).toEqual([409, 'CERTIFICATE_CANCELLED']);

    const own = await ok(api('community', buyer.apiKey, 'GET', `/participants/${buyer.participantId}/certificates?pageSize=10`));
    expect(own.items.map((b: { bundleId: string; status: string }) => [b.bundleId, b.status])).toEqual([
      [`${issuanceId}-1`, 'cancelled'],
      [`${issuanceId}-101`, 'active'],
    ]);
    expect((await api('community', p.apiKey, 'GET', `/participants/${buyer.participantId}/certificates`)).status).toBe(403);
    const read = await ok(api('community', buyer.apiKey, 'GET', `/certificates/${issuanceId}-150`));
    expect(read).toMatchObject({ bundleId: `${issuanceId}-101`, quantityWh: 150, attributes: { deviceId: p.assetId } });
  });

  it('keeps the invariant of the hour, and anyone verifies a certificate without an API key', async () => {
    const account = await ok(api('utility', utilityKey(), 'GET', `/assets/${p.assetId}/hours/${hourStart}/certificate-account`));
    expect(account).toMatchObject({ verifiedExportWh: exportWh, bundledWh: 0, certificateWh: exportWh, excessWh: 0, holds: true });

    const url = `${profile().orgs.regulator.gateway.url}/api/v1/public/certificates/${encodeURIComponent(`${issuanceId}-42`)}`;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const shown = (await res.json()) as JsonAnswer;
    expect(shown).toMatchObject({
      certificateId: `${issuanceId}-42`,
      bundleId: `${issuanceId}-1`,
      status: 'cancelled',
      attributes: { deviceId: p.assetId, productionStart: hourStart },
    });
    expect(shown.owner).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(shown)).not.toContain(buyer.participantId);
    const unknown = await fetch(
      `${profile().orgs.community.gateway.url}/api/v1/public/certificates/${encodeURIComponent(`${issuanceId}-${exportWh + 1}`)}`,
    );
    expect(unknown.status).toBe(404);
  });

  it('lets the regulator withdraw a range, in whatever state, and never issues the withdrawn Wh again', async () => {
    const refused = await api('community', operatorKey(), 'POST', `/certificates/issuances/${issuanceId}/withdrawal`, {
      rangeStart: 90,
      rangeEnd: 300,
      reason: 'meter found faulty',
    });
    expect(refused.status).toBe(403);
    const withdrawn = await ok(
      api('regulator', regulatorKey(), 'POST', `/certificates/issuances/${issuanceId}/withdrawal`, {
        rangeStart: 90,
        rangeEnd: 300,
        reason: 'meter found faulty',
      }),
    );
    expect(withdrawn.withdrawn.map((b: JsonAnswer) => [b.rangeStart, b.rangeEnd, b.withdrawal.previousStatus])).toEqual([
      [90, 100, 'cancelled'],
      [101, 250, 'active'],
      [251, 300, 'active'],
    ]);
    const verify = await fetch(
      `${profile().orgs.utility.gateway.url}/api/v1/public/certificates/${encodeURIComponent(`${issuanceId}-95`)}`,
    );
    expect(((await verify.json()) as { status: string }).status).toBe('withdrawn');
    const moveWithdrawn = await api('community', buyer.apiKey, 'POST', `/certificates/${issuanceId}-101/transfer`, {
      to: p.participantId,
      quantityWh: 1,
    });
    expect([moveWithdrawn.status, moveWithdrawn.body.error?.code]).toEqual([409, 'CERTIFICATE_WITHDRAWN']);
    const account = await ok(api('regulator', regulatorKey(), 'GET', `/assets/${p.assetId}/hours/${hourStart}/certificate-account`));
    expect(account).toMatchObject({ verifiedExportWh: exportWh, certificateWh: exportWh - 211, holds: true });
    const reissue = await issue(regulatorKey(), 'regulator', p.assetId, hourStart);
    expect([reissue.status, reissue.body.error?.code]).toEqual([409, 'CERTIFICATE_HOUR_ISSUED']);
  });
});

it('refuses issuance for an asset the regulator has not verified', async () => {
  const p = await producer(false);
  const hourStart = hourBack(4);
  await deliver(p, hourStart, [10, 20, 30, 40]);
  await closeHour(p, hourStart);
  const refused = await issue(regulatorKey(), 'regulator', p.assetId, hourStart);
  expect([refused.status, refused.body.error?.code]).toEqual([422, 'CERTIFICATE_ASSET_UNVERIFIED']);
});

it('refuses an hour with an estimated reading of the meter', async () => {
  const p = await producer();
  const hourStart = hourBack(5);
  const [first, , third, fourth] = intervalsOf(hourStart);
  let register = 0;
  const readings = [first, third, fourth].map((intervalStart, k) => {
    register += 100;
    return signReading(
      { meterId: p.meterId, intervalStart, seq: k + 1, importWh: 0, exportWh: 100, importRegisterWh: 0, exportRegisterWh: register },
      p.privateKeyPem,
    );
  });
  await ok(api('community', operatorKey(), 'POST', '/readings', { readings }));
  await closeHour(p, hourStart);
  const refused = await issue(regulatorKey(), 'regulator', p.assetId, hourStart);
  expect([refused.status, refused.body.error?.code]).toEqual([409, 'CERTIFICATE_HOUR_ESTIMATED']);
});

it("is refused by the peers when endorsed without the Regulator's peer; a gateway's issuance reaches that peer unasked", async () => {
  const p = await producer();
  const hours = [9, 8, 7, 6].map(hourBack);
  for (const [k, hourStart] of hours.entries()) {
    await deliver(p, hourStart, [400, 400, 400, 400], 1 + 4 * k, 1600 * k);
    await closeHour(p, hourStart);
  }
  const client = ledgerClient(profile(), 'community', profile().orgs.community.users['community-operator']);
  try {
    const utilityAndCommunity = [profile().orgs.utility.mspId, profile().orgs.community.mspId];
    const proposal = client.contract.newProposal('certificates:issue', {
      arguments: [p.assetId, hours[0]],
      endorsingOrganizations: utilityAndCommunity,
    });
    const commit = await (await proposal.endorse()).submit();
    const status = await commit.getStatus();
    expect([status.successful, status.code]).toEqual([false, peer.TxValidationCode.ENDORSEMENT_POLICY_FAILURE]);
  } finally {
    client.close();
  }
  // Nothing was issued. Through the Community and Utility gateways, which name no endorsers, every
  // issuance commits: the peers' gateway plans the endorsement from the key-level policy itself.
  const account = await ok(api('community', operatorKey(), 'GET', `/assets/${p.assetId}/hours/${hours[0]}/certificate-account`));
  expect(account).toMatchObject({ verifiedExportWh: 1600, certificateWh: 0 });
  for (const [k, hourStart] of hours.entries()) {
    const issued = await ok(
      k % 2 === 0 ? issue(operatorKey(), 'community', p.assetId, hourStart) : issue(utilityKey(), 'utility', p.assetId, hourStart),
      201,
    );
    expect(issued.bundle).toMatchObject({ quantityWh: 1600, owner: p.participantId });
    expect(issued.cursor.changes).toBe(k + 1);
  }
});
