/**
 * Long-term bilateral contracts on the real network: proposal by the seller, acceptance by the
 * buyer with escrow, then two delivered intervals settled against the closed metering windows'
 * positions: the contract first (its volume taken out of the positions), then the spot market on
 * the rest, with hand-computed figures and tokens; in the second interval the seller's reading is
 * missing, so its estimated position settles money only.
 */
import { formatInstant, SignedReading } from '@gridledger/core';
import { trader, Trader, useMeteringInterval } from './market-support';
import { api, credentials, operatorKey, signReading, sleep, uid } from './support';

const C = uid('kon');
const LEN = 60;
const params = { intervalSeconds: LEN, gateClosureSeconds: 10, openingHorizonSeconds: 3600, feedInMicrosPerKwh: 50_000, retailMicrosPerKwh: 300_000, gridFeeMicrosPerKwh: 10_000, kPpm: 500_000 };
const utilityKey = () => credentials().apiKeys.utility.utility;
const waitUntil = async (epochSeconds: number) => {
  const ms = epochSeconds * 1000 - Date.now();
  if (ms > 0) await sleep(ms);
};
const account = async (t: Trader) => (await api('community', t.apiKey, 'GET', `/credits/${t.participantId}`)).body;
const tokens = async (t: Trader) => (await api('community', t.apiKey, 'GET', `/participants/${t.participantId}/tokens`)).body.balanceWh as number;
const op = (method: string, path: string) => api('community', operatorKey(), method, path);

useMeteringInterval(LEN);

