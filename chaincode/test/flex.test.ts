/**
 * Demand response on the fake ledger: an event called, answered, baselines fixed from verified
 * readings and published, the event settled; every figure computed by hand in the comments.
 */
import { auditFlexParticipant, DAY_SECONDS, ErrorCodes, formatInstant, parseInstant, Reading } from '@gridledger/core';
import { AssetsContract, EnergyContract } from '../src/energy';
import { FlexContract } from '../src/flex';
import { CreditsContract } from '../src/market/credits';
import { MeteringContract } from '../src/metering';
import { FakeFabric, identity, meterKeys, SEED, signReading, submitVia, withTransient } from './fake-fabric';
import { codeOf, expectOk, operator, regulator, setupMarket, utility } from './market-support';

const flex = new FlexContract();
const metering = new MeteringContract();
const assets = new AssetsContract();
const energy = new EnergyContract();
const credits = new CreditsContract();
const bridge = identity('CommunityMSP', 'meter-bridge', 'bridge-1');
const p1 = identity('CommunityMSP', 'consumer', 'p1');
const p2 = identity('CommunityMSP', 'consumer', 'p2');
const keys = { p1: meterKeys(), p2: meterKeys() };

/** Monday 2026-11-23, 18:00 and 18:15: the event; adjustment intervals 17:15 and 17:30 (17:45 is the gap). */
const DAY = parseInstant('2026-11-23T00:00:00Z')!;
const at = (hhmm: string, back = 0) => DAY - back * DAY_SECONDS + Number(hhmm.slice(0, 2)) * 3600 + Number(hhmm.slice(3)) * 60;
const SLOTS = ['17:15', '17:30', '18:00', '18:15'];
/** The 10 weekdays before, most recent first: 20, 19, 18, 17, 16, 13, 12, 11, 10, 9 November. */
const WEEKDAYS_BACK = [3, 4, 5, 6, 7, 10, 11, 12, 13, 14];

const event = {
  eventId: 'ev-1',
  programId: 'dr-c1',
  communityId: 'c1',
  zoneIds: ['z1'],
  start: formatInstant(at('18:00')),
  end: formatInstant(at('18:30')),
  targetReductionW: 2_000,
  priceMicrosPerKwh: 500_000,
  shortfallPriceMicrosPerKwh: 100_000,
  optInDeadline: formatInstant(at('17:50')),
  baseline: { adjustmentIntervals: 2, adjustmentGapIntervals: 1, lookbackDays: 15 },
};

/** Consecutive readings of a meter over the (start, importWh) given, oldest first. */
function series(meterId: string, values: [number, number][]): Reading[] {
  let register = 1_000_000;
  return values
    .sort((a, b) => a[0] - b[0])
    .map(([s, importWh], k) => {
      register += importWh;
      return {
        meterId,
        intervalStart: formatInstant(s),
        seq: k + 1,
        importWh,
        exportWh: 0,
        importRegisterWh: register,
        exportRegisterWh: 0,
      };
    });
}

/**
 * p1: each like day k (1 = most recent) 100 + 10k Wh in both event intervals, 50 Wh in each adjustment interval; the
 * event day 60 + 60 in the adjustment intervals, then 100 and 250 Wh. p2: days 2, 4 and 6 missing; 300 − 10k Wh; the
 * event day nothing before, 200 Wh in the first event interval and no reading in the second.
 */
function readings(): { past: Reading[]; before: Reading[]; during: Reading[] } {
  const p1Values: [number, number][] = [];
  const p2Values: [number, number][] = [];
  WEEKDAYS_BACK.forEach((back, i) => {
    const k = i + 1;
    for (const s of SLOTS) p1Values.push([at(s, back), s.startsWith('17') ? 50 : 100 + 10 * k]);
    if (![2, 4, 6].includes(k)) for (const s of SLOTS) p2Values.push([at(s, back), s.startsWith('17') ? 40 : 300 - 10 * k]);
  });
  p1Values.push([at('17:15'), 60], [at('17:30'), 60], [at('18:00'), 100], [at('18:15'), 250]);
  p2Values.push([at('18:00'), 200]);
  const all = [...series('p1.m', p1Values), ...series('p2.m', p2Values)];
  const today = (r: Reading) => parseInstant(r.intervalStart)! >= DAY;
  return {
    past: all.filter((r) => !today(r)),
    before: all.filter((r) => today(r) && r.intervalStart < event.start),
    during: all.filter((r) => r.intervalStart >= event.start),
  };
}

