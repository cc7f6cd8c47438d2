/**
 * Storage contracts on the real network (docs/storage.md): a battery provider registers a battery
 * with its own meter; buyers search by zone, window, price and radius; a contract for the metering
 * interval in progress is settled from the battery meter's reading with a payment out of escrow
 * computed by hand; four concurrent confirms for a window that holds two: exactly two succeed, the
 * others are refused STORAGE_CAPACITY_EXCEEDED; cancellations refund by the documented rule; bad
 * input gets its stable codes.
 *
 * @metering-interval 60
 * @metering-late-window 2160000
 */
import { formatInstant } from '@gridledger/core';
import { trader, Trader, useMeteringInterval } from './market-support';
import { battery as batteryOf, provider as storageProvider, Provider } from './storage-support';
import { api, credentials, JsonAnswer, operatorKey, signReading, sleep, uid } from './support';

const C = uid('sto');
const LEN = 60;
const utilityKey = () => credentials().apiKeys.utility.utility;
const op = (method: string, path: string, body?: unknown) => api('community', operatorKey(), method, path, body);
const as = (key: string, method: string, path: string, body?: unknown) => api('community', key, method, path, body);
const account = async (id: string) => (await op('GET', `/credits/${id}`)).body as { availableMicros: number; escrowMicros: number };
const DEPOSIT = 1_000_000;
const confirm = (buyer: Trader, clientContractId: string, batteryId: string, reservedWh: number, w: { from: string; to: string }) =>
  as(buyer.apiKey, 'POST', '/storage/contracts', { clientContractId, batteryId, reservedWh, ...w });

useMeteringInterval(LEN);

const provider = () => storageProvider(C);
const battery = (p: Provider, batteryId: string, more: Record<string, unknown> = {}) => batteryOf(p, C, batteryId, more);

