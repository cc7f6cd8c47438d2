/**
 * Batteries with their certificates' storage asset, a battery's state of charge told over Beckn,
 * and support tickets and ratings as records, on the real network (docs/storage.md,
 * "Certificates"; docs/beckn.md, "Unsolicited on_status", "Support tickets and ratings"):
 * - a battery names a regulator-verified storage asset of its provider on its meter, at
 *   registration or by a link (an unverified one, a second battery for one asset refused);
 * - a storage contract's buyer may charge certificates only of an hour the contract's window holds,
 *   and nobody else charges into its contract; the linked battery's discharge hour is issued with
 *   the Regulator's peer (nothing metered: nothing certified);
 * - a contract confirmed over Beckn: each new state of charge of its battery reaches the BAP as one
 *   unsolicited on_status; a support request and a rating sent over Beckn are read back at the REST
 *   API by the buyer, the provider and the regulator, and refused to another household.
 *
 * - in the certificate scheduler's community: a linked battery's closed hour is issued as its
 *   discharge hour by the scheduler alone, once; the audit's inputs of a contract's share are the
 *   operator's to read, not the regulator's, and the audit run with the operator's key holds;
 *   a battery's and a contract's events reach their provider and buyer on the stream, nobody else.
 *
 * A whole charge-and-discharge of a contract needs its window to hold a production hour that has
 * closed and a later discharge hour closed too (over an hour of waiting): the load test
 * test/e2e/load/81-storage-certificates-hours.test.ts runs it on the real network, the chaincode
 * test (chaincode/test/storage-certificates.test.ts) on the fake ledger.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ed25519PrivateKey, signMessage } from '@gridledger/gateway-api';
import { trader } from './market-support';
import { battery, confirmContract, hourTwoDaysAhead, provider, storageAsset } from './storage-support';
import {
  auditCertificates,
  closeHour,
  deliver,
  hourBack,
  issuanceTag,
  issue,
  ok,
  type Producer,
  producer,
  regulatorKey,
  utilityKey,
} from './certificate-support';
import { api, eventually, type JsonAnswer, openEvents, operatorKey, profile, type SseEvent, sleep, stateDir, uid } from './support';

const bap = (method: string, path: string, body?: unknown) => api('utility', utilityKey(), method, `/beckn/storage${path}`, body);
const view = async (tx: string) => (await bap('GET', `/transactions/${tx}`)).body;
const callbacks = async (tx: string) => (await view(tx)).callbacks as JsonAnswer[];
const socOf = (order: JsonAnswer): string | undefined =>
  (order.fulfillments?.[0]?.tags ?? []).flatMap((g: JsonAnswer) => g.list).find((t: JsonAnswer) => t.descriptor.code === 'soc-wh')?.value;

/** A message signed with the Utility's development key, as its BAP would send it, posted to the Community's BPP. */
async function sendAsBap(action: string, transactionId: string, message: object): Promise<{ status: number; messageId: string }> {
  const signer = {
    subscriberId: 'utility.gridledger.local',
    uniqueKeyId: 'utility-k1',
    privateKey: ed25519PrivateKey(readFileSync(join(stateDir(), 'beckn', 'utility', 'signing.key'), 'utf8').trim()),
  };
  const bpp = `${profile().orgs.community.gateway.url}/beckn`;
  const messageId = randomUUID();
  const body = Buffer.from(
    JSON.stringify({
      context: {
        domain: 'deg:energy-storage',
        action,
        version: '1.1.0',
        bap_id: signer.subscriberId,
        bap_uri: `${profile().orgs.utility.gateway.url}/beckn`,
        bpp_id: 'community.gridledger.local',
        bpp_uri: bpp,
        transaction_id: transactionId,
        message_id: messageId,
        timestamp: new Date().toISOString(),
        ttl: 'PT30S',
      },
      message,
    }),
  );
  const now = Math.floor(Date.now() / 1000);
  const res = await fetch(`${bpp}/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: signMessage(body, signer, now, now + 60) },
    body,
  });
  return { status: res.status, messageId };
}

it("links a battery to its storage asset, keeps a contract's charge to its hours, and tells and records over Beckn", async () => {
  const buyer = await producer();
  const C = buyer.communityId;
  const [p, other] = await Promise.all([provider(C), trader('scother', C)]);
  const deposit = { participantId: buyer.participantId, amountMicros: 1_000_000, reference: uid('dep') };
  await ok(api('utility', utilityKey(), 'POST', '/credits/deposits', deposit), 201);

  // The battery's storage asset, registered by the operator for the provider, on the battery meter.
  const assetId = await storageAsset(p, 'c2'.repeat(32));
  const b1 = uid('bat');
  const unverified = await api('community', p.apiKey, 'POST', '/batteries', battery(p, C, b1, { assetId }));
  expect([unverified.status, unverified.body.error?.code, unverified.body.error?.details?.reason]).toEqual([
    422,
    'BATTERY_ASSET_INVALID',
    'unverified',
  ]);
  await eventually(async () => (await api('regulator', regulatorKey(), 'POST', `/assets/${assetId}/verification`)).status === 200, 10_000);

  // A battery registered before is linked once; the asset is then no other battery's.
  const b0 = uid('bat');
  await ok(api('community', p.apiKey, 'POST', '/batteries', battery(p, C, b0)), 201);
  const linked = await ok(api('community', p.apiKey, 'PUT', `/batteries/${b0}/storage-asset`, { assetId }));
  expect([linked.replayed, linked.battery.assetId, typeof linked.txId]).toEqual([false, assetId, 'string']);
  expect((await ok(api('community', p.apiKey, 'PUT', `/batteries/${b0}/storage-asset`, { assetId }))).replayed).toBe(true);
  const taken = await api('community', p.apiKey, 'POST', '/batteries', battery(p, C, b1, { assetId }));
  expect([taken.status, taken.body.error?.code, taken.body.error?.details?.batteryId]).toEqual([409, 'BATTERY_ASSET_LINKED', b0]);
  expect((await ok(api('community', p.apiKey, 'GET', `/batteries/${b0}`))).assetId).toBe(assetId);

  // The buyer's certificates of an hour six hours back; a contract two days ahead holds none of that hour.
  const hourStart = hourBack(6);
  await deliver(buyer, hourStart, [300, 300, 300, 300]);
  await closeHour(buyer, hourStart);
  await ok(issue(regulatorKey(), 'regulator', buyer.assetId, hourStart), 201);
  const window = hourTwoDaysAhead();
  const contractId = await confirmContract(buyer, b0, 1_000, window);
  const bundle = `${buyer.assetId}@${issuanceTag(hourStart)}-1`;
  const charge = (who: { apiKey: string }) =>
    api('community', who.apiKey, 'POST', `/certificates/${bundle}/storage-charge`, { storageContractId: contractId, quantityWh: 100 });
  const outside = await charge(buyer);
  expect([outside.status, outside.body.error?.code]).toEqual([422, 'CERTIFICATE_PERIOD_MISMATCH']);
  const notBuyer = await charge(other);
  expect([notBuyer.status, notBuyer.body.error?.code]).toEqual([403, 'ACCESS_DENIED']);

  // The linked battery's discharge hour (its windows closed with the buyer's): nothing metered, nothing certified.
  const discharged = await ok(api('regulator', regulatorKey(), 'POST', '/certificates/storage-discharges', { assetId, hourStart }), 201);
  expect([discharged.meteredDischargeWh, discharged.uncertifiedWh, discharged.bundles]).toEqual([0, 0, []]);

  // Over Beckn: a contract on the battery, then each new state of charge reaches the BAP once, unasked.
  const search = await bap('POST', '/searches', { minFreeWh: 1_000, ...window });
  const tx = search.body.transactionId as string;
  await eventually(async () => (await callbacks(tx)).find((c) => c.action === 'on_search'), 20_000, 200);
  const order = { bppId: 'community.gridledger.local', batteryId: b0, reservedWh: 1_000, ...window, buyerId: buyer.participantId };
  const confirm = await bap('POST', `/transactions/${tx}/contracts`, order);
  const confirmed = await eventually(
    async () => (await callbacks(tx)).find((c) => c.action === 'on_confirm' && c.messageId === confirm.body.messageId),
    20_000,
    200,
  );
  expect(confirmed.error).toBeUndefined();
  const becknContract = confirmed.message.order.id as string;
  const toldSoc = async (socWh: string) =>
    (await callbacks(tx)).filter((c) => c.unsolicited && c.action === 'on_status' && socOf(c.message.order) === socWh);
  for (const socWh of [1_234, 2_345]) {
    await ok(api('community', p.apiKey, 'POST', `/batteries/${b0}/state-of-charge`, { socWh }));
    const told = await eventually(
      async () => ((await toldSoc(String(socWh))).length > 0 ? toldSoc(String(socWh)) : undefined),
      15_000,
      200,
    );
    expect(told[0].message.order).toMatchObject({ id: becknContract, status: 'ACTIVE' });
    // Nothing more comes for the same report.
    await sleep(2_000);
    expect(await toldSoc(String(socWh))).toHaveLength(1);
  }

  // A support request and a rating over Beckn: records of the contract, read back at the REST API.
  const ticket = await sendAsBap('support', tx, { support: { ref_id: becknContract } });
  const rating = await sendAsBap('rating', tx, { ratings: [{ rating_category: 'Order', id: becknContract, value: '4' }] });
  expect([ticket.status, rating.status]).toEqual([200, 200]);
  const path = `/storage/contracts/${becknContract}/feedback`;
  const recorded = await eventually(
    async () => {
      const b = (await api('community', buyer.apiKey, 'GET', path)).body;
      return b.supportTickets?.length === 1 && b.ratings?.length === 1 ? b : undefined;
    },
    20_000,
    300,
  );
  expect(recorded.supportTickets[0]).toMatchObject({ feedbackId: ticket.messageId, bapId: 'utility.gridledger.local', transactionId: tx });
  expect(recorded.ratings[0]).toMatchObject({
    feedbackId: rating.messageId,
    ratings: [{ category: 'Order', id: becknContract, value: '4' }],
  });
  const answered = await eventually(async () => (await callbacks(tx)).find((c) => c.action === 'on_support'), 20_000, 200);
  expect(answered.message.support.ref_id).toBe(ticket.messageId);
  expect((await ok(api('community', p.apiKey, 'GET', path))).ratings).toHaveLength(1);
  const byRegulator = await eventually(async () => {
    const b = (await api('regulator', regulatorKey(), 'GET', path)).body;
    return b.supportTickets?.length === 1 ? b : undefined;
  }, 10_000);
  expect(byRegulator.ratings).toHaveLength(1);
  const stranger = await api('community', other.apiKey, 'GET', path);
  expect([stranger.status, stranger.body.error?.code]).toEqual([403, 'ACCESS_DENIED']);
});

it("the scheduler issues a linked battery's discharge hours once, the audit reads its shares, households see their events", async () => {
  const C = (process.env.GRIDLEDGER_CERTIFICATE_COMMUNITIES ?? '').split(',')[0];
  expect(C).not.toBe('');
  const [p, buyer, other] = await Promise.all([provider(C), trader('scbuy', C), trader('scoth', C)]);
  const streams = {
    provider: await openEvents({}, '', p.apiKey),
    buyer: await openEvents({}, '', buyer.apiKey),
    other: await openEvents({}, '', other.apiKey),
  };
  try {
    const deposit = { participantId: buyer.participantId, amountMicros: 1_000_000, reference: uid('dep') };
    await ok(api('utility', utilityKey(), 'POST', '/credits/deposits', deposit), 201);
    const assetId = await storageAsset(p, 'c3'.repeat(32));
    await eventually(
      async () => (await api('regulator', regulatorKey(), 'POST', `/assets/${assetId}/verification`)).status === 200,
      10_000,
    );
    const b = uid('bat');
    await ok(api('community', p.apiKey, 'POST', '/batteries', battery(p, C, b)), 201);
    await ok(api('community', p.apiKey, 'PUT', `/batteries/${b}/storage-asset`, { assetId }));
    await ok(api('community', p.apiKey, 'POST', `/batteries/${b}/state-of-charge`, { socWh: 4_321 }));
    const contractId = await confirmContract(buyer, b, 500, hourTwoDaysAhead());
    await ok(api('community', buyer.apiKey, 'POST', `/storage/contracts/${contractId}/cancellation`, {}));

    // An hour of the scheduler's lookback whose windows no run closed yet: the battery gives 300 Wh; the windows closed.
    let hourStart = hourBack(14);
    const windowOf = (h: string) => `/communities/${C}/windows/${encodeURIComponent(h)}`;
    for (let back = 15; (await ok(api('community', operatorKey(), 'GET', windowOf(hourStart)))).closed !== false && back < 24; back++)
      hourStart = hourBack(back);
    const asProducer = { ...p, communityId: C, assetId } as unknown as Producer;
    await deliver(asProducer, hourStart, [100, 100, 50, 50]);
    await closeHour(asProducer, hourStart);

    // Nobody asks: the scheduler issues the discharge hour (no charge record: nothing certified, the record names the figure).
    const issuancesOf = async () =>
      (
        (await ok(api('community', operatorKey(), 'GET', `/assets/${assetId}/certificate-records?records=issuances`))).items as JsonAnswer[]
      ).filter((i) => i.record.hourStart === hourStart);
    const [issued] = await eventually(async () => ((await issuancesOf()).length > 0 ? issuancesOf() : undefined), 60_000, 500);
    expect(issued.record).toMatchObject({ assetId, verifiedExportWh: 300, issuedWh: 0 });
    expect(issued.txIds).toHaveLength(1);
    const byHand = await api('regulator', regulatorKey(), 'POST', '/certificates/storage-discharges', { assetId, hourStart });
    expect([byHand.status, byHand.body.error?.code]).toEqual([409, 'CERTIFICATE_HOUR_ISSUED']);
    // Later ticks (every 3 s here) leave it as it is.
    await sleep(7_000);
    expect((await issuancesOf()).map((i) => i.txIds)).toEqual([issued.txIds]);

    // The audit's inputs of a contract's share: the operator reads the battery's import and export, the regulator may not.
    const inputsPath = `/assets/${assetId}/hours/${hourStart}/storage-share-inputs`;
    const inputs = await ok(api('community', operatorKey(), 'GET', inputsPath));
    expect([inputs.batteryId, inputs.intervals.map((i: JsonAnswer) => [i.importWh, i.exportWh])]).toEqual([
      b,
      [
        [0, 100],
        [0, 100],
        [0, 50],
        [0, 50],
      ],
    ]);
    const refused = await api('regulator', regulatorKey(), 'GET', inputsPath);
    expect([refused.status, refused.body.error?.code]).toEqual([403, 'ACCESS_DENIED']);
    // The audit command with the operator's key over the community: the battery's chain holds, no share left unread.
    const audit = await auditCertificates('--community', C, '--url', profile().orgs.community.gateway.url, '--key', operatorKey());
    expect([audit.code, audit.out.holds, audit.out.sharesSkipped, audit.out.findings]).toEqual([0, true, 0, []]);

    // Each household's stream: the provider its battery's and its contract's events, the buyer its contract's, nobody else's.
    const mine = (events: SseEvent[]) =>
      events
        .filter((e) => e.data.payload.batteryId === b || e.data.payload.contractId === contractId)
        .map((e) => e.data.name)
        .sort();
    const forProvider = ['BatteryAssetLinked', 'BatteryRegistered', 'BatteryStateOfCharge', 'StorageCancelled', 'StorageConfirmed'];
    await streams.provider.until((e) => mine(e).length >= forProvider.length);
    await streams.buyer.until((e) => mine(e).length >= 2);
    // A deposit of the other household's own, after all of it: once its stream has that, it has passed the storage events.
    const marker = uid('dep');
    await ok(
      api('utility', utilityKey(), 'POST', '/credits/deposits', { participantId: other.participantId, amountMicros: 1, reference: marker }),
      201,
    );
    await streams.other.until((e) => e.some((x) => x.data.name === 'CreditsIssued' && x.data.payload.reference === marker));
    expect(mine(streams.provider.events)).toEqual(forProvider);
    expect(mine(streams.buyer.events)).toEqual(['StorageCancelled', 'StorageConfirmed']);
    expect(mine(streams.other.events)).toEqual([]);
    expect(streams.other.events.filter((e) => /^(Battery|Storage)/.test(e.data.name))).toEqual([]);
  } finally {
    await Promise.all(Object.values(streams).map((s) => s.close()));
  }
});
