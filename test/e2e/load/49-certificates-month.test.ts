/**
 * A month of certificates on the real network (issue 21, its first test): four regulator-verified
 * renewable assets (two solar, two wind) and one unverified solar asset in one community, DAYS × 24
 * hours of 15-minute readings with a daily shape (solar zero at night, wind day and night), signed
 * by each meter's key, windows closed, every hour issued in batches, then transfers, claims, a
 * regulator withdrawal and the expiry record. After every step `npm run audit -- certificates`
 * (the command itself, through the Regulator gateway) must hold over the whole month, and per asset
 * and hour the certificates (in every state but withdrawn) must equal the verified export less the
 * Wh sold peer to peer less what the regulator withdrew, exactly; the unverified asset's hours are
 * never certified.
 *
 * What is sold P2P, and why only that: a market interval takes orders only before its gate closes,
 * so no past interval can be traded, and an hour is issued only once all its intervals have ended
 * and settled. So the month is production-only up to the present, and the trading is real in the
 * intervals still ahead in the current hour (from the first whose gate is three minutes away; the
 * next hour's when none is): each wind asset, and each solar asset when the sun is up, sells 60 %
 * of its export to a buyer with credits; the interval is closed, cleared, delivered (the meters'
 * readings), its window closed and settled, and its hour issued last, while the month's steps run.
 * A community's first market parameters hold from the start of time (core's `effectiveFrom`), so
 * every past interval of the month is closed, cleared and settled without orders (feed-in and
 * retail), as the market scheduler would have done live, before its hour can be issued.
 * The file waits for that hour to end (up to 75 minutes): a load test (`npm run bench`), not `npm test`.
 *
 * DAYS is GRIDLEDGER_CERT_MONTH_DAYS (network/src/config.ts, default 30). Readings of a month ago
 * need the late window at its maximum (30 days, metering params.ts): the month ends with the traded
 * hour, so its first reading is still inside it when the file starts.
 *
 * @metering-late-window 2592000
 */
import { formatInstant, type SignedReading } from '@gridledger/core/core';
import { readConfig } from '@gridledger/network';
import { marketParams, sleepUntil, Trader, trader } from '../market-support';
import { api, closeWindow, type JsonAnswer, operatorKey, signReading, uid } from '../support';
import { auditCertificates, issuanceTag, ok, producer, Producer, regulatorKey, utilityKey } from '../certificate-support';

jest.setTimeout(180 * 60_000);

const DAYS = readConfig(['GRIDLEDGER_CERT_MONTH_DAYS']).GRIDLEDGER_CERT_MONTH_DAYS;
const LEN = 900;
const HOUR = 3600;
const C = uid('certmonth');
const params = { ...marketParams(LEN), openingHorizonSeconds: 7200 };
const started = Date.now() / 1000;
/** The first interval whose gate (10 s before it) is at least 170 s ahead, time to onboard the traders; its hour is the traded hour. */
const T0 = Math.ceil((started + 180) / LEN) * LEN;
const H = Math.floor(T0 / HOUR) * HOUR;
const END = H + HOUR;
const MONTH_START = END - DAYS * 24 * HOUR;
/** Every interval of the month; those that ended before the file started are the past, the rest are live. */
const intervals = Array.from({ length: (END - MONTH_START) / LEN }, (_, k) => MONTH_START + k * LEN);
const past = intervals.filter((t) => t + LEN <= started);
const live = intervals.filter((t) => t + LEN > started);
const traded = live.filter((t) => t >= T0);
const hours = Array.from({ length: DAYS * 24 }, (_, k) => MONTH_START + k * HOUR);
const liveHours = [...new Set(live.map((t) => t - (t % HOUR)))];
const pastHours = hours.filter((h) => !liveHours.includes(h));
const iso = (s: number) => formatInstant(s);

/** The assets: [source, capacity W, verified]. */
const ASSETS = [
  ['solar', 6000, true],
  ['solar', 9000, true],
  ['wind', 4000, true],
  ['wind', 7000, true],
  ['solar', 5000, false],
] as const;
const VERIFIED = [0, 1, 2, 3];

/** A deterministic factor in [0, 1) for a day (or hour) and asset: the weather. */
const weather = (n: number, a: number) => ((((n * 7919 + a * 104_729) % 1000) + 1000) % 1000) / 1000;