it('registers and searches batteries, never overbooks under concurrent confirms, cancels and settles from escrow', async () => {
  const [p, buyers] = await Promise.all([provider(), Promise.all(['b1', 'b2', 'b3', 'b4', 'b5'].map((n) => trader(n, C)))]);
  await Promise.all(
    buyers.map(async (b) => {
      const deposit = { participantId: b.participantId, amountMicros: DEPOSIT, reference: uid('dep') };
      expect((await api('utility', utilityKey(), 'POST', '/credits/deposits', deposit)).status).toBe(201);
    }),
  );
  const [b1, b2, b3, b4, stranger] = buyers as [Trader, Trader, Trader, Trader, Trader];

  // The contract to settle: the metering interval in progress (the next one when under 8 s are left to confirm it).
  const now = Math.floor(Date.now() / 1000);
  const from = now - (now % LEN) + (now % LEN > LEN - 8 ? LEN : 0);
  const window = { from: formatInstant(from), to: formatInstant(from + LEN) };

  // Registration: created, replayed, refused.
  const b1Id = uid('bat');
  const registered = await as(p.apiKey, 'POST', '/batteries', battery(p, b1Id));
  expect(registered.status).toBe(201);
  expect(registered.body.battery).toMatchObject({ batteryId: b1Id, providerId: p.participantId, capacityWh: 10_000 });
  expect((await as(p.apiKey, 'POST', '/batteries', battery(p, b1Id))).body.replayed).toBe(true);
  const taken = await as(p.apiKey, 'POST', '/batteries', battery(p, b1Id, { capacityWh: 20_000 }));
  expect([taken.status, taken.body.error.code]).toEqual([409, 'BATTERY_EXISTS']);
  const zero = await as(p.apiKey, 'POST', '/batteries', battery(p, uid('bat'), { capacityWh: 0 }));
  expect([zero.status, zero.body.error.code, zero.body.error.details.field]).toEqual([400, 'STORAGE_INPUT_INVALID', 'capacityWh']);
  const byProsumer = await as(b1.apiKey, 'POST', '/batteries', battery(p, uid('bat')));
  expect([byProsumer.status, byProsumer.body.error.code]).toEqual([403, 'ACCESS_DENIED']);
  // A second battery of the provider, far away (Munich) and dearer, on the same meter.
  const farId = uid('bat');
  const far = battery(p, farId, { latitudeMicro: 48_137_000, longitudeMicro: 11_575_000, storedPriceMicrosPerKwh: 90_000 });
  expect((await as(p.apiKey, 'POST', '/batteries', far)).status).toBe(201);

  // The contract to settle: 4,000 Wh over one 60 s interval.
  const s = await confirm(b1, 'settle', b1Id, 4_000, window);
  expect(s.status).toBe(201);
  // Reservation fee: floor(4,000 Wh × 60 s × 240,000 µ/kWh·day / (1,000 × 86,400)) = 666; storage fee of 4,000 Wh at 50,000 µ/kWh: 200,000.
  expect(s.body.contract).toMatchObject({ reservationFeeMicros: 666, maxStorageFeeMicros: 200_000, escrowMicros: 200_666 });
  const contractId = s.body.contract.contractId as string;
  expect(await account(b1.participantId)).toMatchObject({ availableMicros: DEPOSIT - 200_666, escrowMicros: 200_666 });
  const quote = await as(b2.apiKey, 'GET', `/storage/quote?batteryId=${b1Id}&reservedWh=4000&from=${window.from}&to=${window.to}`);
  expect(quote.body).toMatchObject({ freeWh: 6_000, escrowMicros: 200_666 });

  // Search: zone and window, radius from a point in Berlin, price.
  const inWindow = await as(b2.apiKey, 'GET', `/storage/offers?communityId=${C}&zone=z1&from=${window.from}&to=${window.to}`);
  // No point given: cheaper first.
  expect(inWindow.body.hits.map((h: JsonAnswer) => [h.battery.batteryId, h.freeWh])).toEqual([
    [b1Id, 6_000],
    [farId, 10_000],
  ]);
  const near = await as(b2.apiKey, 'GET', `/storage/offers?communityId=${C}&latitudeMicro=52500000&longitudeMicro=13400000&radiusM=10000`);
  expect(near.body.hits.map((h: JsonAnswer) => h.battery.batteryId)).toEqual([b1Id]);
  expect(near.body.hits[0].distanceM).toBeGreaterThan(2_000);
  expect(near.body.hits[0].distanceM).toBeLessThan(2_500);
  const cheap = await as(b2.apiKey, 'GET', `/storage/offers?communityId=${C}&maxStoredPriceMicrosPerKwh=60000&minFreeWh=7000`);
  expect(cheap.body.hits.map((h: JsonAnswer) => h.battery.batteryId)).toEqual([b1Id]);

  // Four concurrent confirms of 4,000 Wh for a later window of the 10,000 Wh battery: exactly two fit.
  const later = { from: formatInstant(from + 3_600), to: formatInstant(from + 7_200) };
  const race = await Promise.all([b2, b3, b4, stranger].map((b) => confirm(b, 'race', b1Id, 4_000, later)));
  const won = race.filter((r) => r.status === 201);
  expect(won).toHaveLength(2);
  expect(race.filter((r) => r.status !== 201).map((r) => [r.status, r.body.error.code])).toEqual([
    [409, 'STORAGE_CAPACITY_EXCEEDED'],
    [409, 'STORAGE_CAPACITY_EXCEEDED'],
  ]);
  const free = await as(b2.apiKey, 'GET', `/storage/offers?communityId=${C}&zone=z1&from=${later.from}&to=${later.to}`);
  expect(free.body.hits.find((h: JsonAnswer) => h.battery.batteryId === b1Id).freeWh).toBe(2_000);

  // Cancellation by the buyer an hour ahead (under 24 h): half the reservation fee to the provider.
  // Fee: floor(4,000 × 3,600 × 240,000 / 86,400,000) = 40,000; escrow 240,000; refund 220,000.
  const [first, second] = won.map((r) => r.body.contract as JsonAnswer);
  const buyerOf = (c: JsonAnswer) => buyers.find((b) => b.participantId === c.buyerId)!;
  expect(first).toMatchObject({ reservationFeeMicros: 40_000, escrowMicros: 240_000 });
  const providerBefore = await account(p.participantId);
  const cancelled = await as(buyerOf(first).apiKey, 'POST', `/storage/contracts/${first.contractId}/cancellation`);
  expect(cancelled.body.contract).toMatchObject({
    status: 'cancelled',
    cancellation: { by: 'buyer', refundMicros: 220_000, feeMicros: 20_000 },
  });
  const otherBuyer = buyerOf(second);
  // The provider cancels the other: everything back.
  const byProvider = await as(p.apiKey, 'POST', `/storage/contracts/${second.contractId}/cancellation`);
  expect(byProvider.body.contract.cancellation).toMatchObject({ by: 'provider', refundMicros: 240_000, feeMicros: 0 });
  expect((await account(p.participantId)).availableMicros - providerBefore.availableMicros).toBe(20_000);
  expect(await account(otherBuyer.participantId)).toMatchObject({ availableMicros: DEPOSIT, escrowMicros: 0 });
  // The freed capacity takes a new reservation.
  const again = await confirm(b3, 'again', b1Id, 8_000, later);
  expect(again.status).toBe(201);

  // Each party lists its contracts with their status now: the provider all four, a buyer its own; nobody else's.
  const listed = async (key: string, id: string) => (await as(key, 'GET', `/participants/${id}/storage-contracts`)).body;
  const byId = (page: JsonAnswer) => Object.fromEntries(page.items.map((c: JsonAnswer) => [c.contractId, c.status]));
  const providers = byId(await listed(p.apiKey, p.participantId));
  expect(Object.keys(providers)).toEqual([contractId, first.contractId, second.contractId, again.body.contract.contractId].sort());
  expect([providers[first.contractId], providers[second.contractId], providers[again.body.contract.contractId]]).toEqual([
    'cancelled',
    'cancelled',
    'confirmed',
  ]);
  expect(byId(await listed(b3.apiKey, b3.participantId))[again.body.contract.contractId]).toBe('confirmed');
  const othersList = await as(stranger.apiKey, 'GET', `/participants/${b1.participantId}/storage-contracts`);
  expect([othersList.status, othersList.body.error.code]).toEqual([403, 'ACCESS_DENIED']);
  expect(Object.keys(byId(await listed(operatorKey(), b1.participantId)))).toEqual([contractId]);

  // Refusals: a stranger, a contract in progress, too early to settle, bad input.
  const seen = await as(stranger.apiKey, 'GET', `/storage/contracts/${contractId}`);
  expect([seen.status, seen.body.error.code]).toEqual([403, 'ACCESS_DENIED']);
  const early = await op('POST', `/storage/contracts/${contractId}/settlement`);
  expect([early.status, early.body.error.code]).toEqual([409, 'STORAGE_CONTRACT_STATE_CONFLICT']);
  const tooBig = await confirm(b2, 'big', b1Id, 10_001, later);
  expect([tooBig.status, tooBig.body.error.code, tooBig.body.error.details.field]).toEqual([400, 'STORAGE_INPUT_INVALID', 'reservedWh']);
  const offGrid = await confirm(b2, 'off', b1Id, 1, { from: formatInstant(from + 3_630), to: later.to });
  expect([offGrid.status, offGrid.body.error.code]).toEqual([400, 'STORAGE_INPUT_INVALID']);
  const past = await confirm(b2, 'past', b1Id, 1, { from: formatInstant(from - 600), to: window.to });
  expect([past.status, past.body.error.code]).toEqual([422, 'STORAGE_WINDOW_UNAVAILABLE']);
  const unknown = await confirm(b2, 'nob', uid('nob'), 1, later);
  expect([unknown.status, unknown.body.error.code]).toEqual([404, 'BATTERY_NOT_FOUND']);
  const reused = await confirm(b1, 'settle', b1Id, 1, window);
  expect([reused.status, reused.body.error.code]).toEqual([409, 'CLIENT_ID_REUSED']);
  const soc = await as(p.apiKey, 'POST', `/batteries/${b1Id}/state-of-charge`, { socWh: 2_500 });
  expect(soc.body).toMatchObject({ socWh: 2_500, socPpm: 250_000 });
  expect((await as(b2.apiKey, 'GET', `/batteries/${b1Id}`)).body.stateOfCharge.socWh).toBe(2_500);

  // Operation and settlement: the battery took 3,000 Wh and gave back 2,000 Wh in the window.
  while (Date.now() / 1000 < from + LEN + 1) await sleep(500);
  const status = await as(b1.apiKey, 'GET', `/storage/contracts/${contractId}`);
  expect(status.body.status).toBe('active');
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
  const submitted = await op('POST', '/readings', { readings: [reading] });
  expect(submitted.body.results.map((r: JsonAnswer) => r.status)).toEqual(['accepted']);
  const providerAtSettlement = await account(p.participantId);
  // Endorsed by Community and Utility (the meter's import is private): the Utility peer may not hold the reading yet (503).
  let settled = await op('POST', `/storage/contracts/${contractId}/settlement`);
  for (let tries = 0; settled.status === 503 && tries < 5; tries++) {
    await sleep(1_000);
    settled = await op('POST', `/storage/contracts/${contractId}/settlement`);
  }
  expect(settled.status).toBe(200);
  // Stored 3,000 Wh: fee 150,000; owed back floor(3,000 × 0.9) = 2,700, out 2,000: 700 Wh undelivered, penalty 70,000.
  // Payment 666 + 150,000 − 70,000 = 80,666; refund 200,666 − 80,666 = 120,000.
  expect(settled.body.contract).toMatchObject({
    status: 'completed',
    settlement: {
      inWh: 3_000,
      outWh: 2_000,
      storedWh: 3_000,
      owedOutWh: 2_700,
      undeliveredWh: 700,
      efficiencyPpm: 666_666,
      storageFeeMicros: 150_000,
      penaltyMicros: 70_000,
      paymentMicros: 80_666,
      refundMicros: 120_000,
      missingIntervals: [],
    },
  });
  expect((await account(p.participantId)).availableMicros - providerAtSettlement.availableMicros).toBe(80_666);
  expect(await account(b1.participantId)).toMatchObject({ availableMicros: DEPOSIT - 80_666, escrowMicros: 0 });
  expect((await op('POST', `/storage/contracts/${contractId}/settlement`)).body.replayed).toBe(true);
  const late = await as(b1.apiKey, 'POST', `/storage/contracts/${contractId}/cancellation`);
  expect([late.status, late.body.error.code]).toEqual([409, 'STORAGE_CONTRACT_STATE_CONFLICT']);
}, 300_000);
