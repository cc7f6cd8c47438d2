/**
 * Peer-to-peer offers and owner mandates on the real network (docs/p2p.md): a seller's offer taken
 * by ten buyers at once (each request its own key: all recorded, none lost to an MVCC conflict),
 * nine accepted in one transaction with their escrow and one refused with a reason; mandates
 * refused by the chaincode rule by rule; a cancelled offer and one expired at its gate; then the
 * accepted trades settled as contracted positions by the contract settlement, to the micro-unit.
 *
 * @metering-interval 60
 * @metering-late-window 2160000
 */
import { formatInstant, UNLIMITED_MANDATE } from '@gridledger/core';
import { marketParams, Trader, trader, useMeteringInterval } from './market-support';
import { api, closeWindow, credentials, operatorKey, signReading, sleep, uid } from './support';

const C = uid('p2p');
const LEN = 60;
const params = marketParams(LEN);
const DEPOSIT = 1_000_000;
const waitUntil = async (epochSeconds: number) => {
  const ms = epochSeconds * 1000 - Date.now();
  if (ms > 0) await sleep(ms);
};
const as = (t: Trader, method: string, path: string, body?: unknown) => api('community', t.apiKey, method, path, body);
const op = (method: string, path: string) => api('community', operatorKey(), method, path);
const codeOf = (r: { status: number; body: { error?: { code: string } } }) => [r.status, r.body.error?.code];

useMeteringInterval(LEN);

