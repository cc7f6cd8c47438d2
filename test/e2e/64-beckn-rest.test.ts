/**
 * A storage contract over Beckn to its end, on the real network (docs/beckn.md, "The invoice"): the
 * Utility's BAP contracts a battery of the Community's BPP for the metering interval in progress;
 * the battery publishes its state of charge over MQTT with its own credential (nobody else may read
 * the topic), the device bridge records it and on_status shows it; after the window the battery meter's reading is
 * committed and the contract settled at the REST API, and the BAP is told unasked, with the
 * contract's invoice built from the ledger's settlement record (billing, the final quote whose
 * breakup adds up to the provider's payment, the escrow paid by the settling transaction) and the
 * energy in and out.
 *
 * @metering-interval 60
 * @metering-late-window 2160000
 */
import mqtt from 'mqtt';
import { formatInstant } from '@gridledger/core';
import { batterySocTopic, type MqttCredential } from '@gridledger/network';
import { trader, useMeteringInterval } from './market-support';
import { battery, provider } from './storage-support';
import {
  api,
  credentials,
  eventually,
  householdCredential,
  JsonAnswer,
  mosquittoPub,
  mqttOptions,
  operatorKey,
  profile,
  signReading,
  sleep,
  uid,
} from './support';

useMeteringInterval(60);

const LEN = 60;
const utilityKey = () => credentials().apiKeys.utility.utility;
const op = (method: string, path: string, body?: unknown) => api('community', operatorKey(), method, path, body);
const bap = (method: string, path: string, body?: unknown) => api('utility', utilityKey(), method, `/beckn/storage${path}`, body);
const view = async (tx: string) => (await bap('GET', `/transactions/${tx}`)).body;
const callbackOf = (tx: string, pick: (c: JsonAnswer) => boolean, ms = 20_000) =>
  eventually(async () => ((await view(tx)).callbacks as JsonAnswer[]).find(pick), ms, 200);
const stateTags = (order: JsonAnswer): Record<string, string> =>
  Object.fromEntries(
    (order.fulfillments[0].tags ?? [])
      .filter((g: JsonAnswer) => g.descriptor.code === 'storage-state')
      .flatMap((g: JsonAnswer) => g.list.map((t: JsonAnswer) => [t.descriptor.code, t.value])),
  );