/** Export Wh of asset a in the interval from t: solar a half sine from 06:00 to 18:00 UTC times the day's clouds, wind all day. */
function exportOf(a: number, t: number): number {
  const [source, capacityW] = ASSETS[a];
  const maxWh = (capacityW * LEN) / HOUR;
  const secondOfDay = t % 86_400;
  if (source === 'solar') {
    if (secondOfDay < 6 * HOUR || secondOfDay >= 18 * HOUR) return 0;
    const sun = Math.sin((Math.PI * (secondOfDay - 6 * HOUR + LEN / 2)) / (12 * HOUR));
    return Math.floor(maxWh * sun * (0.3 + 0.7 * weather(Math.floor(t / 86_400), a)));
  }
  return Math.floor(maxWh * (0.1 + 0.8 * weather(Math.floor(t / HOUR), a)));
}
/** The buyer's consumption in the interval: a base and an evening peak. */
const consumptionOf = (t: number) => 150 + ((t % 86_400) / HOUR >= 17 && (t % 86_400) / HOUR < 21 ? 400 : 0);
/** Wh asset a sells in a traded interval: 60 % of its export. */
const sellOf = (a: number, t: number) => (traded.includes(t) && ASSETS[a][2] ? Math.floor(exportOf(a, t) * 0.6) : 0);
const boughtIn = (t: number) => VERIFIED.reduce((s, a) => s + sellOf(a, t), 0);
const hourSum = (h: number, f: (t: number) => number) => [0, 1, 2, 3].reduce((s, k) => s + f(h + k * LEN), 0);

/** Set when the test ends, so that the live intervals stop waiting (after a failure jest would wait for them). */
let stopped = false;
afterAll(() => {
  stopped = true;
});
const waitUntil = async (epochSeconds: number) => {
  while (!stopped && Date.now() / 1000 < epochSeconds) await sleepUntil(Math.min(epochSeconds, Date.now() / 1000 + 1));
  if (stopped) throw new Error('stopped');
};

let producers: Producer[];
let buyer: Trader;
/** The meters' readings of every interval of the month, signed, seq and registers counting from the month's start. */
let readingsOf: (t: number) => SignedReading[];
/** Wh the regulator withdrew, per asset and hour. */
const withdrawn = new Map<string, number>();
const issued = new Set<number>();
const issuanceIdOf = (a: number, h: number) => `${producers[a].assetId}@${issuanceTag(iso(h))}`;

/** The audit over the month: it holds, with every checked or skipped hour of the four verified assets accounted for. */
async function auditHolds(step: string): Promise<void> {
  const t0 = Date.now();
  const { code, out, stderr } = await auditCertificates('--community', C, '--from', iso(MONTH_START), '--to', iso(END));
  expect([step, code, out.findings, stderr]).toEqual([step, 0, [], '']);
  expect(out).toMatchObject({ assets: VERIFIED.length, holds: true });
  expect(out.hoursChecked + out.hoursSkipped).toBe(VERIFIED.length * hours.length);
  log(`${step}: audit holds (${out.hoursChecked} hours checked, ${out.hoursSkipped} open) in ${Date.now() - t0} ms`);
}

/**
 * Per asset and hour of `which`: the verified export as generated, the Wh sold as traded, and the
 * certificates equal to the unsold verified export (less the regulator's withdrawals) once the hour
 * is issued, none before; the unverified asset's hours carry no certificate ever.
 */
async function accountsExact(step: string, which: number[]): Promise<void> {
  const t0 = Date.now();
  const wanted = new Set(which);
  for (const a of [...VERIFIED, 4]) {
    const got: JsonAnswer[] = [];
    for (let from = MONTH_START; from < END; from += 168 * HOUR) {
      const query = new URLSearchParams({ from: iso(from), to: iso(Math.min(END, from + 168 * HOUR)) });
      const answer = await ok(api('community', operatorKey(), 'GET', `/assets/${producers[a].assetId}/certificate-accounts?${query}`));
      got.push(...answer.items.filter((x: JsonAnswer) => wanted.has(Date.parse(x.hourStart) / 1000)));
    }
    const row = (x: JsonAnswer) => [x.hourStart, x.verifiedExportWh, x.bundledWh, x.certificateWh, x.holds];
    const expected = which.map((h) => {
      if (a === 4) return [iso(h), 0, 0, 0, true];
      const exportWh = hourSum(h, (t) => exportOf(a, t));
      const soldWh = hourSum(h, (t) => sellOf(a, t));
      const certificateWh = issued.has(h) ? exportWh - soldWh - (withdrawn.get(`${a} ${h}`) ?? 0) : 0;
      return [iso(h), exportWh, soldWh, certificateWh, true];
    });
    expect([step, a, got.map(row)]).toEqual([step, a, expected]);
  }
  log(`${step}: ${which.length} hours of ${VERIFIED.length + 1} assets exact in ${Date.now() - t0} ms`);
}

