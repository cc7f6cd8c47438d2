/**
 * Batched issuance and the certificate scheduler on the real network (docs/certificates.md,
 * "Batched issuance", "The certificate scheduler"): a batch of several assets and hours issues
 * exactly what single issuances would, an item whose hour is not closed gets its code while the
 * others are issued, a batch endorsed without the Regulator's peer is invalidated at commit, and
 * the Community gateway's scheduler issues a closed hour by itself (global-setup.js gives it its
 * own community and a 3 s tick), and withdraws for a dispute resolved without the withdrawal after it.
 */
import { randomBytes } from 'node:crypto';
import { peer } from '@hyperledger/fabric-protos';
import { ledgerClient } from '@gridledger/network';
import { useMeteringInterval } from './market-support';
import { api, operatorKey, profile } from './support';
import { closeHour, deliver, hourBack, INTERVAL, issuanceTag, issue, ok, producer, regulatorKey, utilityKey } from './certificate-support';

useMeteringInterval(INTERVAL);

const batch = (key: string, org: 'regulator' | 'utility' | 'community', items: { assetId: string; hourStart: string }[]) =>
  api(org, key, 'POST', '/certificates/issuances/batch', { items });

it('issues a batch of several assets and hours as single issuances would; an open hour gets its code, the others are issued', async () => {
  const [h1, h2] = [hourBack(11), hourBack(10)];
  const [a, b, single] = await Promise.all([producer(), producer(), producer()]);
  const exports = { [h1]: [100, 200, 300, 400], [h2]: [50, 0, 25, 7] };
  for (const p of [a, b, single]) {
    await deliver(p, h1, exports[h1]);
    await deliver(p, h2, exports[h2], 5, 1000);
    await closeHour(p, h1);
  }
  for (const p of [a, single]) await closeHour(p, h2);

  const items = [
    { assetId: a.assetId, hourStart: h1 },
    { assetId: b.assetId, hourStart: h1 },
    { assetId: a.assetId, hourStart: h2 },
    { assetId: b.assetId, hourStart: h2 },
  ];
  const out = await ok(batch(operatorKey(), 'community', items));
  expect(out.items.map((i: { status: string; error?: { code: string } }) => i.error?.code ?? i.status)).toEqual([
    'issued',
    'issued',
    'issued',
    'CERTIFICATE_HOUR_OPEN',
  ]);
  expect([out.issuedCount, out.refusedCount]).toEqual([3, 1]);
  // Each asset's cursor moved once in the transaction, a's for its two hours.
  expect(out.cursors.map((c: { assetId: string; changes: number }) => [c.assetId, c.changes]).sort()).toEqual(
    [
      [a.assetId, 1],
      [b.assetId, 1],
    ].sort(),
  );

  // The same hours issued one by one for a third producer with the same readings: the same figures.
  const singles = [await ok(issue(regulatorKey(), 'regulator', single.assetId, h1), 201)];
  singles.push(await ok(issue(utilityKey(), 'utility', single.assetId, h2), 201));
  const figures = (r: { issuedWh: number; verifiedExportWh: number; bundledWh: number }) => [r.verifiedExportWh, r.bundledWh, r.issuedWh];
  expect([out.items[0], out.items[2]].map((i: { record: never }) => figures(i.record))).toEqual(singles.map((s) => figures(s.record)));
  expect(figures(out.items[1].record)).toEqual([1000, 0, 1000]);
  expect([out.items[0].bundleId, out.items[0].quantityWh]).toEqual([`${a.assetId}@${issuanceTag(h1)}-1`, 1000]);
  const held = await ok(api('community', a.apiKey, 'GET', `/participants/${a.participantId}/certificates`));
  expect(held.items.map((x: { bundleId: string; quantityWh: number }) => [x.bundleId, x.quantityWh])).toEqual([
    [`${a.assetId}@${issuanceTag(h1)}-1`, 1000],
    [`${a.assetId}@${issuanceTag(h2)}-1`, 82],
  ]);

  // Again: what was issued is refused with its code; the hour closed since is issued.
  await closeHour(b, h2);
  const again = await ok(batch(regulatorKey(), 'regulator', items));
  expect(again.items.map((i: { status: string; error?: { code: string } }) => i.error?.code ?? i.status)).toEqual([
    'CERTIFICATE_HOUR_ISSUED',
    'CERTIFICATE_HOUR_ISSUED',
    'CERTIFICATE_HOUR_ISSUED',
    'issued',
  ]);
  const twice = await batch(operatorKey(), 'community', [items[0], items[0]]);
  expect([twice.status, twice.body.error?.code]).toEqual([400, 'CERTIFICATE_INPUT_INVALID']);
  expect((await batch(a.apiKey, 'community', items)).status).toBe(403);
});

