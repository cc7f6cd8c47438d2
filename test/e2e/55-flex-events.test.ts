/**
 * Demand response on the real network (docs/flexibility.md): the utility calls an event one
 * metering interval long (60 s intervals for this file), two households opt in, their baselines
 * are fixed from the readings the test submitted for the like days before and published, the event
 * runs, its window is closed, it is settled and paid; the audit command recomputes it. Baselines,
 * reductions and payments are the figures computed by hand below; one household has missing days
 * and no reading before the event, and follows the published rule for missing data. Bad input:
 * an event in the past, a household calling an event, an overlapping opt-in, an opt-out after
 * the deadline, each refused with its code.
 *
 * Time: the event must start after the call (at least 30 s notice) on the 60 s grid and be over
 * before it is settled, so the file waits about two minutes whatever the machine does.
 *
 * @metering-interval 60
 * @metering-late-window 2160000
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { DAY_SECONDS, formatInstant } from '@gridledger/core/core';
import { dayTypeOf, likeDayOffsets, validateBaselineSpec } from '@gridledger/core/flex';
import { trader, Trader, useMeteringInterval } from './market-support';
import { api, closeWindow, credentials, type JsonAnswer, operatorKey, profile, signReading, sleep, uid } from './support';

const LEN = 60;
useMeteringInterval(LEN, { lateWindowSeconds: 25 * DAY_SECONDS });

const C = uid('flex');
const utilityKey = () => credentials().apiKeys.utility.utility;
const regulatorKey = () => credentials().apiKeys.regulator.regulator;
const AUDIT = join(__dirname, '..', '..', 'gateway-api', 'dist', 'audit.js');
const nowSeconds = () => Math.floor(Date.now() / 1000);
const until = async (seconds: number) => {
  while (Date.now() / 1000 < seconds) await sleep(250);
};
const expectCode = (res: { status: number; body: JsonAnswer }, status: number, code: string) =>
  expect([res.status, res.body.error?.code]).toEqual([status, code]);

let a: Trader;
let b: Trader;

beforeAll(async () => {
  [a, b] = await Promise.all([trader('dra', C), trader('drb', C)]);
  for (const t of [a, b]) {
    const site = { siteId: `${t.participantId}.site`, participantId: t.participantId, connectionCapacityW: 1_000_000, zone: 'z1' };
    expect((await api('community', t.apiKey, 'POST', '/sites', site)).status).toBe(201);
    expect((await api('community', t.apiKey, 'PUT', `/meters/${t.meterId}/site`, { siteId: site.siteId })).status).toBe(200);
  }
});

/** Signed consecutive readings of a meter (import only) over [start, importWh], oldest first. */
function series(t: Trader, values: [number, number][]) {
  let register = 0;
  return values
    .sort((x, y) => x[0] - y[0])
    .map(([s, importWh], k) => {
      register += importWh;
      const reading = { meterId: t.meterId, intervalStart: formatInstant(s), seq: k + 1, importWh, exportWh: 0, exportRegisterWh: 0 };
      return signReading({ ...reading, importRegisterWh: register }, t.privateKeyPem);
    });
}

async function submit(readings: ReturnType<typeof series>) {
  const res = await api('community', operatorKey(), 'POST', '/readings', { readings });
  expect(res.status).toBe(200);
  expect(res.body.results.filter((r: { status: string }) => r.status !== 'accepted')).toEqual([]);
}

function audit(eventId: string): Promise<{ code: number; out: JsonAnswer }> {
  const url = profile().orgs.regulator.gateway.url;
  return new Promise((resolve) => {
    execFile(process.execPath, [AUDIT, 'flex', '--event', eventId, '--url', url, '--key', regulatorKey()], (error, stdout) => {
      resolve({ code: error === null ? 0 : Number(error.code), out: stdout === '' ? {} : JSON.parse(stdout) });
    });
  });
}