const log = (m: string) => process.stdout.write(`49 [${Math.round(Date.now() / 1000 - started)} s] ${m}\n`);

/** Runs `f` over `items`, `width` at a time. */
async function pool<T>(items: T[], width: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await f(items[next++]);
    }),
  );
}

const submitReadings = async (readings: SignedReading[]) => {
  const submitted = await ok(api('community', operatorKey(), 'POST', '/readings', { readings }));
  expect(submitted.results.filter((r: { status: string }) => r.status !== 'accepted')).toEqual([]);
};

/** Issues asset-hours in batches of 100 (one asset's hours each, so that no two batches share an issuance cursor). */
async function issueHours(which: number[]): Promise<void> {
  await pool([...VERIFIED, 4], 5, async (a) => {
    for (let k = 0; k < which.length; k += 100) {
      const items = which.slice(k, k + 100).map((h) => ({ assetId: producers[a].assetId, hourStart: iso(h) }));
      const answer = await ok(api('regulator', regulatorKey(), 'POST', '/certificates/issuances/batch', { items }));
      const codes = answer.items.map((x: JsonAnswer) => (x.status === 'issued' ? 'issued' : x.error.code));
      expect(codes).toEqual(items.map(() => (a === 4 ? 'CERTIFICATE_ASSET_UNVERIFIED' : 'issued')));
    }
  });
  if (which.length > 0) for (const h of which) issued.add(h);
}

/** Waits until the Regulator's peer (which endorses issuance) sees the window of `t` closed. */
async function regulatorSeesClosed(t: number): Promise<void> {
  const path = `/communities/${C}/windows/${encodeURIComponent(iso(t))}`;
  for (let k = 0; k < 100 && (await ok(api('regulator', regulatorKey(), 'GET', path))).closed === false; k++)
    await new Promise((r) => setTimeout(r, 100));
}

const ORDER = ['gate-closed', 'clearing', 'cleared', 'settling', 'settled'];
const TARGET: Record<string, string> = { close: 'gate-closed', clear: 'cleared', settle: 'settled' };

/**
 * Steps the market interval from t (close, clear, settle), each once: a step the interval is past already (the traded
 * intervals' close and clear) is skipped; a step refused while another is still being written, or lost to an MVCC race
 * with a neighbour's settlement paying the same participants, is proposed again.
 */
async function marketStep(t: number, steps: string[]): Promise<void> {
  const path = `/markets/${C}/intervals/${iso(t)}`;
  for (const s of steps)
    for (let k = 1; ; k++) {
      const res = await api('community', operatorKey(), 'POST', `${path}/${s}`);
      if (res.status === 200) {
        if (s === 'clear') expect([iso(t), res.body.volumeWh]).toEqual([iso(t), boughtIn(t)]);
        break;
      }
      const status =
        res.body.error?.code === 'INTERVAL_STATE_CONFLICT' ? (await ok(api('community', operatorKey(), 'GET', path))).status : '';
      if (ORDER.indexOf(status) >= ORDER.indexOf(TARGET[s])) break;
      if (k === 10) throw new Error(`${s} ${iso(t)}: ${res.status} ${JSON.stringify(res.body)} (interval ${status})`);
      await new Promise((r) => setTimeout(r, 200 * k));
    }
}