it('a contract proposed by the seller and accepted by the buyer is settled against delivery before the spot market, twice; an estimated seller pays its shortfall and moves no tokens', async () => {
  expect((await api('community', operatorKey(), 'PATCH', `/markets/${C}/params`, params)).status).toBe(200);
  const [s1, b1, b2] = await Promise.all(['s1', 'b1', 'b2'].map((n) => trader(n, C)));
  for (const t of [b1, b2]) expect((await api('utility', utilityKey(), 'POST', '/credits/deposits', { participantId: t.participantId, amountMicros: 1_000_000, reference: `dep-${t.participantId}` })).status).toBe(201);

  // Two delivery intervals starting at least 50 s from now: [I, I + 120 s).
  const I = Math.ceil((Date.now() / 1000 + 50) / LEN) * LEN;
  const hhmm = (s: number) => formatInstant(s).slice(11, 16);
  const day = formatInstant(I).slice(0, 10);
  const terms = { communityId: C, sellerId: s1.participantId, buyerId: b1.participantId, energyWhPerInterval: 500, priceMicrosPerKwh: 120_000, firstDay: day, lastDay: day, dailyFrom: hhmm(I), dailyTo: hhmm(I + 2 * LEN) };
  const proposed = await api('community', s1.apiKey, 'POST', '/contracts', { clientContractId: 'k1', ...terms });
  expect(proposed.status).toBe(201);
  const contractId = proposed.body.contract.contractId as string;
  expect((await api('community', s1.apiKey, 'POST', '/contracts', { clientContractId: 'k1', ...terms })).status).toBe(200);
  const stranger = await api('community', b2.apiKey, 'POST', `/contracts/${contractId}/acceptance`);
  expect([stranger.status, stranger.body.error.code]).toEqual([403, 'ACCESS_DENIED']);
  const accepted = await api('community', b1.apiKey, 'POST', `/contracts/${contractId}/acceptance`);
  expect(accepted.status).toBe(200);
  expect(accepted.body.contract).toMatchObject({ status: 'active', escrowMicros: 130_000 });
  // Two deliveries of 500 Wh × (120,000 + 10,000) µ/kWh.
  expect(await account(b1)).toMatchObject({ availableMicros: 870_000, escrowMicros: 130_000 });

  // s1 also sells 300 Wh spot to b2 in the first interval.
  const order = (t: Trader, side: string, energyWh: number, price: number) =>
    api('community', t.apiKey, 'POST', '/orders', { clientOrderId: 'o1', communityId: C, intervalStart: formatInstant(I), side, energyWh, priceMicrosPerKwh: price });
  expect((await order(s1, 'sell', 300, 100_000)).status).toBe(201);
  expect((await order(b2, 'buy', 300, 200_000)).status).toBe(201);

  const interval = (start: number) => `/markets/${C}/intervals/${formatInstant(start)}`;
  const registers = new Map<string, { importWh: number; exportWh: number }>();
  const reading = (t: Trader, start: number, importWh: number, exportWh: number): SignedReading => {
    const r = registers.get(t.meterId) ?? { importWh: 0, exportWh: 0 };
    r.importWh += importWh;
    r.exportWh += exportWh;
    registers.set(t.meterId, r);
    return signReading({ meterId: t.meterId, intervalStart: formatInstant(start), seq: start === I ? 1 : 2, importWh, exportWh, importRegisterWh: r.importWh, exportRegisterWh: r.exportWh }, t.privateKeyPem);
  };

  // First interval: s1 exports 1,000 Wh, b1 uses 400 of its 500, b2 its 300.
  for (const start of [I, I + LEN]) await waitUntil(start - params.gateClosureSeconds).then(async () => expect((await op('POST', `${interval(start)}/close`)).status).toBe(200));
  expect((await op('POST', `${interval(I)}/clear`)).body).toMatchObject({ priceMicrosPerKwh: 150_000, volumeWh: 300 });
  expect((await op('POST', `${interval(I + LEN)}/clear`)).body).toMatchObject({ volumeWh: 0 });
  await waitUntil(I + LEN + 1);
  const first = await api('community', operatorKey(), 'POST', '/readings', { readings: [reading(s1, I, 0, 1000), reading(b1, I, 400, 0), reading(b2, I, 300, 0)] });
  expect(first.body.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
  const early = await op('POST', `${interval(I)}/contract-settlement`);
  expect([early.status, early.body.error.code]).toEqual([409, 'SETTLEMENT_METERING_INCOMPLETE']);
  expect((await op('POST', `/windows/${formatInstant(I)}/close`)).status).toBe(200);
  // The spot settlement waits for the contract settlement (s1 is in both).
  const spotFirst = await op('POST', `${interval(I)}/settle`);
  expect([spotFirst.status, spotFirst.body.error.code]).toEqual([409, 'SETTLEMENT_METERING_INCOMPLETE']);
  const settled = await op('POST', `${interval(I)}/contract-settlement`);
  expect(settled.status).toBe(200);
  // b1: 60,000 + 5,000 fee for the contract, 100 Wh unused sold back at feed-in (+5,000). s1's deviation is the spot settlement's.
  const parties = Object.fromEntries(settled.body.parties.map((p: { participantId: string; deviationWh: number | null; netMicros: number }) => [p.participantId, [p.deviationWh, p.netMicros]]));
  expect(parties).toEqual({ [b1.participantId]: [100, -60_000], [s1.participantId]: [null, 60_000] });
  expect(settled.body.tokenTransfers).toEqual([expect.objectContaining({ contractId, energyWh: 500, movedWh: 500, undeliveredWh: 0 })]);
  const again = await op('POST', `${interval(I)}/contract-settlement`);
  expect([again.status, again.body.error.code]).toEqual([409, 'INTERVAL_STATE_CONFLICT']);
  const spot = await op('POST', `${interval(I)}/settle`);
  expect(spot.status).toBe(200);
  // s1 for the spot market: 1,000 − 500 = 500 Wh, sold 300: 45,000 + 200 Wh at feed-in (10,000).
  expect(spot.body.participants.find((p: { participantId: string }) => p.participantId === s1.participantId)).toMatchObject({ netWh: 500, deviationWh: 200, netMicros: 55_000 });
  expect(await Promise.all([s1, b1, b2].map(tokens))).toEqual([200, 500, 300]);

  // Second interval: b1 uses its 500 Wh, s1's reading never comes: its position is estimated (export 0).
  await waitUntil(I + 2 * LEN + 1);
  const second = await api('community', operatorKey(), 'POST', '/readings', { readings: [reading(b1, I + LEN, 500, 0)] });
  expect(second.body.results[0].status).toBe('accepted');
  expect((await op('POST', `/windows/${formatInstant(I + LEN)}/close`)).status).toBe(200);
  const estimated = await op('POST', `${interval(I + LEN)}/contract-settlement`);
  expect(estimated.status).toBe(200);
  // s1: 60,000 for the contract, 500 Wh short at retail: −150,000. No tokens: it holds none of this interval.
  expect(estimated.body.parties.find((p: { participantId: string }) => p.participantId === s1.participantId)).toMatchObject({ estimated: true, netWh: 0, deviationWh: -500, netMicros: -90_000 });
  expect(estimated.body.tokenTransfers).toEqual([]);
  expect((await op('POST', `${interval(I + LEN)}/settle`)).status).toBe(200);

  expect(await account(s1)).toMatchObject({ availableMicros: 60_000 + 55_000 - 90_000, escrowMicros: 0 });
  expect(await account(b1)).toMatchObject({ availableMicros: 875_000, escrowMicros: 0 });
  expect(await account(b2)).toMatchObject({ availableMicros: 1_000_000 - 48_000, escrowMicros: 0 });
  expect(await Promise.all([s1, b1, b2].map(tokens))).toEqual([200, 500, 300]);
}, 400_000);