it(
  'an offer requested by ten buyers at once, nine accepted in one batch and one refused; mandates, cancellation and expiry refused ' +
    'with their codes; the trades settled as contracted positions',
  async () => {
    expect((await api('community', operatorKey(), 'PATCH', `/markets/${C}/params`, params)).status).toBe(200);
    const [s1, ...buyers] = await Promise.all(['s1', ...Array.from({ length: 10 }, (_, i) => `b${i}`)].map((n) => trader(n, C)));
    const deposits = await Promise.all(
      buyers.map((b) =>
        api('utility', credentials().apiKeys.utility.utility, 'POST', '/credits/deposits', {
          participantId: b.participantId,
          amountMicros: DEPOSIT,
          reference: `dep-${b.participantId}`,
        }),
      ),
    );
    expect(deposits.map((d) => d.status)).toEqual(buyers.map(() => 201));

    // The delivery interval: its gate at least 35 s away, time for the offer's steps on a loaded machine.
    const I = Math.ceil((Date.now() / 1000 + 45) / LEN) * LEN;
    const offer = { communityId: C, meterId: s1.meterId, intervalStart: formatInstant(I), minEnergyWh: 100, priceMicrosPerKwh: 120_000 };
    const created = await as(s1, 'POST', '/p2p/offers', { clientOfferId: 'o1', ...offer, energyWh: 3000 });
    expect(created.status).toBe(201);
    expect(created.body.offer).toMatchObject({ acceptedWh: 0, status: 'open', expiresAt: formatInstant(I - 10) });
    const offerId = created.body.offer.offerId as string;
    expect((await as(s1, 'POST', '/p2p/offers', { clientOfferId: 'o1', ...offer, energyWh: 3000 })).status).toBe(200);
    const path = `/p2p/offers/${offerId}`;

    // Ten buyers at once: every request is recorded (201), none refused by a conflict on the offer.
    const requests = await Promise.all(buyers.map((b) => as(b, 'POST', `${path}/requests`, { clientRequestId: 'r1', energyWh: 200 })));
    expect(requests.map((r) => r.status)).toEqual(buyers.map(() => 201));
    const ids = requests.map((r) => r.body.request.requestId as string);
    expect(codeOf(await as(buyers[0], 'POST', `${path}/requests`, { clientRequestId: 'r2', energyWh: 50 }))).toEqual([
      422,
      'P2P_BELOW_MINIMUM',
    ]);
    expect((await as(s1, 'GET', `${path}/requests`)).body.items).toHaveLength(10);
    expect((await as(buyers[1], 'GET', `${path}/requests`)).body.items.map((r: { requestId: string }) => r.requestId)).toEqual([ids[1]]);
    expect(codeOf(await as(buyers[0], 'POST', `${path}/acceptances`, { requestIds: ids }))).toEqual([403, 'ACCESS_DENIED']);

    // Nine accepted in one transaction, the tenth refused with a reason: its acceptance later is a state conflict.
    const accepted = await as(s1, 'POST', `${path}/acceptances`, { requestIds: ids.slice(0, 9) });
    expect(accepted.status).toBe(200);
    expect(accepted.body.offer.acceptedWh).toBe(1800);
    const contractIds = accepted.body.requests.map((r: { contractId: string }) => r.contractId);
    expect((await as(s1, 'POST', `${path}/acceptances`, { requestIds: ids.slice(0, 9) })).body.replayed).toBe(true);
    const refused = await as(s1, 'POST', `${path}/refusals`, { requestIds: [ids[9]], reason: 'price' });
    expect(refused.body.requests[0]).toMatchObject({ status: 'refused', reason: 'price' });
    expect(codeOf(await as(s1, 'POST', `${path}/acceptances`, { requestIds: [ids[9]] }))).toEqual([409, 'P2P_STATE_CONFLICT']);
    // 200 Wh × (120,000 + 10,000 fee) µ/kWh = 26,000 µ escrowed by each accepted buyer.
    expect((await as(buyers[0], 'GET', `/credits/${buyers[0].participantId}`)).body).toMatchObject({
      availableMicros: DEPOSIT - 26_000,
      escrowMicros: 26_000,
    });
    expect((await as(buyers[0], 'GET', `/contracts/${contractIds[0]}`)).body).toMatchObject({ status: 'active', p2p: { offerId } });

    // Mandates, set by each owner, refused by the chaincode rule by rule (in the next interval, while this one is delivered).
    const b9 = buyers[9];
    const next = { ...offer, intervalStart: formatInstant(I + LEN) };
    expect(codeOf(await as(b9, 'PUT', `/p2p/mandates/${s1.participantId}`, UNLIMITED_MANDATE))).toEqual([403, 'ACCESS_DENIED']);
    expect(
      (await as(b9, 'PUT', `/p2p/mandates/${b9.participantId}`, { ...UNLIMITED_MANDATE, maxBuyPriceMicrosPerKwh: 100_000 })).status,
    ).toBe(200);
    expect(codeOf(await as(b9, 'POST', `${path}/requests`, { clientRequestId: 'r3', energyWh: 200 }))).toEqual([
      422,
      'MANDATE_PRICE_ABOVE_MAXIMUM',
    ]);
    const mandate = { ...UNLIMITED_MANDATE, minSellPriceMicrosPerKwh: 130_000, maxEnergyWhPerInterval: 300 };
    expect((await as(s1, 'PUT', `/p2p/mandates/${s1.participantId}`, mandate)).status).toBe(200);
    expect(codeOf(await as(s1, 'POST', '/p2p/offers', { clientOfferId: 'o2', ...next, energyWh: 200 }))).toEqual([
      422,
      'MANDATE_PRICE_BELOW_MINIMUM',
    ]);
    const second = { clientOfferId: 'o3', ...next, priceMicrosPerKwh: 130_000 };
    expect(codeOf(await as(s1, 'POST', '/p2p/offers', { ...second, energyWh: 400 }))).toEqual([422, 'MANDATE_ENERGY_EXCEEDED']);
    const o3 = await as(s1, 'POST', '/p2p/offers', { ...second, energyWh: 200 });
    expect(o3.status).toBe(201);
    const path3 = `/p2p/offers/${o3.body.offer.offerId}`;
    const late = await as(buyers[0], 'POST', `${path3}/requests`, { clientRequestId: 'r1', energyWh: 200 });
    expect(late.status).toBe(201);
    // The owner lowers its limit before the agent accepts: the acceptance is refused, whoever signs it.
    expect((await as(s1, 'PUT', `/p2p/mandates/${s1.participantId}`, { ...mandate, maxEnergyWhPerInterval: 100 })).status).toBe(200);
    expect(codeOf(await as(s1, 'POST', `${path3}/acceptances`, { requestIds: [late.body.request.requestId] }))).toEqual([
      422,
      'MANDATE_ENERGY_EXCEEDED',
    ]);
    expect((await as(s1, 'DELETE', path3)).body.offer.status).toBe('cancelled');
    expect(codeOf(await as(buyers[1], 'POST', `${path3}/requests`, { clientRequestId: 'r1', energyWh: 200 }))).toEqual([
      409,
      'P2P_STATE_CONFLICT',
    ]);

    // The gate closes: the offer has expired; the interval closes and clears with no spot order.
    await waitUntil(I - params.gateClosureSeconds);
    expect(codeOf(await as(buyers[1], 'POST', `${path}/requests`, { clientRequestId: 'r4', energyWh: 200 }))).toEqual([
      409,
      'P2P_OFFER_EXPIRED',
    ]);
    expect((await as(buyers[1], 'GET', path)).body.phase).toBe('expired');
    const interval = `/markets/${C}/intervals/${formatInstant(I)}`;
    expect((await op('POST', `${interval}/close`)).status).toBe(200);
    expect((await op('POST', `${interval}/clear`)).body).toMatchObject({ volumeWh: 0 });

    // Delivery: s1 exports the 1,800 Wh it sold, each accepted buyer uses its 200 Wh.
    await waitUntil(I + LEN + 1);
    const reading = (t: Trader, importWh: number, exportWh: number) =>
      signReading(
        {
          meterId: t.meterId,
          intervalStart: formatInstant(I),
          seq: 1,
          importWh,
          exportWh,
          importRegisterWh: importWh,
          exportRegisterWh: exportWh,
        },
        t.privateKeyPem,
      );
    const sent = await api('community', operatorKey(), 'POST', '/readings', {
      readings: [reading(s1, 0, 1800), ...buyers.slice(0, 9).map((b) => reading(b, 200, 0))],
    });
    expect(sent.body.results.map((r: { status: string }) => r.status)).toEqual(Array(10).fill('accepted'));
    expect((await closeWindow(formatInstant(I), C)).status).toBe(200);
    const settled = await op('POST', `${interval}/contract-settlement`);
    expect(settled.status).toBe(200);
    expect([...settled.body.contractIds].sort()).toEqual([...contractIds].sort());
    const parties = Object.fromEntries(
      settled.body.parties.map((p: { participantId: string; deviationWh: number; netMicros: number }) => [
        p.participantId,
        [p.deviationWh, p.netMicros],
      ]),
    );
    // Each trade: 200 Wh at 120,000 µ/kWh = 24,000 to the seller and 2,000 grid fee; delivered exactly, no deviation.
    expect(parties).toEqual({
      [s1.participantId]: [0, 9 * 24_000],
      ...Object.fromEntries(buyers.slice(0, 9).map((b) => [b.participantId, [0, -26_000]])),
    });
    expect((await op('POST', `${interval}/settle`)).status).toBe(200);
    expect((await as(s1, 'GET', `/credits/${s1.participantId}`)).body).toMatchObject({ availableMicros: 216_000, escrowMicros: 0 });
    const after = await Promise.all(buyers.map((b) => as(b, 'GET', `/credits/${b.participantId}`)));
    expect(after.map((a) => [a.body.availableMicros, a.body.escrowMicros])).toEqual([
      ...Array(9).fill([DEPOSIT - 26_000, 0]),
      [DEPOSIT, 0],
    ]);
    const tokens = await Promise.all(buyers.slice(0, 9).map((b) => as(b, 'GET', `/participants/${b.participantId}/tokens`)));
    expect(tokens.map((t) => t.body.balanceWh)).toEqual(Array(9).fill(200));
  },
  300_000,
);
