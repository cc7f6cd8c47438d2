/**
 * The storage marketplace over Beckn on the real network (docs/beckn.md): the Utility gateway is
 * the BAP, the Community gateway the BPP; they talk over loopback with real Ed25519 signatures,
 * keys from the local registry that `up` (the gateways' start) wrote. search → on_search lists a
 * registered battery; select → on_select's quote; confirm → a storage contract on the ledger with
 * the buyer's credits in escrow; status → on_status; cancel → on_cancel and the refund; a contract
 * cancelled outside Beckn → an unsolicited on_status within 5 s; a replayed or tampered message
 * gets 401 NACK; an unknown battery gets on_select's error 30004.
 *
 * @metering-interval 60
 * @metering-late-window 2160000
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatInstant } from '@gridledger/core';
import { ed25519PrivateKey, signMessage } from '@gridledger/gateway-api';
import { trader, useMeteringInterval } from './market-support';
import { battery, provider } from './storage-support';
import { api, credentials, eventually, JsonAnswer, operatorKey, profile, stateDir, uid } from './support';

useMeteringInterval(60);

const C = uid('bk');
const DEPOSIT = 1_000_000;
const utilityKey = () => credentials().apiKeys.utility.utility;
const bap = (method: string, path: string, body?: unknown) => api('utility', utilityKey(), method, `/beckn/storage${path}`, body);
const view = async (tx: string) => (await bap('GET', `/transactions/${tx}`)).body;
const account = async (id: string) =>
  (await api('community', operatorKey(), 'GET', `/credits/${id}`)).body as { availableMicros: number; escrowMicros: number };
/** Waits for the transaction's callback of `action` answering message `messageId` (or unasked, when none). */
const callback = (tx: string, action: string, messageId?: string, ms = 20_000) =>
  eventually(
    async () => {
      const v = await view(tx);
      return (v.callbacks as JsonAnswer[]).find((c) => c.action === action && (messageId === undefined ? c.unsolicited : !c.unsolicited));
    },
    ms,
    200,
  );

