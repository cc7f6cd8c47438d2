/**
 * Long-term bilateral contracts on the real network: proposal by the seller, acceptance by the
 * buyer with escrow, then two delivered intervals settled against the closed metering windows'
 * positions: the contract first (its volume taken out of the positions), then the spot market on
 * the rest, with hand-computed figures and tokens; in the second interval the seller's reading is
 * missing, so its estimated position settles money only, until its verified reading arrives and
 * the contract settlement corrects it once. A second contract runs past midnight (its daily window
 * ends before it starts). The market figures of both intervals and of the period are checked
 * against hand-computed values.
 *
 * @metering-interval 60
 * @metering-late-window 2160000
 */
import { formatInstant, SignedReading } from '@gridledger/core';
import { marketParams, Trader, trader, useMeteringInterval } from './market-support';
import { api, credentials, operatorKey, signReading, sleep, uid } from './support';

const C = uid('kon');
const LEN = 60;
const params = marketParams(LEN);
const utilityKey = () => credentials().apiKeys.utility.utility;
const waitUntil = async (epochSeconds: number) => {
  const ms = epochSeconds * 1000 - Date.now();
  if (ms > 0) await sleep(ms);
};
const account = async (t: Trader) => (await api('community', t.apiKey, 'GET', `/credits/${t.participantId}`)).body;
const tokens = async (t: Trader) =>
  (await api('community', t.apiKey, 'GET', `/participants/${t.participantId}/tokens`)).body.balanceWh as number;
const op = (method: string, path: string) => api('community', operatorKey(), method, path);

useMeteringInterval(LEN);

