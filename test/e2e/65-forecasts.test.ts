/**
 * Forecasts on the real network (docs/forecasts.md): two households of a community of this file's own, each with
 * a bidirectional meter and a few readings on the ledger. A household gets its meter's next-interval forecast and
 * is refused another's (ACCESS_DENIED, from the registry); the regulator is refused a meter's forecast but reads
 * the community's (from the public readings: no import); the community's day-ahead forecast is the sum of its two
 * meters', interval by interval.
 */
import { formatInstant } from '@gridledger/core/core';
import { api, credentials, newProsumerWithMeter, operatorKey, readingSeries, TestMeter, uid } from './support';

const C = uid('fc');
const regulatorKey = () => credentials().apiKeys.regulator.regulator;
let a: TestMeter;
let b: TestMeter;

beforeAll(async () => {
  [a, b] = await Promise.all([newProsumerWithMeter(5000, C), newProsumerWithMeter(8000, C)]);
  for (const m of [a, b]) {
    const submitted = await api('community', operatorKey(), 'POST', '/readings', { readings: readingSeries(m, 6) });
    expect(submitted.status).toBe(200);
    expect(submitted.body.results.map((r: { status: string }) => r.status)).toEqual(Array(6).fill('accepted'));
  }
});

interface Interval {
  intervalStart: string;
  pvWh: number;
  loadWh: number;
  netWh: number;
}

test("a household gets its own meter's next-interval forecast, fitted on its readings", async () => {
  const before = Math.floor(Date.now() / 1000);
  const res = await api('community', a.apiKey, 'GET', `/forecasts/meters/${a.meterId}?horizon=next`);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ meterId: a.meterId, participantId: a.participantId, communityId: C, horizon: 'next', readings: 6 });
  expect(res.body.methods).toEqual({ pv: 'model', load: 'model' });
  const [next] = res.body.intervals as Interval[];
  expect(res.body.intervals).toHaveLength(1);
  const nextStart = Math.floor(before / res.body.intervalSeconds) * res.body.intervalSeconds + res.body.intervalSeconds;
  expect([formatInstant(nextStart), formatInstant(nextStart + res.body.intervalSeconds)]).toContain(next.intervalStart);
  expect(next.loadWh).toBeGreaterThan(0);
  expect(next.netWh).toBe(next.loadWh - next.pvWh);
  // Persistence: the last reading's load (import − export + the modelled PV of that interval) is some Wh, not the model's.
  const persistence = await api('community', a.apiKey, 'GET', `/forecasts/meters/${a.meterId}?horizon=next&method=persistence`);
  expect(persistence.status).toBe(200);
  expect(persistence.body.methods).toEqual({ pv: 'persistence', load: 'persistence' });
});

test("another household, the regulator: refused a meter's forecast", async () => {
  const other = await api('community', b.apiKey, 'GET', `/forecasts/meters/${a.meterId}`);
  expect(other.status).toBe(403);
  expect(other.body.error.code).toBe('ACCESS_DENIED');
  const regulator = await api('regulator', regulatorKey(), 'GET', `/forecasts/meters/${a.meterId}`);
  expect(regulator.status).toBe(403);
  expect(regulator.body.error.code).toBe('ACCESS_DENIED');
  const household = await api('community', a.apiKey, 'GET', `/communities/${C}/forecast`);
  expect(household.status).toBe(403);
  expect(household.body.error.code).toBe('ACCESS_DENIED');
});

test("the community's day-ahead forecast sums its homes', for the operator and the regulator", async () => {
  const [fa, fb, community, regulator] = await Promise.all([
    api('community', operatorKey(), 'GET', `/forecasts/meters/${a.meterId}?horizon=day`),
    api('community', operatorKey(), 'GET', `/forecasts/meters/${b.meterId}?horizon=day`),
    api('community', operatorKey(), 'GET', `/communities/${C}/forecast?horizon=day`),
    api('regulator', regulatorKey(), 'GET', `/communities/${C}/forecast?horizon=day`),
  ]);
  for (const r of [fa, fb, community, regulator]) expect(r.status).toBe(200);
  expect(community.body.meters).toBe(2);
  const intervals = community.body.intervals as Interval[];
  expect(intervals).toHaveLength(86_400 / community.body.intervalSeconds);
  const [ia, ib] = [fa.body.intervals as Interval[], fb.body.intervals as Interval[]];
  intervals.forEach((i, k) => {
    expect(i.intervalStart).toBe(ia[k].intervalStart);
    expect(i.pvWh).toBe(ia[k].pvWh + ib[k].pvWh);
    expect(i.loadWh).toBe(ia[k].loadWh + ib[k].loadWh);
  });
  expect(community.body.totals.loadWh).toBe(fa.body.totals.loadWh + fb.body.totals.loadWh);
  // The bigger array produces more over the day; the day has some sun.
  expect(fb.body.totals.pvWh).toBeGreaterThan(fa.body.totals.pvWh);
  // The regulator's peer holds the readings without import (private data): the same PV, the load from H25 alone.
  expect((regulator.body.intervals as Interval[]).map((i) => i.pvWh)).toEqual(intervals.map((i) => i.pvWh));
  expect(regulator.body.totals.loadWh).toBeGreaterThan(0);
  expect(regulator.body).not.toHaveProperty('meterId');
});