it("is refused by the peers when a batch is endorsed without the Regulator's peer", async () => {
  const p = await producer();
  const hourStart = hourBack(12);
  await deliver(p, hourStart, [10, 10, 10, 10]);
  await closeHour(p, hourStart);
  const client = ledgerClient(profile(), 'community', profile().orgs.community.users['community-operator']);
  try {
    const proposal = client.contract.newProposal('certificates:issueBatch', {
      arguments: [JSON.stringify({ items: [{ assetId: p.assetId, hourStart }] })],
      endorsingOrganizations: [profile().orgs.utility.mspId, profile().orgs.community.mspId],
    });
    const status = await (await (await proposal.endorse()).submit()).getStatus();
    expect([status.successful, status.code]).toEqual([false, peer.TxValidationCode.ENDORSEMENT_POLICY_FAILURE]);
  } finally {
    client.close();
  }
  const account = await ok(api('community', operatorKey(), 'GET', `/assets/${p.assetId}/hours/${hourStart}/certificate-account`));
  expect(account).toMatchObject({ verifiedExportWh: 40, certificateWh: 0 });
});

it("the Community gateway's scheduler issues a closed hour of a verified asset by itself", async () => {
  const community = (process.env.GRIDLEDGER_CERTIFICATE_COMMUNITIES ?? '').split(',')[0];
  expect(community).not.toBe('');
  const p = await producer(true, community);
  // The community is the same for every run on a platform kept up (GRIDLEDGER_TEST_KEEP): an hour whose windows no run closed yet.
  let hourStart = hourBack(13);
  const windowOf = (h: string) => `/communities/${community}/windows/${encodeURIComponent(h)}`;
  for (let back = 14; (await ok(api('community', operatorKey(), 'GET', windowOf(hourStart)))).closed !== false && back < 24; back++)
    hourStart = hourBack(back);
  await deliver(p, hourStart, [5, 6, 7, 8]);
  const account = () => ok(api('community', operatorKey(), 'GET', `/assets/${p.assetId}/hours/${hourStart}/certificate-account`));
  await closeHour(p, hourStart);
  const deadline = Date.now() + 30_000;
  let seen = await account();
  while (seen.certificateWh === 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    seen = await account();
  }
  expect(seen).toMatchObject({ verifiedExportWh: 26, certificateWh: 26, holds: true });
  const held = await ok(api('community', p.apiKey, 'GET', `/participants/${p.participantId}/certificates`));
  expect(held.items.map((x: { bundleId: string; owner: string }) => [x.bundleId, x.owner])).toEqual([
    [`${p.assetId}@${issuanceTag(hourStart)}-1`, p.participantId],
  ]);

  // A resolution alone, as if the gateway stopped before the withdrawal its route runs after it: the first interval's 5 Wh
  // become 0. The scheduler's sweep of resolved disputes withdraws the excess by itself.
  const first = hourStart;
  expect(
    (await api('community', p.apiKey, 'POST', '/disputes', { meterId: p.meterId, intervalStart: first, reason: 'ran fast' })).status,
  ).toBe(201);
  const client = ledgerClient(profile(), 'community', profile().orgs.community.users['community-operator']);
  try {
    const resolution = JSON.stringify({ meterId: p.meterId, intervalStart: first, exportWh: 0, note: 'inverter log' });
    const transientData = { consumptionSaltSeed: randomBytes(32), importWh: Buffer.from('0') };
    const endorsingOrganizations = [profile().orgs.community.mspId, profile().orgs.utility.mspId];
    let status: { successful: boolean } | undefined;
    for (let k = 0; k < 40 && status?.successful !== true; k++) {
      const proposal = client.contract.newProposal('energy:resolveDispute', {
        arguments: [resolution],
        endorsingOrganizations,
        transientData,
      });
      status = await proposal
        .endorse()
        .then(async (t) => (await t.submit()).getStatus())
        .catch(() => undefined);
      if (status?.successful !== true) await new Promise((r) => setTimeout(r, 500));
    }
    expect(status?.successful).toBe(true);
  } finally {
    client.close();
  }
  const swept = Date.now() + 30_000;
  seen = await account();
  while (seen.verifiedExportWh !== 21 || !seen.holds) {
    if (Date.now() > swept) break;
    await new Promise((r) => setTimeout(r, 500));
    seen = await account();
  }
  expect(seen).toMatchObject({ verifiedExportWh: 21, certificateWh: 21, holds: true });
  const resolved = await ok(
    api('community', operatorKey(), 'GET', `/communities/${community}/resolved-disputes?from=${encodeURIComponent(first)}`),
  );
  expect(resolved.items.map((d: { meterId: string; status: string }) => [d.meterId, d.status])).toContainEqual([p.meterId, 'resolved']);
});