async function submit(fabric: FakeFabric, list: Reading[]): Promise<void> {
  for (let k = 0; k < list.length; k += 50) {
    const batch = list.slice(k, k + 50).map((r) => signReading(r, keys[r.meterId.slice(0, 2) as 'p1' | 'p2'].privateKey));
    const out = expectOk(await fabric.run(bridge, (ctx) => submitVia(metering, ctx, JSON.stringify(batch))));
    expect(out.results.filter((r: { status: string }) => r.status !== 'accepted')).toEqual([]);
  }
}

async function ledger(): Promise<FakeFabric> {
  const fabric = await setupMarket(keys);
  fabric.now = at('16:00');
  expectOk(await fabric.run(operator, (ctx) => metering.setParams(ctx, JSON.stringify({ lateWindowSeconds: 30 * DAY_SECONDS }))));
  for (const id of ['p1', 'p2']) {
    const site = { siteId: `${id}.site`, participantId: id, connectionCapacityW: 20_000, zone: 'z1' };
    expectOk(await fabric.run(operator, (ctx) => assets.registerSite(ctx, JSON.stringify(site))));
    expectOk(await fabric.run(operator, (ctx) => assets.attachMeter(ctx, `${id}.m`, `${id}.site`)));
  }
  return fabric;
}

const call = (fabric: FakeFabric, who: ReturnType<typeof identity>, request: object) =>
  fabric.run(who, (ctx) => flex.callEvent(ctx, JSON.stringify(request)));