beforeAll(async () => {
  log(`${DAYS} days from ${iso(MONTH_START)} to ${iso(END)}: ${past.length} past intervals, live ${live.map(iso).join(', ')}`);
  expect((await api('community', operatorKey(), 'PATCH', `/markets/${C}/params`, params)).status).toBe(200);
  producers = [];
  for (const [k, [source, capacityW, verified]] of ASSETS.entries()) producers[k] = await producer(verified, C, { source, capacityW });
  buyer = await trader('certmonthbuyer', C);
  await ok(
    api('utility', utilityKey(), 'POST', '/credits/deposits', {
      participantId: buyer.participantId,
      amountMicros: 100_000_000,
      reference: `dep-${buyer.participantId}`,
    }),
    201,
  );
  const meters = [...producers, buyer];
  const signed = new Map<number, SignedReading[]>();
  const registers = meters.map(() => ({ exportWh: 0, importWh: 0 }));
  for (const [k, t] of intervals.entries())
    signed.set(
      t,
      meters.map((m, i) => {
        const exportWh = i < producers.length ? exportOf(i, t) : 0;
        const importWh = i < producers.length ? 0 : consumptionOf(t) + boughtIn(t);
        registers[i].exportWh += exportWh;
        registers[i].importWh += importWh;
        const reading = { meterId: m.meterId, intervalStart: iso(t), seq: k + 1, exportWh, importWh };
        return signReading(
          { ...reading, exportRegisterWh: registers[i].exportWh, importRegisterWh: registers[i].importWh },
          m.privateKeyPem,
        );
      }),
    );
  readingsOf = (t) => signed.get(t)!;
  log(`${meters.length} meters onboarded, ${ASSETS.length} assets registered and 4 verified`);
});