it('contracts a battery over Beckn, shows its state of charge, and bills the settled contract in on_status', async () => {
  // The platform's community: its device bridge relays batteries' state of charge (it serves one community).
  const C = profile().mqtt.communityId;
  const [p, buyer] = await Promise.all([provider(C), trader('bkrb', C)]);
  const deposit = { participantId: buyer.participantId, amountMicros: 1_000_000, reference: uid('dep') };
  expect((await api('utility', utilityKey(), 'POST', '/credits/deposits', deposit)).status).toBe(201);
  const batteryId = uid('bat');
  expect((await api('community', p.apiKey, 'POST', '/batteries', battery(p, C, batteryId))).status).toBe(201);

  // The metering interval in progress (the next one when under 20 s are left: search and confirm go over Beckn).
  const now = Math.floor(Date.now() / 1000);
  const from = now - (now % LEN) + (now % LEN > LEN - 20 ? LEN : 0);
  const window = { from: formatInstant(from), to: formatInstant(from + LEN) };
  const search = await bap('POST', '/searches', window);
  const tx = search.body.transactionId as string;
  const order = { bppId: 'community.gridledger.local', batteryId, reservedWh: 4_000, ...window, buyerId: buyer.participantId };
  const confirm = await bap('POST', `/transactions/${tx}/contracts`, order);
  const confirmed = await callbackOf(tx, (c) => c.action === 'on_confirm' && c.messageId === confirm.body.messageId);
  expect(confirmed.error).toBeUndefined();
  const contractId = confirmed.message.order.id as string;
  // 4,000 Wh for 60 s: reservation fee 666, storage fee at most 200,000 (docs/storage.md's worked example).
  expect(confirmed.message.order.quote.price.value).toBe('0.200666');

  // The battery's own broker credential: it publishes its state of charge; a household may not even subscribe to the topic.
  const issued = await api('community', p.apiKey, 'POST', `/batteries/${batteryId}/mqtt-credential`);
  expect([issued.status, issued.body.username]).toEqual([201, `battery:${batteryId}`]);
  expect((await api('community', buyer.apiKey, 'POST', `/batteries/${batteryId}/mqtt-credential`)).status).toBe(403);
  const topic = batterySocTopic(C, batteryId);
  const household = await mqtt.connectAsync(profile().mqtt.url, {
    ...mqttOptions(await householdCredential(buyer), { protocolVersion: 5 }),
    reconnectPeriod: 0,
  });
  try {
    const granted = await household.subscribeAsync(topic, { qos: 1 }).then(
      (g) => g[0]!.qos,
      (e: { packet?: { granted?: number[] } }) => e.packet?.granted?.[0],
    );
    expect(granted).toBe(135); // not authorised
  } finally {
    await household.endAsync();
  }
  mosquittoPub(issued.body as MqttCredential, topic, JSON.stringify({ socWh: 2_500 }));
  const recorded = await eventually(async () => {
    const b = (await api('community', p.apiKey, 'GET', `/batteries/${batteryId}`)).body;
    return b.stateOfCharge?.socWh === 2_500 ? b.stateOfCharge : undefined;
  }, 20_000);
  expect(recorded.reportedBy).not.toBe(p.participantId); // the bridge recorded it, not the provider
  const asked = await bap('POST', `/transactions/${tx}/status`, { bppId: order.bppId, orderId: contractId });
  const status = await callbackOf(tx, (c) => c.action === 'on_status' && c.messageId === asked.body.messageId);
  expect(stateTags(status.message.order)).toMatchObject({ 'soc-wh': '2500', 'soc-ppm': '250000' });
  expect(status.message.order.billing).toBeUndefined();

  // After the window: the battery took 3,000 Wh and gave back 2,000 Wh; the operator settles.
  while (Date.now() / 1000 < from + LEN + 1) await sleep(500);
  const reading = signReading(
    {
      meterId: p.meterId,
      intervalStart: window.from,
      seq: 1,
      importWh: 3_000,
      exportWh: 2_000,
      importRegisterWh: 3_000,
      exportRegisterWh: 2_000,
    },
    p.privateKeyPem,
  );
  expect((await op('POST', '/readings', { readings: [reading] })).body.results[0].status).toBe('accepted');
  let settled = await op('POST', `/storage/contracts/${contractId}/settlement`);
  for (let tries = 0; settled.status === 503 && tries < 5; tries++) {
    await sleep(1_000);
    settled = await op('POST', `/storage/contracts/${contractId}/settlement`);
  }
  expect(settled.status).toBe(200);
  const settlement = settled.body.contract.settlement;

  // The BAP is told unasked, with the invoice: 666 + 150,000 − 70,000 (700 Wh not delivered) = 80,666 to the provider.
  const told = await callbackOf(tx, (c) => c.unsolicited && c.message?.order?.status === 'COMPLETE', 15_000);
  const bill = told.message.order;
  expect(bill.billing).toEqual({ name: buyer.participantId, time: { range: { start: window.from, end: window.to } } });
  expect(bill.quote.price).toEqual({ currency: 'CREDIT', value: '0.080666' });
  expect(bill.quote.breakup.map((b: JsonAnswer) => b.price.value)).toEqual(['0.000666', '0.150000', '-0.070000']);
  expect(bill.payments[0]).toMatchObject({
    status: 'PAID',
    params: { amount: '0.200666', transaction_id: settlement.txId },
    time: { timestamp: settlement.settledAt },
  });
  expect(stateTags(bill)).toMatchObject({ 'in-wh': '3000', 'out-wh': '2000', 'soc-wh': '2500' });
  expect(settlement).toMatchObject({ paymentMicros: 80_666, refundMicros: 120_000 });
});
