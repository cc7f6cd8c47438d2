/**
 * An interval large enough for the multi-page paths on the real network: 40 participants place
 * 11,000 orders in batches (POST /orders/batch, 100 orders a transaction); two market schedulers
 * at once clear it in pages of 5,000 fills and trades (three clearing transactions) and settle it
 * in pages of 500 trades, then of participants. The clearing read back from its pages equals the pure module's result from the same
 * orders, every page is done once (repeats refused), credits are conserved to the micro-unit,
 * no escrow is left and every buyer holds the tokens of what it bought.
 *
 * @metering-interval 60
 * @metering-late-window 30
 */
import { clearAuction, CLEARING_PAGE_ITEMS, formatInstant, Order, SETTLEMENT_PAGE_SIZES } from '@gridledger/core';
import { MarketScheduler, StepOutcome } from '@gridledger/gateway-api';
import { deliverAsCleared, marketParams, operatorLedger, trader, Trader, useMeteringInterval, utilityGainIn } from './market-support';
import { type JsonAnswer, api, credentials, operatorKey, sleep, uid } from './support';

const C = uid('pages');
const LEN = 60;
const SELLERS = 20;
const BUYERS = 20;
const ORDERS_EACH = 275;
const ORDERS = (SELLERS + BUYERS) * ORDERS_EACH;
const params = marketParams(LEN);
// At most 275 × 30 Wh × 310 µ/Wh escrowed.
const DEPOSIT = 3_000_000;
const LATE = 30;
useMeteringInterval(LEN, { lateWindowSeconds: LATE });

const regulatorKey = () => credentials().apiKeys.regulator.regulator;
const asRegulator = async (path: string) => (await api('regulator', regulatorKey(), 'GET', path)).body;