it('searches, quotes, contracts with escrow, follows and cancels a battery over Beckn between two gateways', async () => {
  const [p, buyer] = await Promise.all([provider(C), trader('bkb', C)]);
  const deposit = { participantId: buyer.participantId, amountMicros: DEPOSIT, reference: uid('dep') };
  expect((await api('utility', utilityKey(), 'POST', '/credits/deposits', deposit)).status).toBe(201);
  const batteryId = uid('bat');
  expect((await api('community', p.apiKey, 'POST', '/batteries', battery(p, C, batteryId))).status).toBe(201);

  // A window two days ahead (free cancellation: more than 24 h before it starts).
  const day = Math.floor(Date.now() / 86_400_000) * 86_400;
  const window = { from: formatInstant(day + 2 * 86_400), to: formatInstant(day + 2 * 86_400 + 3_600) };

  // search → on_search: our battery among the offers, with its free capacity and prices from the storage tags.
  const search = await bap('POST', '/searches', {
    latitudeMicro: 52_500_000,
    longitudeMicro: 13_400_000,
    radiusM: 10_000,
    minFreeWh: 4_000,
    ...window,
  });
  expect(search.status).toBe(202);
  const tx = search.body.transactionId as string;
  await callback(tx, 'on_search', search.body.messageIds[0]);
  const offer = await eventually(async () => ((await view(tx)).offers as JsonAnswer[]).find((o) => o.batteryId === batteryId), 10_000, 200);
  expect(offer).toMatchObject({
    bppId: 'community.gridledger.local',
    providerId: p.participantId,
    freeWh: 10_000,
    storedPriceMicrosPerKwh: 50_000,
  });
  const order = { bppId: offer.bppId, batteryId, reservedWh: 4_000, ...window };

  // select → on_select's quote: reservation fee floor(4,000 × 3,600 × 240,000 / 86,400,000) = 40,000, escrow 40,000 + 200,000.
  const quote = await bap('POST', `/transactions/${tx}/quotes`, order);
  expect(quote.status).toBe(202);
  const quoted = await callback(tx, 'on_select', quote.body.messageId);
  expect(quoted.message.order.quote.price).toEqual({ currency: 'CREDIT', value: '0.240000' });

  // An unknown battery: on_select carries Beckn's 30004 (item not found).
  const unknown = await bap('POST', `/transactions/${tx}/quotes`, { ...order, batteryId: uid('nobat') });
  const refused = await eventually(
    async () => {
      const v = await view(tx);
      return (v.callbacks as JsonAnswer[]).find((c) => c.messageId === unknown.body.messageId);
    },
    20_000,
    200,
  );
  expect(refused.error.code).toBe('30004');
  expect(refused.error.message).toMatch(/^BATTERY_NOT_FOUND/);

  // confirm → a storage contract on the ledger, the buyer's credits in escrow.
  const confirm = await bap('POST', `/transactions/${tx}/contracts`, { ...order, buyerId: buyer.participantId });
  expect(confirm.status).toBe(202);
  const confirmed = await callback(tx, 'on_confirm', confirm.body.messageId);
  expect(confirmed.error).toBeUndefined();
  const contractId = confirmed.message.order.id as string;
  expect(confirmed.message.order).toMatchObject({ status: 'ACTIVE', payments: [{ status: 'PAID', params: { amount: '0.240000' } }] });
  const onLedger = await api('community', operatorKey(), 'GET', `/storage/contracts/${contractId}`);
  expect(onLedger.body).toMatchObject({
    buyerId: buyer.participantId,
    batteryId,
    reservedWh: 4_000,
    escrowMicros: 240_000,
    status: 'confirmed',
  });
  expect(await account(buyer.participantId)).toMatchObject({ availableMicros: DEPOSIT - 240_000, escrowMicros: 240_000 });

  // status → on_status with the contract.
  const status = await bap('POST', `/transactions/${tx}/status`, { bppId: offer.bppId, orderId: contractId });
  const told = await callback(tx, 'on_status', status.body.messageId);
  expect(told.message.order).toMatchObject({ id: contractId, fulfillments: [{ state: { descriptor: { code: 'CONFIRMED' } } }] });

  // cancel → on_cancel, the whole escrow back (more than 24 h ahead).
  const cancel = await bap('POST', `/transactions/${tx}/cancellation`, { bppId: offer.bppId, orderId: contractId });
  const cancelled = await callback(tx, 'on_cancel', cancel.body.messageId);
  expect(cancelled.message.order.status).toBe('CANCELLED');
  expect(await account(buyer.participantId)).toMatchObject({ availableMicros: DEPOSIT, escrowMicros: 0 });

  // A contract cancelled outside Beckn (the buyer at the REST API): the BAP hears of it unasked, within 5 s.
  const search2 = await bap('POST', '/searches', window);
  const tx2 = search2.body.transactionId as string;
  await callback(tx2, 'on_search', search2.body.messageIds[0]);
  const confirm2 = await bap('POST', `/transactions/${tx2}/contracts`, { ...order, buyerId: buyer.participantId });
  const second = (await callback(tx2, 'on_confirm', confirm2.body.messageId)).message.order.id as string;
  const byRest = await api('community', buyer.apiKey, 'POST', `/storage/contracts/${second}/cancellation`);
  expect(byRest.status).toBe(200);
  const changedAt = Date.now();
  const unasked = await callback(tx2, 'on_status', undefined, 5_000);
  expect(Date.now() - changedAt).toBeLessThan(5_000);
  expect(unasked.message.order).toMatchObject({ id: second, status: 'CANCELLED' });
});

it('answers a replayed or tampered message 401 NACK', async () => {
  const state = stateDir();
  const signer = {
    subscriberId: 'utility.gridledger.local',
    uniqueKeyId: 'utility-k1',
    privateKey: ed25519PrivateKey(readFileSync(join(state, 'beckn', 'utility', 'signing.key'), 'utf8').trim()),
  };
  const bpp = `${profile().orgs.community.gateway.url}/beckn`;
  const body = Buffer.from(
    JSON.stringify({
      context: {
        domain: 'deg:energy-storage',
        action: 'search',
        version: '1.1.0',
        bap_id: signer.subscriberId,
        bap_uri: `${profile().orgs.utility.gateway.url}/beckn`,
        transaction_id: randomUUID(),
        message_id: randomUUID(),
        timestamp: new Date().toISOString(),
        ttl: 'PT30S',
      },
      message: { intent: { item: { descriptor: { code: 'battery-storage' } } } },
    }),
  );
  const now = Math.floor(Date.now() / 1000);
  const authorization = signMessage(body, signer, now, now + 60);
  const post = async (b: Buffer) => {
    const res = await fetch(`${bpp}/search`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: b });
    return { status: res.status, body: (await res.json()) as JsonAnswer };
  };
  const first = await post(body);
  expect([first.status, first.body.message.ack.status]).toEqual([200, 'ACK']);
  const replayed = await post(body);
  const replayedBody = replayed.body;
  expect([replayed.status, replayedBody.message.ack.status]).toEqual([401, 'NACK']);
  expect(replayedBody.error.message).toMatch(/^BECKN_SIGNATURE_REPLAYED/);
  const tampered = await post(Buffer.from(body.toString().replace('battery-storage', 'battery-storagE')));
  const tamperedBody = tampered.body;
  expect([tampered.status, tamperedBody.message.ack.status]).toEqual([401, 'NACK']);
  expect(tamperedBody.error.message).toMatch(/^BECKN_SIGNATURE_INVALID/);
});