it('calls, fixes and publishes baselines, settles and pays as computed by hand; refuses bad input with stable codes', async () => {
  // The event: the interval starting at least 50 s from now; answers until 20 s before it.
  const S = Math.ceil((nowSeconds() + 50) / LEN) * LEN;
  const baseline = { adjustmentIntervals: 2, adjustmentGapIntervals: 1, lookbackDays: 20 };
  const event = {
    eventId: uid('ev'),
    programId: `dr-${C}`,
    communityId: C,
    zoneIds: ['z1'],
    start: formatInstant(S),
    end: formatInstant(S + LEN),
    targetReductionW: 12_000,
    priceMicrosPerKwh: 400_000,
    optInDeadline: formatInstant(S - 20),
    baseline,
  };
  // Bad calls: a household; an event in the past.
  expectCode(await api('community', a.apiKey, 'POST', '/flex/events', event), 403, 'ACCESS_DENIED');
  const past = { ...event, start: formatInstant(S - 10 * LEN), end: formatInstant(S - 9 * LEN) };
  expectCode(await api('utility', utilityKey(), 'POST', '/flex/events', past), 422, 'FLEX_EVENT_IN_PAST');
  const called = await api('utility', utilityKey(), 'POST', '/flex/events', event);
  expect(called.status).toBe(201);
  expect(called.body).toMatchObject({ eventId: event.eventId, intervals: [event.start], intervalSeconds: LEN, calledBy: 'utility' });
  // The operator calls an overlapping event in the same zone.
  const other = { ...event, eventId: uid('ev') };
  expect((await api('community', operatorKey(), 'POST', '/flex/events', other)).status).toBe(201);
  // A household finds the community's events without knowing their ids (by start, then id).
  const listed = await api('community', a.apiKey, 'GET', `/communities/${C}/flex-events?from=${encodeURIComponent(event.start)}`);
  expect(listed.status).toBe(200);
  expect(listed.body.items.map((e: { eventId: string }) => e.eventId)).toEqual([event.eventId, other.eventId].sort());

  expect((await api('community', a.apiKey, 'PUT', `/flex/events/${event.eventId}/opt-ins/${a.participantId}`, {})).status).toBe(200);
  expect((await api('community', b.apiKey, 'PUT', `/flex/events/${event.eventId}/opt-ins/${b.participantId}`, {})).status).toBe(200);
  expectCode(
    await api('community', a.apiKey, 'PUT', `/flex/events/${other.eventId}/opt-ins/${a.participantId}`, {}),
    409,
    'FLEX_EVENT_OVERLAP',
  );
  expectCode(await api('community', b.apiKey, 'PUT', `/flex/events/${event.eventId}/opt-ins/${a.participantId}`, {}), 403, 'ACCESS_DENIED');

  // The like days (most recent first, k = 1, 2, ...): weekdays look for 10 and take the highest 5, weekends for 5 and take 3.
  const weekday = dayTypeOf(S, []) === 'weekday';
  const offsets = likeDayOffsets(S, validateBaselineSpec(baseline)).slice(0, weekday ? 10 : 5);
  const adjustment = [S - 3 * LEN, S - 2 * LEN];
  // A: day k 100 + 10k Wh in the event interval, 50 Wh in each adjustment interval; the event day 60 + 60, then 100 Wh.
  // B: days 2 and 4 missing; day k 300 − 10k Wh, 40 in each adjustment interval; nothing before the event, then 200 Wh.
  const aValues: [number, number][] = [];
  const bValues: [number, number][] = [];
  offsets.forEach((back, i) => {
    const k = i + 1;
    const shift = back * DAY_SECONDS;
    aValues.push([S - shift, 100 + 10 * k], ...adjustment.map((s): [number, number] => [s - shift, 50]));
    if (k !== 2 && k !== 4) bValues.push([S - shift, 300 - 10 * k], ...adjustment.map((s): [number, number] => [s - shift, 40]));
  });
  aValues.push([adjustment[0], 60], [adjustment[1], 60], [S, 100]);
  bValues.push([S, 200]);
  const aSeries = series(a, aValues);
  const bSeries = series(b, bValues);
  await submit([...aSeries.slice(0, -3), ...bSeries.slice(0, -1)]);
  await until(S - LEN + 1);
  await submit(aSeries.slice(-3, -1));

  await until(S - 20 + 1);
  expectCode(
    await api('community', a.apiKey, 'DELETE', `/flex/events/${event.eventId}/opt-ins/${a.participantId}`),
    409,
    'FLEX_OPT_IN_CLOSED',
  );
  const fixed = await api('utility', utilityKey(), 'POST', `/flex/events/${event.eventId}/baselines`);
  expect(fixed.status).toBe(200);
  expect(fixed.body.baselines).toHaveLength(2);
  for (const f of fixed.body.baselines) expect(Date.parse(f.baselineFixedAt) / 1000).toBeLessThan(S);

  // By hand. Weekday: A's highest 5 of 110..200 are 160..200, average 180; adjusted by 120 / 100 = 1.2: 216.
  // B's 8 days found (290, 270, 250, 240, 230, 220, 210, 200): the highest 5 average 256, no adjustment (no reading before).
  // Weekend: A's highest 3 of 110..150 average 140, × 1.2 = 168; B's 3 days found (290, 270, 250) average 270.
  const expected = weekday ? { a: 216, b: 256 } : { a: 168, b: 270 };
  const aBaseline = await api('community', a.apiKey, 'GET', `/flex/events/${event.eventId}/baselines/${a.participantId}`);
  expect(aBaseline.body).toMatchObject({ adjustmentPpm: 1_200_000, adjustmentActualWh: 120, baselineWh: [expected.a] });
  const bBaseline = await api('regulator', regulatorKey(), 'GET', `/flex/events/${event.eventId}/baselines/${b.participantId}`);
  expect(bBaseline.body).toMatchObject({ adjustmentPpm: 1_000_000, adjustmentActualWh: null, baselineWh: [expected.b] });
  const missing = bBaseline.body.days.filter((d: { status: string }) => d.status === 'missing').map((d: { day: string }) => d.day);
  expect(missing.slice(0, 2)).toEqual([offsets[1], offsets[3]].map((back) => formatInstant(S - back * DAY_SECONDS).slice(0, 10)));
  expectCode(await api('community', b.apiKey, 'GET', `/flex/events/${event.eventId}/baselines/${a.participantId}`), 403, 'ACCESS_DENIED');

  // After the event: the readings, the window closed, settled.
  await until(S + LEN + 1);
  await submit([aSeries.at(-1)!, bSeries.at(-1)!]);
  const early = await api('utility', utilityKey(), 'POST', `/flex/events/${event.eventId}/settlement`);
  expectCode(early, 409, 'FLEX_STATE_INVALID');
  expect((await closeWindow(event.start, C)).status).toBe(200);
  const settled = await api('utility', utilityKey(), 'POST', `/flex/events/${event.eventId}/settlement`);
  expect(settled.status).toBe(200);
  // Reduction = baseline − 100 (A), − 200 (B); paid at 400,000 µ per kWh: Wh × 400.
  const pay = { a: (expected.a - 100) * 400, b: (expected.b - 200) * 400 };
  const byId = (id: string) => settled.body.results.find((r: { participantId: string }) => r.participantId === id);
  expect(byId(a.participantId)).toMatchObject({ reductionWh: expected.a - 100, netPaymentMicros: pay.a });
  expect(byId(b.participantId)).toMatchObject({ reductionWh: expected.b - 200, netPaymentMicros: pay.b });
  expect((await api('community', a.apiKey, 'GET', `/credits/${a.participantId}`)).body.availableMicros).toBe(pay.a);
  expect((await api('community', b.apiKey, 'GET', `/credits/${b.participantId}`)).body.availableMicros).toBe(pay.b);
  const results = await api('regulator', regulatorKey(), 'GET', `/flex/events/${event.eventId}/results`);
  // Target 12,000 W over 60 s: 200 Wh; delivered 116 + 56 (weekday) or 68 + 70 (weekend), short of it.
  const delivered = expected.a + expected.b - 300;
  expect(results.body.intervals).toEqual([
    { intervalStart: event.start, targetWh: 200, deliveredWh: delivered, shortfallWh: 200 - delivered },
  ]);
  const own = await api('community', b.apiKey, 'GET', `/flex/events/${event.eventId}/results`);
  expect(own.body.results.map((r: { participantId: string }) => r.participantId)).toEqual([b.participantId]);

  const { code, out } = await audit(event.eventId);
  expect([code, out.findings]).toEqual([0, []]);
  expect(out).toMatchObject({ participants: 2, holds: true });
});