it(
  'a contract proposed by the seller and accepted by the buyer is settled against delivery before the spot market, twice; an estimated ' +
    'seller pays its shortfall and moves no tokens until its verified reading is corrected once; a contract past midnight; the market ' +
    'figures by hand',
  async () => {
    expect((await api('community', operatorKey(), 'PATCH', `/markets/${C}/params`, params)).status).toBe(200);
    const [s1, b1, b2, s2, b3] = await Promise.all(['s1', 'b1', 'b2', 's2', 'b3'].map((n) => trader(n, C)));
    for (const t of [b1, b2])
      expect(
        (
          await api('utility', utilityKey(), 'POST', '/credits/deposits', {
            participantId: t.participantId,
            amountMicros: 1_000_000,
            reference: `dep-${t.participantId}`,
          })
        ).status,
      ).toBe(201);
    expect(
      (
        await api('utility', utilityKey(), 'POST', '/credits/deposits', {
          participantId: b3.participantId,
          amountMicros: 40_000_000,
          reference: `dep-${b3.participantId}`,
        })
      ).status,
    ).toBe(201);

    // Two delivery intervals starting at least 50 s from now: [I, I + 120 s).
    const I = Math.ceil((Date.now() / 1000 + 50) / LEN) * LEN;
    const hhmm = (s: number) => formatInstant(s).slice(11, 16);
    const day = formatInstant(I).slice(0, 10);
    const terms = {
      communityId: C,
      sellerId: s1.participantId,
      buyerId: b1.participantId,
      energyWhPerInterval: 500,
      priceMicrosPerKwh: 120_000,
      firstDay: day,
      lastDay: day,
      dailyFrom: hhmm(I),
      dailyTo: hhmm(I + 2 * LEN),
    };
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

    // A contract past midnight: from I's time of day to one interval before it, the next day (23 h 59 min, 1,439 deliveries a day).
    const night = {
      ...terms,
      sellerId: s2.participantId,
      buyerId: b3.participantId,
      energyWhPerInterval: 200,
      priceMicrosPerKwh: 100_000,
      dailyFrom: hhmm(I),
      dailyTo: hhmm(I - LEN),
    };
    expect(night.dailyTo < night.dailyFrom || night.dailyFrom === '00:00').toBe(true);
    const nightProposed = await api('community', b3.apiKey, 'POST', '/contracts', { clientContractId: 'night', ...night });
    expect(nightProposed.status).toBe(201);
    const perDay = 1439;
    // 200 Wh × (100,000 + 10,000) µ/kWh = 22,000 µ per delivery, escrowed by the proposing buyer.
    expect(nightProposed.body.contract).toMatchObject({ escrowMicros: perDay * 22_000, escrowTaken: true });
    expect(await account(b3)).toMatchObject({ availableMicros: 40_000_000 - perDay * 22_000, escrowMicros: perDay * 22_000 });
    const nightId = nightProposed.body.contract.contractId as string;
    expect((await api('community', s2.apiKey, 'POST', `/contracts/${nightId}/acceptance`)).body.contract).toMatchObject({
      status: 'active',
    });

    // s1 also sells 300 Wh spot to b2 in the first interval.
    const order = (t: Trader, side: string, energyWh: number, price: number) =>
      api('community', t.apiKey, 'POST', '/orders', {
        clientOrderId: 'o1',
        communityId: C,
        intervalStart: formatInstant(I),
        side,
        energyWh,
        priceMicrosPerKwh: price,
      });
    expect((await order(s1, 'sell', 300, 100_000)).status).toBe(201);
    expect((await order(b2, 'buy', 300, 200_000)).status).toBe(201);

    const interval = (start: number) => `/markets/${C}/intervals/${formatInstant(start)}`;
    const registers = new Map<string, { importWh: number; exportWh: number }>();
    const reading = (t: Trader, start: number, importWh: number, exportWh: number): SignedReading => {
      const r = registers.get(t.meterId) ?? { importWh: 0, exportWh: 0 };
      r.importWh += importWh;
      r.exportWh += exportWh;
      registers.set(t.meterId, r);
      return signReading(
        {
          meterId: t.meterId,
          intervalStart: formatInstant(start),
          seq: start === I ? 1 : 2,
          importWh,
          exportWh,
          importRegisterWh: r.importWh,
          exportRegisterWh: r.exportWh,
        },
        t.privateKeyPem,
      );
    };

    // First interval: s1 exports 1,000 Wh, b1 uses 400 of its 500, b2 its 300; s2 delivers its 200 Wh to b3.
    for (const start of [I, I + LEN])
      await waitUntil(start - params.gateClosureSeconds).then(async () =>
        expect((await op('POST', `${interval(start)}/close`)).status).toBe(200),
      );
    expect((await op('POST', `${interval(I)}/clear`)).body).toMatchObject({ priceMicrosPerKwh: 150_000, volumeWh: 300 });
    expect((await op('POST', `${interval(I + LEN)}/clear`)).body).toMatchObject({ volumeWh: 0 });
    await waitUntil(I + LEN + 1);
    const first = await api('community', operatorKey(), 'POST', '/readings', {
      readings: [reading(s1, I, 0, 1000), reading(b1, I, 400, 0), reading(b2, I, 300, 0), reading(s2, I, 0, 200), reading(b3, I, 200, 0)],
    });
    expect(first.body.results.map((r: { status: string }) => r.status)).toEqual([
      'accepted',
      'accepted',
      'accepted',
      'accepted',
      'accepted',
    ]);
    const early = await op('POST', `${interval(I)}/contract-settlement`);
    expect([early.status, early.body.error.code]).toEqual([409, 'SETTLEMENT_METERING_INCOMPLETE']);
    expect((await op('POST', `/communities/${C}/windows/${formatInstant(I)}/close`)).status).toBe(200);
    // The spot settlement waits for the contract settlement (s1 is in both).
    const spotFirst = await op('POST', `${interval(I)}/settle`);
    expect([spotFirst.status, spotFirst.body.error.code]).toEqual([409, 'SETTLEMENT_METERING_INCOMPLETE']);
    const settled = await op('POST', `${interval(I)}/contract-settlement`);
    expect(settled.status).toBe(200);
    // b1: 60,000 + 5,000 fee for the contract, 100 Wh unused sold back at feed-in (+5,000). s1's deviation is the spot settlement's.
    const parties = Object.fromEntries(
      settled.body.parties.map((p: { participantId: string; deviationWh: number | null; netMicros: number }) => [
        p.participantId,
        [p.deviationWh, p.netMicros],
      ]),
    );
    // s2 and b3 delivered exactly: 20,000 for the energy, 2,000 grid fee.
    expect(parties).toEqual({
      [b1.participantId]: [100, -60_000],
      [s1.participantId]: [null, 60_000],
      [s2.participantId]: [0, 20_000],
      [b3.participantId]: [0, -22_000],
    });
    expect(settled.body.tokenTransfers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ contractId, energyWh: 500, movedWh: 500, undeliveredWh: 0 }),
        expect.objectContaining({ contractId: nightId, energyWh: 200, movedWh: 200, undeliveredWh: 0 }),
      ]),
    );
    const notYet = await api('community', b2.apiKey, 'GET', `${interval(I)}/figures`);
    expect([notYet.status, notYet.body.error.code]).toEqual([404, 'INTERVAL_NOT_FOUND']);
    const again = await op('POST', `${interval(I)}/contract-settlement`);
    expect([again.status, again.body.error.code]).toEqual([409, 'INTERVAL_STATE_CONFLICT']);
    const spot = await op('POST', `${interval(I)}/settle`);
    expect(spot.status).toBe(200);
    // s1 for the spot market: 1,000 − 500 = 500 Wh, sold 300: 45,000 + 200 Wh at feed-in (10,000).
    expect(spot.body.participants.find((p: { participantId: string }) => p.participantId === s1.participantId)).toMatchObject({
      netWh: 500,
      deviationWh: 200,
      netMicros: 55_000,
    });
    expect(await Promise.all([s1, b1, b2].map(tokens))).toEqual([200, 500, 300]);

    // Second interval: b1 uses its 500 Wh, s1's reading never comes: its position is estimated (export 0).
    await waitUntil(I + 2 * LEN + 1);
    const second = await api('community', operatorKey(), 'POST', '/readings', {
      readings: [reading(b1, I + LEN, 500, 0), reading(s2, I + LEN, 0, 200), reading(b3, I + LEN, 200, 0)],
    });
    expect(second.body.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
    expect((await op('POST', `/communities/${C}/windows/${formatInstant(I + LEN)}/close`)).status).toBe(200);
    const estimated = await op('POST', `${interval(I + LEN)}/contract-settlement`);
    expect(estimated.status).toBe(200);
    // s1: 60,000 for the contract, 500 Wh short at retail: −150,000. No tokens: it holds none of this interval.
    expect(estimated.body.parties.find((p: { participantId: string }) => p.participantId === s1.participantId)).toMatchObject({
      estimated: true,
      netWh: 0,
      deviationWh: -500,
      netMicros: -90_000,
    });
    expect(estimated.body.tokenTransfers).toEqual([expect.objectContaining({ contractId: nightId, energyWh: 200, movedWh: 200 })]);
    expect((await op('POST', `${interval(I + LEN)}/settle`)).status).toBe(200);

    expect(await account(s1)).toMatchObject({ availableMicros: 60_000 + 55_000 - 90_000, escrowMicros: 0 });
    expect(await account(b1)).toMatchObject({ availableMicros: 875_000, escrowMicros: 0 });
    expect(await account(b2)).toMatchObject({ availableMicros: 1_000_000 - 48_000, escrowMicros: 0 });
    expect(await Promise.all([s1, b1, b2].map(tokens))).toEqual([200, 500, 300]);
    // The night contract: two deliveries taken from the escrow, the rest stays for the later ones.
    expect(await account(b3)).toMatchObject({ availableMicros: 40_000_000 - perDay * 22_000, escrowMicros: (perDay - 2) * 22_000 });
    expect(await Promise.all([s2, b3].map(tokens))).toEqual([0, 400]);

    // s1's verified reading arrives: it exported 450 Wh. Metering corrects the estimate; the contract
    // settlement corrects s1 once: −50 Wh at retail (−15,000) instead of −500 Wh (−150,000): +135,000, and 450 tokens to b1.
    const contractCorrection = `${interval(I + LEN)}/contract-settlement/corrections/${s1.participantId}`;
    const late = await api('community', operatorKey(), 'POST', '/readings', { readings: [reading(s1, I + LEN, 0, 450)] });
    expect(late.body.results[0].status).toBe('accepted');
    const corrected = await op('POST', contractCorrection);
    expect(corrected.status).toBe(200);
    expect(corrected.body.posting).toMatchObject({
      postingId: `contract-correction:${s1.participantId}`,
      from: 'utility',
      to: s1.participantId,
      amountMicros: 135_000,
    });
    expect(corrected.body.participant).toMatchObject({ netWh: 450, estimated: false, deviationWh: -50, netMicros: 45_000 });
    expect(corrected.body.tokenTransfers).toEqual([expect.objectContaining({ contractId, energyWh: 450, movedWh: 450, undeliveredWh: 0 })]);
    const twice = await op('POST', contractCorrection);
    expect([twice.status, twice.body.error.code]).toEqual([409, 'INTERVAL_STATE_CONFLICT']);
    const notContractOnly = await op('POST', `${interval(I)}/contract-settlement/corrections/${s1.participantId}`);
    expect([notContractOnly.status, notContractOnly.body.error.code]).toEqual([409, 'INTERVAL_STATE_CONFLICT']);
    expect(await account(s1)).toMatchObject({ availableMicros: 60_000 + 55_000 - 90_000 + 135_000, escrowMicros: 0 });
    expect(await Promise.all([s1, b1].map(tokens))).toEqual([200, 950]);

    // The market figures, hand-computed. Interval I: spot 300 Wh at 150,000; contracts 500 Wh at 120,000 and 200 Wh at 100,000.
    const figures = async (path: string, org: 'community' | 'regulator' = 'community', key = b2.apiKey) => {
      const r = await api(org, key, 'GET', path);
      expect(r.status).toBe(200);
      return r.body;
    };
    expect(await figures(`${interval(I)}/figures`)).toMatchObject({
      clearingPrice: { microsPerKwh: 150_000, energyWh: 300 },
      spotVolumeWh: 300,
      contractVolumeWh: 700,
      p2pShareOfDemand: { numerator: 1000, denominator: 1000, ppm: 1_000_000 },
      // (45,000,000 + 60,000,000 + 20,000,000) / 1,000 Wh; with the 10,000 grid fee.
      averageP2pPrice: { microsPerKwh: 125_000 },
      averagePaidPrice: { microsPerKwh: 135_000 },
      averageRetailPrice: { microsPerKwh: 300_000 },
      // Produced: s1 1,000 + s2 200; consumed: 400 + 300 + 200.
      productionWh: 1200,
      consumptionWh: 900,
      selfSufficiency: { numerator: 900, denominator: 900, ppm: 1_000_000 },
      selfConsumption: { numerator: 900, denominator: 1200, ppm: 750_000 },
      exportedToUtilityWh: 300,
      importedFromUtilityWh: 0,
      activeSellers: 2,
      activeBuyers: 3,
      // s1 200 Wh beyond what it sold (spot), b1 100 Wh unused (contract).
      deviationSuppliedWh: 0,
      deviationTakenWh: 300,
      estimatedPositions: 0,
    });
    // Interval I + LEN, after the correction: contracts only; s1 450 + s2 200 produced, b1 500 + b3 200 consumed.
    expect(await figures(`${interval(I + LEN)}/figures`, 'regulator', credentials().apiKeys.regulator.regulator)).toMatchObject({
      clearingPrice: { microsPerKwh: null, energyWh: 0 },
      contractVolumeWh: 700,
      averageP2pPrice: { microsPerKwh: 114_286 },
      selfSufficiency: { numerator: 650, denominator: 700, ppm: 928_571 },
      selfConsumption: { ppm: 1_000_000 },
      importedFromUtilityWh: 50,
      activeSellers: 2,
      activeBuyers: 2,
      deviationSuppliedWh: 50,
      estimatedPositions: 0,
    });
    // The period: from the sums (205,000,000 / 1,700 Wh; 1,550 / 1,600 and 1,550 / 1,850), not the mean of the intervals' figures.
    const period = await figures(`/markets/${C}/figures?from=${formatInstant(I)}&to=${formatInstant(I + 2 * LEN)}`, 'community', s1.apiKey);
    expect(period).toMatchObject({
      intervals: 2,
      notSettled: [],
      clearingPrice: { microsPerKwh: 150_000 },
      p2pVolumeWh: 1700,
      averageP2pPrice: { microsPerKwh: 120_588 },
      averagePaidPrice: { microsPerKwh: 130_588 },
      selfSufficiency: { numerator: 1550, denominator: 1600, ppm: 968_750 },
      selfConsumption: { numerator: 1550, denominator: 1850, ppm: 837_838 },
      exportedToUtilityWh: 300,
      importedFromUtilityWh: 50,
      activeSellers: 2,
      activeBuyers: 3,
      deviationSuppliedWh: 50,
      deviationTakenWh: 300,
    });
    // Aggregates only: no participant id anywhere in the answer.
    for (const t of [s1, b1, b2, s2, b3]) expect(JSON.stringify(period)).not.toContain(t.participantId);
  },
  500_000,
);