it(`${ORDERS} orders placed in batches, cleared in pages and settled in pages by two schedulers, each page once`, async () => {
  expect(ORDERS).toBeGreaterThan(2 * CLEARING_PAGE_ITEMS);
  expect((await api('community', operatorKey(), 'PATCH', `/markets/${C}/params`, params)).status).toBe(200);
  const traders: (Trader & { side: 'buy' | 'sell' })[] = [];
  for (let k = 0; k < SELLERS + BUYERS; k += 10) {
    const ten = Array.from({ length: 10 }, async (_, j) => ({
      ...(await trader(`p${k + j}`, C, (k + j) % 2 === 0 ? 'community' : 'utility')),
      side: k + j < SELLERS ? ('sell' as const) : ('buy' as const),
    }));
    traders.push(...(await Promise.all(ten)));
  }
  await Promise.all(
    traders
      .filter((t) => t.side === 'buy')
      .map(async (t) => {
        expect(
          (
            await api('utility', credentials().apiKeys.utility.utility, 'POST', '/credits/deposits', {
              participantId: t.participantId,
              amountMicros: DEPOSIT,
              reference: `dep-${t.participantId}`,
            })
          ).status,
        ).toBe(201);
      }),
  );

  const I = Math.ceil((Date.now() / 1000 + 90) / LEN) * LEN;
  const IS = formatInstant(I);
  // Deterministic figures per trader and order: 1–30 Wh (a seller offers at most 8,250 Wh of its 10,000), 50,000–299,000 µ/kWh.
  const orderOf = (t: number, n: number) => ({
    clientOrderId: `c${n}`,
    communityId: C,
    intervalStart: IS,
    side: traders[t].side,
    energyWh: 1 + ((t * 7919 + n * 104_729) % 30),
    priceMicrosPerKwh: 50_000 + ((t * 31 + n * 17) % 250) * 1000,
  });
  const started = Date.now();
  const placed: string[] = [];
  let batches = 0;
  // Ten clients at once, each sending its traders' batches one after the other; a batch the
  // ledger did not answer in time (503) is sent again as it was: a retry places nothing twice.
  let retries = 0;
  const send = async (k: number, orders: object[]): Promise<JsonAnswer> => {
    const t = traders[k];
    for (let attempt = 0; ; attempt++) {
      const res = await api(t.org, t.apiKey, 'POST', '/orders/batch', { orders });
      if (res.status !== 503 || attempt === 3) {
        if (res.status !== 201 && res.status !== 200)
          throw new Error(`batch of ${t.participantId}: ${res.status} ${JSON.stringify(res.body)}`);
        return res.body;
      }
      process.stdout.write(`batch of ${t.participantId} again after ${JSON.stringify(res.body.error)}\n`);
      retries++;
    }
  };
  await Promise.all(
    Array.from({ length: 10 }, async (_, client) => {
      for (let k = client; k < traders.length; k += 10) {
        for (let first = 0; first < ORDERS_EACH; first += 100) {
          const body = await send(
            k,
            Array.from({ length: Math.min(100, ORDERS_EACH - first) }, (_, j) => orderOf(k, first + j)),
          );
          placed.push(...body.orders.map((o: { order: { orderId: string } }) => o.order.orderId));
          batches++;
        }
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(
    `${placed.length} orders placed in ${batches} batches in ${seconds.toFixed(1)} s (${(placed.length / seconds).toFixed(0)} orders/s, ` +
      `${retries} batches sent again)\n`,
  );
  expect(new Set(placed).size).toBe(ORDERS);
  expect(Date.now() / 1000).toBeLessThan(I - params.gateClosureSeconds);
  // A retried batch: replayed, nothing placed twice (200).
  const retried = await api(traders[0].org, traders[0].apiKey, 'POST', '/orders/batch', { orders: [orderOf(0, 0), orderOf(0, 1)] });
  expect(retried.status).toBe(200);
  expect(retried.body.orders.map((o: { replayed: boolean }) => o.replayed)).toEqual([true, true]);

  const { ledger, operator } = operatorLedger();
  const outcomes: StepOutcome[] = [];
  const log = {
    info: () => undefined,
    warn: () => undefined,
    error: (f: Record<string, unknown>) =>
      outcomes.push({ step: 'log', communityId: C, intervalStart: '', outcome: 'failed', code: String(f.code) }),
  };
  const schedulers = [0, 1].map(() => new MarketScheduler({ ledger, operator, communities: [C], log, lookbackIntervals: 1 }));
  const status = async () => (await asRegulator(`/markets/${C}/intervals/${IS}`)).status as string;
  const until = async (wanted: string) => {
    while ((await status()) !== wanted) {
      const out = (await Promise.all(schedulers.map((s) => s.tick()))).flat();
      for (const o of out.filter((x) => x.intervalStart === IS && x.step !== 'close'))
        process.stdout.write(`${(Date.now() / 1000 - I).toFixed(1)} s after the start: ${o.step} ${o.outcome} ${o.code ?? ''}\n`);
      outcomes.push(...out);
      await sleep(1000);
    }
  };
  let recorded: JsonAnswer;
  try {
    await until('cleared');
    const interval = await asRegulator(`/markets/${C}/intervals/${IS}`);
    expect(interval.clearing).toEqual({ pageCount: 3, pagesDone: 3 });
    // Repeats of any clearing page are refused.
    for (const query of ['', '?page=0', '?page=2'])
      expect((await api('community', operatorKey(), 'POST', `/markets/${C}/intervals/${IS}/clear${query}`)).body.error.code).toBe(
        'INTERVAL_STATE_CONFLICT',
      );
    recorded = await asRegulator(`/markets/${C}/intervals/${IS}/clearing`);
    const book = await asRegulator(`/markets/${C}/intervals/${IS}/orders`);
    expect(book.orders).toHaveLength(ORDERS);
    expect(new Set(book.orders.map((o: Order) => o.orderId))).toEqual(new Set(placed));
    expect(recorded).toMatchObject({ orderCount: ORDERS, pageItems: CLEARING_PAGE_ITEMS, fillPages: 3 });
    expect(recorded.tradePages).toBeGreaterThanOrEqual(1);
    const pure = clearAuction(book.orders as Order[], book.params);
    expect(recorded).toMatchObject(JSON.parse(JSON.stringify(pure)));
    process.stdout.write(
      `cleared: ${recorded.volumeWh} Wh at ${recorded.priceMicrosPerKwh}, ${recorded.fills.length} fills in ${recorded.fillPages} ` +
        `pages, ${recorded.trades.length} trades in ${recorded.tradePages}\n`,
    );

    // Delivery: each buyer used what it bought, each seller exported what it sold plus 50 Wh.
    const filled = await deliverAsCleared(traders, IS, recorded.fills, I + LEN);
    const settleStart = Date.now();
    await until('settled');
    process.stdout.write(`settled in ${((Date.now() - settleStart) / 1000).toFixed(1)} s after the readings\n`);

    const settlement = await asRegulator(`/markets/${C}/intervals/${IS}/settlement`);
    // Trade pages of 500 trades (after the first, each reads only its own trades and the plan), then pages of 500 participants.
    expect(settlement.pageCount).toBe(Math.ceil(recorded.tradeCount / SETTLEMENT_PAGE_SIZES.trades) + 1);
    expect(settlement.postings.filter((p: { reason: string }) => p.reason === 'trade')).toHaveLength(recorded.tradeCount);
    expect(new Set(settlement.postings.map((p: { postingId: string }) => p.postingId)).size).toBe(settlement.postings.length);
    expect(settlement.participants).toHaveLength(SELLERS + BUYERS);
    expect((await api('community', operatorKey(), 'POST', `/markets/${C}/intervals/${IS}/settle`)).body.error.code).toBe(
      'INTERVAL_STATE_CONFLICT',
    );
    const done = outcomes.filter((o) => o.outcome === 'done' && o.intervalStart === IS).map((o) => o.step);
    expect(done.filter((d) => d === 'clear').length).toBeLessThanOrEqual(3);
    expect(done.filter((d) => d === 'settle').length).toBeLessThanOrEqual(settlement.pageCount);
    expect(outcomes.filter((o) => o.outcome === 'failed' && o.code !== 'LEDGER_UNAVAILABLE')).toEqual([]);
    process.stdout.write(
      `settlement: ${settlement.postings.length} postings in ${settlement.pageCount} pages; ` +
        `${outcomes.filter((o) => o.outcome === 'skipped').length} repeated steps refused\n`,
    );

    const held = await Promise.all(
      traders.map(async (t) => (await api(t.org, t.apiKey, 'GET', `/participants/${t.participantId}/tokens`)).body.balanceWh),
    );
    expect(held).toEqual(traders.map((t) => (t.side === 'buy' ? (filled.get(t.participantId) ?? 0) : 50)));
  } finally {
    await Promise.all(schedulers.map((s) => s.stop()));
    ledger.close();
  }
  const accounts = await Promise.all(traders.map(async (t) => (await api(t.org, t.apiKey, 'GET', `/credits/${t.participantId}`)).body));
  for (const a of accounts) {
    expect(a.availableMicros).toBeGreaterThanOrEqual(0);
    expect(a.escrowMicros).toBe(0);
  }
  const deposited = DEPOSIT * BUYERS;
  expect(accounts.reduce((s, a) => s + a.availableMicros + a.escrowMicros, 0) + (await utilityGainIn(C, [IS]))).toBe(deposited);
}, 1_200_000);