it('a month: certificates equal the unsold verified export per asset and hour, and the audit holds after every step', async () => {
  // Orders for every traded interval: each verified asset with export sells 60 % of it, the buyer takes it all.
  for (const t of traded) {
    for (const a of VERIFIED)
      if (sellOf(a, t) > 0)
        await ok(
          api('community', producers[a].apiKey, 'POST', '/orders', {
            clientOrderId: `m${t}`,
            communityId: C,
            intervalStart: iso(t),
            side: 'sell',
            energyWh: sellOf(a, t),
            priceMicrosPerKwh: 100_000,
          }),
          201,
        );
    if (boughtIn(t) > 0)
      await ok(
        api('community', buyer.apiKey, 'POST', '/orders', {
          clientOrderId: `m${t}`,
          communityId: C,
          intervalStart: iso(t),
          side: 'buy',
          energyWh: boughtIn(t),
          priceMicrosPerKwh: 200_000,
        }),
        201,
      );
  }
  log(`orders placed for ${traded.length} intervals: ${traded.map((t) => `${iso(t)} ${boughtIn(t)} Wh`).join(', ')}`);

  // The live intervals run beside the month's steps: gate, clearing, delivery, window close, settlement.
  let pastReadingsIn: () => void = () => undefined;
  const pastReadings = new Promise<void>((resolve) => (pastReadingsIn = resolve));
  const liveRun = (async () => {
    for (const t of live) {
      if (traded.includes(t)) {
        await waitUntil(t - params.gateClosureSeconds + 1);
        await marketStep(t, ['close', 'clear']);
      }
      await waitUntil(t + LEN + 1);
      await pastReadings;
      await submitReadings(readingsOf(t));
      await ok(closeWindow(iso(t), C));
      await marketStep(t, ['close', 'clear', 'settle']);
      log(`live interval ${iso(t)} delivered, closed and settled`);
    }
  })();
  liveRun.catch(() => undefined);

  // 1. The month's readings, as a head-end relays a meter's backlog: batches of 200, oldest first, each meter's in turn
  // (batches of one meter's neighbouring intervals read each other's keys: side by side they would conflict).
  let t0 = Date.now();
  const perMeter = readingsOf(past[0]).map((_, m) => past.map((t) => readingsOf(t)[m]));
  const chunks = (rs: SignedReading[]) => Array.from({ length: Math.ceil(rs.length / 200) }, (_, k) => rs.slice(k * 200, k * 200 + 200));
  await pool(perMeter, 3, async (rs) => {
    for (const batch of chunks(rs)) await submitReadings(batch);
  });
  pastReadingsIn();
  log(`step readings: ${past.length * perMeter.length} readings in batches of 200 in ${Date.now() - t0} ms`);
  await auditHolds('readings');

  // 2. Windows closed, a few intervals at a time (they share no key).
  t0 = Date.now();
  await pool(past, 6, async (t) => {
    await ok(closeWindow(iso(t), C));
  });
  await regulatorSeesClosed(past[past.length - 1]);
  log(`step windows: ${past.length} windows closed in ${Date.now() - t0} ms`);
  await auditHolds('windows closed');

  // 3. The market intervals of the past settled, as the market scheduler would have done live (no orders: feed-in and retail).
  t0 = Date.now();
  await pool(past, 6, (t) => marketStep(t, ['close', 'clear', 'settle']));
  log(`step market: ${past.length} market intervals closed, cleared and settled in ${Date.now() - t0} ms`);
  await auditHolds('market settled');
  await accountsExact('market settled', pastHours);

  // 4. Issuance of every past hour in batches; the unverified asset's hours are refused, each.
  t0 = Date.now();
  await issueHours(pastHours);
  log(`step issuance: ${pastHours.length * ASSETS.length} asset-hours in batches in ${Date.now() - t0} ms`);
  await auditHolds('issuance');
  await accountsExact('issuance', pastHours);
  const twice = await ok(
    api('regulator', regulatorKey(), 'POST', '/certificates/issuances/batch', {
      items: [{ assetId: producers[0].assetId, hourStart: iso(pastHours[0]) }],
    }),
  );
  expect(twice.items[0].error.code).toBe('CERTIFICATE_HOUR_ISSUED');

  // 5. Transfers: a solar producer sells certificates of its sunniest hour to the buyer, a wind producer to the other.
  const certOf = (a: number, h: number) => hourSum(h, (t) => exportOf(a, t)) - hourSum(h, (t) => sellOf(a, t));
  const best = (a: number) => pastHours.reduce((b, h) => (certOf(a, h) > certOf(a, b) ? h : b));
  const [sunny, windy] = [best(0), best(2)];
  await ok(
    api('community', producers[0].apiKey, 'POST', `/certificates/${issuanceIdOf(0, sunny)}-1/transfer`, {
      to: buyer.participantId,
      quantityWh: 300,
    }),
  );
  await ok(
    api('community', producers[2].apiKey, 'POST', `/certificates/${issuanceIdOf(2, windy)}-1/transfer`, {
      to: producers[3].participantId,
      quantityWh: 200,
    }),
  );
  await auditHolds('transfers');
  await accountsExact('transfers', pastHours);

  // 6. Claims: the buyer claims part of what it got, the wind producer part of its own, each for consumption in the hour.
  const claim = (h: number, quantityWh: number) => ({
    quantityWh,
    beneficiary: 'Bakery Nord',
    purpose: 'scope 2',
    consumptionPeriodStart: iso(h),
    consumptionPeriodEnd: iso(h + HOUR),
    location: 'Potsdam',
  });
  await ok(api('community', buyer.apiKey, 'POST', `/certificates/${issuanceIdOf(0, sunny)}-1/claim`, claim(sunny, 120)));
  await ok(api('community', producers[3].apiKey, 'POST', `/certificates/${issuanceIdOf(2, windy)}-1/claim`, claim(windy, 50)));
  await auditHolds('claims');
  await accountsExact('claims', pastHours);

  // 7. The regulator withdraws 100 Wh of the other solar asset's best hour (a meter found faulty).
  const faulty = best(1);
  await ok(
    api('regulator', regulatorKey(), 'POST', `/certificates/issuances/${issuanceIdOf(1, faulty)}/withdrawal`, {
      rangeStart: 1,
      rangeEnd: 100,
      reason: 'meter found faulty',
    }),
  );
  withdrawn.set(`1 ${faulty}`, 100);
  await auditHolds('withdrawal');
  await accountsExact('withdrawal', pastHours);

  // 8. Expiry is 12 months after the production period: recording it now finds nothing of this month expired.
  for (const holder of [buyer.participantId, producers[0].participantId]) {
    const expiry = await ok(api('regulator', regulatorKey(), 'POST', `/participants/${holder}/certificates/expiry`));
    expect(expiry).toMatchObject({ expired: [], more: false });
  }
  await auditHolds('expiry record');

  // 9. The live hour(s): traded, delivered, closed and settled; then issued, the Wh sold left out.
  t0 = Date.now();
  await liveRun;
  await regulatorSeesClosed(live[live.length - 1]);
  log(`step trades: waited ${Date.now() - t0} ms for the live intervals to end and settle`);
  await auditHolds('trades settled');
  await accountsExact('trades settled', hours);
  await issueHours(liveHours);
  await auditHolds('live hours issued');
  await accountsExact('live hours issued', hours);
  const sold = VERIFIED.map((a) => liveHours.reduce((s, h) => s + hourSum(h, (t) => sellOf(a, t)), 0));
  log(`done: Wh sold P2P per verified asset ${sold.join(', ')}; ${hours.length * VERIFIED.length} asset-hours certified`);
  expect(sold.reduce((s, x) => s + x, 0)).toBeGreaterThan(0);
});