describe('a demand-response event', () => {
  it('from call to payment: baselines by the PG&E rule, the missing-data rule, reduction and payment as computed by hand', async () => {
    const fabric = await ledger();
    const { past, before, during } = readings();
    await submit(fabric, past);

    // Calls: the utility or the operator; never in the past, never with less than 30 s notice.
    expect(codeOf(await call(fabric, p1, event))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(codeOf(await call(fabric, identity('CommunityMSP', 'utility', 'u'), event))).toBe(ErrorCodes.ACCESS_DENIED);
    const past1 = { ...event, eventId: 'old', start: formatInstant(at('15:00')), end: formatInstant(at('15:30')) };
    expect(codeOf(await call(fabric, utility, past1))).toBe(ErrorCodes.FLEX_EVENT_IN_PAST);
    const soon = { ...event, eventId: 'soon', start: formatInstant(at('16:00') + 900), end: formatInstant(at('16:30')) };
    fabric.now = at('16:15') - 20;
    expect(codeOf(await call(fabric, utility, { ...soon, optInDeadline: formatInstant(at('16:15')) }))).toBe(
      ErrorCodes.FLEX_NOTICE_TOO_SHORT,
    );
    fabric.now = at('17:00');
    const called = expectOk(await call(fabric, utility, event));
    expect(called).toMatchObject({ eventId: 'ev-1', intervals: [event.start, formatInstant(at('18:15'))], noticeSeconds: 3600 });
    expect(expectOk(await call(fabric, utility, event)).txId).toBe(called.txId);
    expect(codeOf(await call(fabric, utility, { ...event, priceMicrosPerKwh: 1 }))).toBe(ErrorCodes.FLEX_EVENT_EXISTS);
    const overlapping = { ...event, eventId: 'ev-2', start: formatInstant(at('18:15')), end: formatInstant(at('18:45')) };
    expectOk(await call(fabric, operator, overlapping));
    // The community's events by start, for any role (a household finds the events it may answer); a period bounds them.
    const listed = (from: string, to: string) =>
      fabric.evaluate(p1, (ctx) => flex.listEvents(ctx, event.communityId, from, to, '', '')).then(expectOk);
    expect((await listed('', '')).items.map((e: { eventId: string }) => e.eventId)).toEqual(['ev-1', 'ev-2']);
    expect((await listed(formatInstant(at('18:15')), '')).items.map((e: { eventId: string }) => e.eventId)).toEqual(['ev-2']);
    expect((await listed('', formatInstant(at('18:15')))).items.map((e: { eventId: string }) => e.eventId)).toEqual(['ev-1']);
    expect(codeOf(await fabric.evaluate(p1, (ctx) => flex.listEvents(ctx, event.communityId, 'soon', '', '', '')))).toBe(
      ErrorCodes.FLEX_EVENT_INVALID,
    );

    // Answers: the participant itself (or the operator); no overlapping events; not after the deadline.
    expect(codeOf(await fabric.run(p2, (ctx) => flex.optIn(ctx, 'ev-1', 'p1', '')))).toBe(ErrorCodes.ACCESS_DENIED);
    expectOk(await fabric.run(p1, (ctx) => flex.optIn(ctx, 'ev-1', 'p1', '')));
    expectOk(await fabric.run(p2, (ctx) => flex.optIn(ctx, 'ev-1', 'p2', JSON.stringify({ committedW: 400 }))));
    expect(codeOf(await fabric.run(p1, (ctx) => flex.optIn(ctx, 'ev-2', 'p1', '')))).toBe(ErrorCodes.FLEX_EVENT_OVERLAP);
    expectOk(await fabric.run(p1, (ctx) => flex.optOut(ctx, 'ev-1', 'p1')));
    expectOk(await fabric.run(p1, (ctx) => flex.optIn(ctx, 'ev-2', 'p1', '')));
    expectOk(await fabric.run(p1, (ctx) => flex.optOut(ctx, 'ev-2', 'p1')));
    expectOk(await fabric.run(p1, (ctx) => flex.optIn(ctx, 'ev-1', 'p1', '')));
    expect(codeOf(await fabric.run(p1, (ctx) => flex.fixBaseline(ctx, 'ev-1', 'p1')))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(codeOf(await fabric.run(utility, (ctx) => flex.fixBaseline(ctx, 'ev-1', 'p1')))).toBe(ErrorCodes.FLEX_STATE_INVALID);

    fabric.now = at('17:55');
    await submit(fabric, before);
    expect(codeOf(await fabric.run(p2, (ctx) => flex.optOut(ctx, 'ev-1', 'p2')))).toBe(ErrorCodes.FLEX_OPT_IN_CLOSED);
    const fixed = expectOk(await fabric.run(utility, (ctx) => flex.fixBaseline(ctx, 'ev-1', 'p1')));
    expect(fixed.baselineHash).toMatch(/^[0-9a-f]{64}$/);
    expectOk(await fabric.run(operator, (ctx) => flex.fixBaseline(ctx, 'ev-1', 'p2')));

    // p1: the 10 weekdays 110..200 Wh; the highest 5 (k = 6..10) average 180. Adjustment 120 Wh against an average 100: 1.2.
    const b1 = expectOk(await fabric.evaluate(p1, (ctx) => flex.getBaseline(ctx, 'ev-1', 'p1')));
    expect(b1).toMatchObject({ dayType: 'weekday', adjustmentActualWh: 120, adjustmentPpm: 1_200_000, baselineWh: [216, 216] });
    expect(b1.selectedDays).toEqual(['2026-11-09', '2026-11-10', '2026-11-11', '2026-11-12', '2026-11-13']); // highest first
    // p2: days 2, 4, 6 missing, 7 eligible (290, 270, 250, 230, 220, 210, 200): the highest 5 average 252.
    // No reading before the event: no adjustment.
    const b2 = expectOk(await fabric.evaluate(regulator, (ctx) => flex.getBaseline(ctx, 'ev-1', 'p2')));
    expect(b2).toMatchObject({ adjustmentActualWh: null, adjustmentPpm: 1_000_000, baselineWh: [252, 252] });
    expect(b2.days.filter((d: { status: string }) => d.status === 'missing').map((d: { day: string }) => d.day)).toEqual([
      '2026-11-19',
      '2026-11-17',
      '2026-11-13',
    ]);
    expect(codeOf(await fabric.evaluate(p1, (ctx) => flex.getBaseline(ctx, 'ev-1', 'p2')))).toBe(ErrorCodes.ACCESS_DENIED);
    const view = expectOk(await fabric.evaluate(p1, (ctx) => flex.getEvent(ctx, 'ev-1')));
    expect(view.optIns.map((o: { participantId: string }) => o.participantId)).toEqual(['p1']);

    // After the event: settled once its windows are closed.
    fabric.now = at('18:35');
    await submit(fabric, during);
    expect(codeOf(await fabric.run(utility, (ctx) => flex.settle(ctx, 'ev-1', 'p1')))).toBe(ErrorCodes.FLEX_STATE_INVALID);
    for (const s of ['18:00', '18:15'])
      expectOk(await fabric.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', formatInstant(at(s)))));
    // p1: 216 − 100 = 116 Wh, 216 − 250 → 0; 116 Wh × 500,000 µ/kWh = 58,000 µ.
    const r1 = expectOk(await fabric.run(utility, (ctx) => flex.settle(ctx, 'ev-1', 'p1')));
    expect(r1).toMatchObject({ reductionWh: 116, reductionByIntervalWh: [116, 0], paymentMicros: 58_000, netPaymentMicros: 58_000 });
    // p2: 252 − 200 = 52 Wh, then no reading: 0; committed 400 W = 100 Wh per interval: shortfall 48 + 100 = 148 Wh × 100,000 = 14,800 µ.
    const r2 = expectOk(await fabric.run(utility, (ctx) => flex.settle(ctx, 'ev-1', 'p2')));
    expect(r2).toMatchObject({ reductionWh: 52, missingIntervals: 1, shortfallWh: 148, paymentMicros: 26_000, netPaymentMicros: 11_200 });
    expect(expectOk(await fabric.run(utility, (ctx) => flex.settle(ctx, 'ev-1', 'p2'))).txId).toBe(r2.txId);
    const account = expectOk(await fabric.evaluate(p1, (ctx) => credits.getAccount(ctx, 'p1')));
    expect(account.availableMicros).toBe(1_000_000 + 58_000); // the deposit of setupMarket and the payment
    const results = expectOk(await fabric.evaluate(regulator, (ctx) => flex.getResults(ctx, 'ev-1')));
    // Target 2,000 W = 500 Wh per interval; delivered 168 and 0.
    expect(results.intervals).toEqual([
      { intervalStart: event.start, targetWh: 500, deliveredWh: 168, shortfallWh: 332 },
      { intervalStart: formatInstant(at('18:15')), targetWh: 500, deliveredWh: 0, shortfallWh: 500 },
    ]);
    expect(results.paidMicros).toBe(69_200);
    const perf = expectOk(await fabric.evaluate(p2, (ctx) => flex.getPerformance(ctx, 'ev-1', 'p2')));
    expect(perf.intervals.map((r: { consumptionWh: number | null }) => r.consumptionWh)).toEqual([200, null]);

    // The audit recomputes both participants from what was published; a changed figure is found.
    const { event: recorded, optIns } = expectOk(await fabric.evaluate(regulator, (ctx) => flex.getEvent(ctx, 'ev-1')));
    for (const [p, result] of [
      ['p1', r1],
      ['p2', r2],
    ]) {
      const input = {
        event: recorded,
        optIn: optIns.find((o: { participantId: string }) => o.participantId === p),
        baseline: expectOk(await fabric.evaluate(regulator, (ctx) => flex.getBaseline(ctx, 'ev-1', p))),
        performance: expectOk(await fabric.evaluate(regulator, (ctx) => flex.getPerformance(ctx, 'ev-1', p))),
        result,
      };
      expect(auditFlexParticipant(input)).toEqual([]);
      const changed = { ...input, baseline: { ...input.baseline, baselineWh: input.baseline.baselineWh.map((w: number) => w + 1) } };
      expect(auditFlexParticipant(changed).length).toBeGreaterThan(0);
    }
  });

  it('keeps to the readings’ horizon: a call reaching past it refused, an archived day no outage, no settling on it', async () => {
    const fabric = await ledger();
    const { past, before, during } = readings();
    await submit(fabric, past);
    const setParams = (change: object) => fabric.run(operator, (ctx) => metering.setParams(ctx, JSON.stringify(change)));
    // The horizon: archiveAfterSeconds 31 days (the late window of 30 days plus a day). 31 days of lookback reach past it.
    expectOk(await setParams({ archiveAfterSeconds: 31 * DAY_SECONDS }));
    fabric.now = at('17:00');
    const tooFar = { ...event, eventId: 'far', baseline: { ...event.baseline, lookbackDays: 31 } };
    const refused = await call(fabric, utility, tooFar);
    expect(codeOf(refused)).toBe(ErrorCodes.FLEX_EVENT_INVALID);
    expect(refused.error?.details).toMatchObject({ field: 'baseline.lookbackDays' });
    expectOk(await call(fabric, utility, event)); // 15 days
    expectOk(await fabric.run(p1, (ctx) => flex.optIn(ctx, 'ev-1', 'p1', '')));
    expectOk(await fabric.run(p2, (ctx) => flex.optIn(ctx, 'ev-1', 'p2', '')));

    // Then the horizon shrinks to 8 days, and the hours of 10 to 14 days back are archived: their readings leave the state.
    expectOk(await setParams({ lateWindowSeconds: DAY_SECONDS, disputeWindowSeconds: DAY_SECONDS, correctionWindowSeconds: DAY_SECONDS }));
    expectOk(await setParams({ archiveAfterSeconds: 8 * DAY_SECONDS }));
    for (const back of [10, 11, 12, 13, 14])
      for (const hh of ['17', '18']) {
        const hour = formatInstant(at(`${hh}:00`, back)).slice(0, 13);
        expectOk(await fabric.run(operator, (ctx) => metering.archiveReadingHour(ctx, JSON.stringify({ hour, pageSize: 100 }))));
      }
    fabric.now = at('17:55');
    await submit(fabric, before);
    expectOk(await fabric.run(utility, (ctx) => flex.fixBaseline(ctx, 'ev-1', 'p1')));
    expectOk(await fabric.run(utility, (ctx) => flex.fixBaseline(ctx, 'ev-1', 'p2')));
    // p1: five weekdays (3..7 back) eligible, then the 10th back archived, and the search ends there: not five outages.
    const b1 = expectOk(await fabric.evaluate(regulator, (ctx) => flex.getBaseline(ctx, 'ev-1', 'p1')));
    const statuses = (b: { days: { status: string }[] }) => b.days.map((d) => d.status).join(' ');
    expect(statuses(b1)).toBe('eligible eligible eligible eligible eligible archived');
    expect(b1.days.at(-1).day).toBe('2026-11-13');
    // p2: its own gaps (2, 4, 6) stay outages, inside the horizon.
    const b2 = expectOk(await fabric.evaluate(regulator, (ctx) => flex.getBaseline(ctx, 'ev-1', 'p2')));
    expect(statuses(b2)).toBe('eligible missing eligible missing eligible archived');

    // Settled within the horizon as ever; p2's event reading of 18:15 never came, and past the horizon that is no answer.
    fabric.now = at('18:35');
    await submit(fabric, during);
    for (const s of ['18:00', '18:15'])
      expectOk(await fabric.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', formatInstant(at(s)))));
    expectOk(await fabric.run(utility, (ctx) => flex.settle(ctx, 'ev-1', 'p1')));
    fabric.now = at('19:00') + 8 * DAY_SECONDS;
    expect(codeOf(await fabric.run(utility, (ctx) => flex.settle(ctx, 'ev-1', 'p2')))).toBe(ErrorCodes.READING_ARCHIVED);
  });
});
