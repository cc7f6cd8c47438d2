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
 * A whole charge-and-discharge of a contract needs its window to hold a production hour that has
 * closed and a later discharge hour closed too (over an hour of waiting): the chaincode test
 * (chaincode/test/storage-certificates.test.ts) runs it on the fake ledger.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatInstant } from '@gridledger/core';
import { ed25519PrivateKey, signMessage } from '@gridledger/gateway-api';
import { trader } from './market-support';
import { battery, provider } from './storage-support';
import { closeHour, deliver, hourBack, issuanceTag, issue, ok, producer, regulatorKey, utilityKey } from './certificate-support';
import { api, eventually, type JsonAnswer, operatorKey, profile, sleep, stateDir, uid } from './support';

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
  const assetId = `${p.participantId}.store`;
  const asset = {
    assetId,
    participantId: p.participantId,
    meterId: p.meterId,
    source: 'storage',
    capacityW: 50_000,
    zone: 'z1',
    feeder: 'f1',
    location: '52.52 N 13.40 E',
    commissionedOn: '2025-01-01',
    certificationHash: 'c2'.repeat(32),
  };
  await ok(api('community', operatorKey(), 'POST', '/assets', asset), 201);
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
  const day = Math.floor(Date.now() / 86_400_000) * 86_400;
  const window = { from: formatInstant(day + 2 * 86_400), to: formatInstant(day + 2 * 86_400 + 3_600) };
  const contract = await ok(
    api('community', buyer.apiKey, 'POST', '/storage/contracts', {
      clientContractId: uid('sc'),
      batteryId: b0,
      reservedWh: 1_000,
      ...window,
    }),
    201,
  );
  const contractId = contract.contract.contractId as string;
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
