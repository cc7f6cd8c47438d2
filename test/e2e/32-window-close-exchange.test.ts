/**
 * Window close on the real network counts a meter that was registered after the interval, reported
 * before it and was exchanged since (issue 29, item 6): no gap spans an exchange, and the close
 * must still estimate the meter, so that its household's position is not taken as verified (and
 * tokenised) without it.
 *
 * Its intervals lie about 47 h back, inside the 48 h late window and apart from those the other
 * files close (30-metering: 175 and 174 intervals back; 31-metering-day: 171 to 76).
 */
import { generateKeyPairSync } from 'node:crypto';
import { formatInstant, parseInstant, Reading } from '@gridledger/core/core';
import { ledgerClient } from '@gridledger/network';
import { type JsonAnswer, api, closeWindow, newProsumerWithMeter, operatorKey, pastInterval, profile, signReading } from './support';

const LAST_ENDED = parseInstant(pastInterval(0))!;
const past = (back: number): string => formatInstant(LAST_ENDED - back * 900);
const enc = encodeURIComponent;

async function ok<T = JsonAnswer>(p: Promise<{ status: number; body: T }>, status = 200): Promise<T> {
  const res = await p;
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function submit(readings: unknown[]): Promise<string[]> {
  const body = await ok(api('community', operatorKey(), 'POST', '/readings', { readings }));
  const results = body.results as { index: number; status: string; code?: string }[];
  return results.sort((a, b) => a.index - b.index).map((r) => r.code ?? r.status);
}

it('a meter registered after the interval, reporting before it and exchanged since, is estimated at its close', async () => {
  const X = 188;
  const household = await newProsumerWithMeter();
  // A second meter of the household, registered now (long after interval X ended).
  const heat = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const heatId = `${household.participantId}.heat`;
  const spki = (k: typeof heat) => k.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const meter = { meterId: heatId, participantId: household.participantId, kind: 'consumption', exportCapacityW: 0 };
  const registration = { ...meter, publicKeyPem: spki(heat), communityId: profile().mqtt.communityId };
  await ok(api('community', household.apiKey, 'POST', '/meters', registration), 201);
  const pem = (k: typeof heat) => k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  /** A meter's first reading (of its epoch), `back` intervals ago: [import, export] and [import register, export register]. */
  const reading = (meterId: string, back: number, values: number[], registers: number[]): Reading => {
    const [importWh, exportWh] = values;
    const [importRegisterWh, exportRegisterWh] = registers;
    return { meterId, intervalStart: past(back), seq: 1, importWh, exportWh, importRegisterWh, exportRegisterWh };
  };
  // A verified surplus of 900 Wh on the main meter in X, and the heat meter's reading of the interval before.
  const main = signReading(reading(household.meterId, X, [0, 900], [1000, 10_900]), household.privateKeyPem);
  const heatBefore = signReading(reading(heatId, X + 1, [300, 0], [5300, 0]), pem(heat));
  expect(await submit([main, heatBefore])).toEqual(['accepted', 'accepted']);

  // The heat meter is exchanged from two intervals after X; the new device reports from then on.
  const fresh = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const exchange = { effectiveFrom: past(X - 2), publicKeyPem: spki(fresh), firstSeq: 1, importRegisterWh: 0, exportRegisterWh: 0 };
  await ok(api('community', operatorKey(), 'POST', `/meters/${heatId}/exchanges`, exchange), 201);
  expect(await submit([signReading(reading(heatId, X - 2, [200, 0], [200, 0]), pem(fresh))])).toEqual(['accepted']);
  // No gap spans the exchange: nothing but the rule of which meters count brings the heat meter into X's close.
  const operator = ledgerClient(profile(), 'community', profile().orgs.community.users['community-operator']);
  try {
    expect(JSON.parse(await operator.evaluate('metering:listGaps', heatId))).toEqual([]);
  } finally {
    operator.close();
  }

  const closed = await ok(closeWindow(past(X)));
  expect(closed.window).toMatchObject({ intervalStart: past(X) });
  const positions = closed.positions as { participantId: string; estimated: boolean; tokensWh: number }[];
  expect(positions.find((p) => p.participantId === household.participantId)).toMatchObject({ estimated: true, tokensWh: 0 });
  const estimate = await ok(api('community', operatorKey(), 'GET', `/meters/${heatId}/estimates/${enc(past(X))}`));
  expect(estimate).toMatchObject({ meterId: heatId, importWh: 0, exportWh: 0, rule: 'zero' });
  // The household's position is not verified without its heat meter: no tokens for the main meter's surplus.
  const participant = `/participants/${household.participantId}`;
  const position = await ok(api('community', household.apiKey, 'GET', `${participant}/positions/${enc(past(X))}`));
  expect(position).toMatchObject({ estimated: true, tokens: [], productionWh: 900 });
  const meters = (position.meters as { meterId: string; estimated: boolean }[]).map((m) => [m.meterId, m.estimated]);
  expect(meters.sort()).toEqual(
    [
      [heatId, true],
      [household.meterId, false],
    ].sort(),
  );
  expect((await ok(api('community', household.apiKey, 'GET', `${participant}/tokens`))).balanceWh).toBe(0);
});
