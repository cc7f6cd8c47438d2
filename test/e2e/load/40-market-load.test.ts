/**
 * 50 participants place 1,000 orders concurrently through the Community and Utility gateways;
 * the market scheduler (two instances at once, as after a restart) closes, clears and settles the
 * interval on the real network, closing its metering window after the late window first; energy
 * tokens move to the buyers. Every order is accounted for, the clearing equals the pure
 * module's result from the same orders, credits are conserved to the micro-unit, no balance is
 * negative, and no MVCC conflict reaches a user.
 *
 * @metering-interval 60
 * @metering-late-window 15
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearAuction, formatInstant, Order } from '@gridledger/core';
import { FabricLedger, MarketScheduler, StepOutcome } from '@gridledger/gateway-api';
import { deliverAsCleared, marketParams, trader, Trader, useMeteringInterval, utilityGainIn } from '../market-support';
import { api, credentials, operatorKey, profile, sleep, stateDir, uid } from '../support';

const C = uid('load');
const LEN = 60;
const PARTICIPANTS = 50;
const ORDERS_EACH = 20;
const params = marketParams(LEN);
const DEPOSIT = 2_000_000;

type LoadTrader = Trader & { side: 'buy' | 'sell' };

/** A seeded generator, so that a failing book can be replayed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

// A late window of 15 s (the readings are in within a few seconds of the interval's end), so that the scheduler closes the metering window
// (and then settles) soon after it, and the test waits no longer than that.
const LATE = 15;
useMeteringInterval(LEN, { lateWindowSeconds: LATE });

it('1,000 concurrent orders from 50 participants, cleared and settled by the scheduler exactly as the pure module says', async () => {
  expect((await api('community', operatorKey(), 'PATCH', `/markets/${C}/params`, params)).status).toBe(200);
  // Half at the Community gateway, half at the Utility gateway (each organization's own CA).
  const traders: LoadTrader[] = [];
  for (let k = 0; k < PARTICIPANTS; k += 10) {
    const batch = Array.from({ length: 10 }, async (_, j): Promise<LoadTrader> => ({
      ...(await trader(`l${k + j}`, C, (k + j) % 2 === 0 ? 'community' : 'utility')),
      side: k + j < PARTICIPANTS / 2 ? 'sell' : 'buy',
    }));
    traders.push(...(await Promise.all(batch)));
  }
  const utilityKey = credentials().apiKeys.utility.utility;
  await Promise.all(
    traders
      .filter((t) => t.side === 'buy')
      .map(async (t) => {
        const res = await api('utility', utilityKey, 'POST', '/credits/deposits', {
          participantId: t.participantId,
          amountMicros: DEPOSIT,
          reference: `dep-${t.participantId}`,
        });
        expect(res.status).toBe(201);
      }),
  );

  // The interval: the first minute at least 120 s ahead, so that every order is in before its gate.
  const I = Math.ceil((Date.now() / 1000 + 120) / LEN) * LEN;
  const IS = formatInstant(I);
  const random = lcg(I);
  const placed: { orderId: string; status: number; code?: string }[] = [];
  const started = Date.now();
  // Each participant sends its orders one after the other (as one client would); all participants at once.
  await Promise.all(
    traders.map(async (t) => {
      for (let n = 0; n < ORDERS_EACH; n++) {
        const energyWh = 10 + Math.floor(random() * 190);
        const priceMicrosPerKwh = 50_000 + Math.floor(random() * 250) * 1000;
        const res = await api(t.org, t.apiKey, 'POST', '/orders', {
          clientOrderId: `c${n}`,
          communityId: C,
          intervalStart: IS,
          side: t.side,
          energyWh,
          priceMicrosPerKwh,
        });
        placed.push({ orderId: res.body.order?.orderId, status: res.status, code: res.body.error?.code });
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(`1000 orders placed in ${seconds.toFixed(1)} s (${(1000 / seconds).toFixed(1)} orders/s)\n`);
  expect(placed.filter((p) => p.status !== 201)).toEqual([]);
  expect(Date.now() / 1000).toBeLessThan(I - params.gateClosureSeconds);

  // Two schedulers at once, as if one had restarted while the other ran: each step happens once.
  const ledger = new FabricLedger({
    peer: profile().orgs.community.peer,
    channel: profile().channel,
    chaincode: profile().chaincode,
    serviceUser: profile().orgs.community.users['community-operator'],
  });
  const outcomes: StepOutcome[] = [];
  const log = {
    info: () => undefined,
    warn: () => undefined,
    error: (f: Record<string, unknown>) =>
      outcomes.push({ step: 'log', communityId: C, intervalStart: '', outcome: 'failed', code: String(f.code) }),
  };
  const schedulers = [0, 1].map(
    () =>
      new MarketScheduler({
        ledger,
        operator: profile().orgs.community.users['community-operator'],
        communities: [C],
        log,
        lookbackIntervals: 1,
      }),
  );
  const tick = async () => {
    const out = (await Promise.all(schedulers.map((s) => s.tick()))).flat();
    // When each step of the traded interval happened, in seconds after the interval's end.
    for (const o of out.filter((x) => x.intervalStart === IS && x.step !== 'close'))
      process.stdout.write(`${(Date.now() / 1000 - I - LEN).toFixed(1)} s: ${o.step} ${o.outcome} ${o.code ?? ''}\n`);
    return out;
  };
  const status = async () =>
    (await api('regulator', credentials().apiKeys.regulator.regulator, 'GET', `/markets/${C}/intervals/${IS}`)).body.status as string;
  let filled = new Map<string, number>();
  try {
    while ((await status()) !== 'cleared') {
      outcomes.push(...(await tick()));
      await sleep(2000);
    }
    const recorded = (await api('regulator', credentials().apiKeys.regulator.regulator, 'GET', `/markets/${C}/intervals/${IS}/clearing`))
      .body;
    const book = (await api('regulator', credentials().apiKeys.regulator.regulator, 'GET', `/markets/${C}/intervals/${IS}/orders`)).body;
    // Every order accounted for, and the clearing is the pure module's.
    expect(new Set(book.orders.map((o: Order) => o.orderId))).toEqual(new Set(placed.map((p) => p.orderId)));
    expect(recorded.orderCount).toBe(1000);
    expect(recorded).toMatchObject(JSON.parse(JSON.stringify(clearAuction(book.orders as Order[], book.params))));
    // The audit command, as a regulator runs it: recomputed from the ledger's orders, it matches;
    // from a book file with one price changed, it does not (exit 1).
    const audit = (...args: string[]) =>
      spawnSync(
        'node',
        [
          join(__dirname, '../../../gateway-api/dist/audit.js'),
          '--community',
          C,
          '--interval',
          IS,
          '--state',
          stateDir(),
          '--org',
          'regulator',
          ...args,
        ],
        { encoding: 'utf8' },
      );
    const fromLedger = audit();
    // Which fields differ (or why the audit failed) before the exit status, so that a failure says what.
    expect({ stderr: fromLedger.stderr, differences: fromLedger.stdout ? JSON.parse(fromLedger.stdout).differences : undefined }).toEqual({
      stderr: '',
      differences: [],
    });
    expect(fromLedger.status).toBe(0);
    expect(JSON.parse(fromLedger.stdout)).toMatchObject({ source: 'ledger', matches: true, differences: [], recordedTxId: recorded.txId });
    const file = join(mkdtempSync(join(tmpdir(), 'gl-audit-')), 'book.json');
    writeFileSync(
      file,
      JSON.stringify({
        params: book.params,
        orders: book.orders.map((o: Order, k: number) => (k === 0 ? { ...o, priceMicrosPerKwh: o.priceMicrosPerKwh + 1000 } : o)),
      }),
    );
    const tampered = audit('--book', file);
    expect(tampered.status).toBe(1);
    expect(JSON.parse(tampered.stdout)).toMatchObject({ matches: false, differences: expect.arrayContaining(['inputDigest']) });
    process.stdout.write(
      `cleared: ${recorded.volumeWh} Wh at ${recorded.priceMicrosPerKwh} in [${recorded.lowerMicrosPerKwh}, ` +
        `${recorded.upperMicrosPerKwh}], ${recorded.trades.length} trades\n`,
    );

    // Delivery: each buyer used what it bought, each seller exported what it sold plus 50 Wh.
    filled = await deliverAsCleared(traders, IS, recorded.fills, I + LEN);
    while ((await status()) !== 'settled') {
      outcomes.push(...(await tick()));
      await sleep(2000);
    }
  } finally {
    await Promise.all(schedulers.map((s) => s.stop()));
    ledger.close();
  }
  process.stdout.write(`settled ${(Date.now() / 1000 - (I + LEN)).toFixed(1)} s after the interval ended\n`);
  // Each step at most once (a step whose answer timed out may have committed; the next tick's
  // attempt is then refused and skipped). The only failures allowed are a ledger too slow to answer
  // on a busy machine (LEDGER_UNAVAILABLE), which the next tick retries.
  // Settlement ran in pages (settlementPlan: trade pages of 500 trades, then participant pages of 500; one page when it fits one of each),
  // every one once.
  const settlement = (await api('regulator', credentials().apiKeys.regulator.regulator, 'GET', `/markets/${C}/intervals/${IS}/settlement`))
    .body;
  const tradeCount = settlement.postings.filter((p: { reason: string }) => p.reason === 'trade').length;
  const pages = tradeCount <= 500 ? 1 : Math.ceil(tradeCount / 500) + 1;
  expect(settlement.pageCount).toBe(pages);
  expect(settlement.postingCount).toBe(settlement.postings.length);
  expect(settlement.participants).toHaveLength(PARTICIPANTS);
  expect(new Set(settlement.postings.map((p: { postingId: string }) => p.postingId)).size).toBe(settlement.postings.length);
  const clearing = (await api('regulator', credentials().apiKeys.regulator.regulator, 'GET', `/markets/${C}/intervals/${IS}/clearing`))
    .body;
  expect(settlement.postings.filter((p: { reason: string }) => p.reason === 'trade')).toHaveLength(clearing.tradeCount);
  process.stdout.write(`settlement: ${settlement.postings.length} postings in ${pages} page(s)\n`);
  const done = outcomes.filter((o) => o.outcome === 'done' && o.intervalStart === IS).map((o) => o.step);
  for (const step of ['close', 'clear', 'close-window']) expect(done.filter((d) => d === step).length).toBeLessThanOrEqual(1);
  expect(done.filter((d) => d === 'settle').length).toBeLessThanOrEqual(pages);
  expect(outcomes.filter((o) => o.outcome === 'failed' && o.code !== 'LEDGER_UNAVAILABLE')).toEqual([]);
  process.stdout.write(
    `scheduler: ${done.join(', ')} done; ${outcomes.filter((o) => o.outcome === 'skipped').length} repeated steps refused and skipped; ` +
      `${outcomes.filter((o) => o.outcome === 'failed').length} attempts the ledger did not answer in time\n`,
  );

  // The window was closed by the scheduler, not before its late window had passed.
  const window = (await api('community', operatorKey(), 'GET', `/communities/${C}/windows/${IS}`)).body;
  expect(Date.parse(window.closedAt) / 1000).toBeGreaterThanOrEqual(I + LEN + LATE);
  // Tokens: every buyer holds what it bought (sellers delivered all they sold), every seller its 50 Wh unsold.
  const held = await Promise.all(
    traders.map(async (t) => (await api(t.org, t.apiKey, 'GET', `/participants/${t.participantId}/tokens`)).body.balanceWh),
  );
  expect(held).toEqual(traders.map((t) => (t.side === 'buy' ? (filled.get(t.participantId) ?? 0) : 50)));

  const accounts = await Promise.all(traders.map(async (t) => (await api(t.org, t.apiKey, 'GET', `/credits/${t.participantId}`)).body));
  for (const a of accounts) {
    expect(a.availableMicros).toBeGreaterThanOrEqual(0);
    expect(a.escrowMicros).toBe(0);
  }
  const deposited = DEPOSIT * (PARTICIPANTS / 2);
  const ours = accounts.reduce((s, a) => s + a.availableMicros + a.escrowMicros, 0);
  expect(ours + (await utilityGainIn(C, [IS]))).toBe(deposited);
}, 600_000);
