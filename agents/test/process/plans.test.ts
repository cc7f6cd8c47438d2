import fc from 'fast-check';
import { formatInstant } from '@gridledger/core';
import { homePosition, parseConfig, planTopic, readPlan, type MeterPlan } from '../../src/process/index.js';

const NOW = 1_796_000_400;
const AGE = 3600;
const I1 = formatInstant(NOW + 900);
const I2 = formatInstant(NOW + 1800);
const message = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    meterId: 'h1.main',
    issuedAt: formatInstant(NOW - 10),
    intervals: [
      { intervalStart: I1, netWh: 1200, batteryWh: 300 },
      { intervalStart: I2, netWh: -400 },
    ],
    ...fields,
  });
const read = (payload: string, current?: MeterPlan) => readPlan('h1.main', payload, NOW, current, AGE);
const accepted = (payload: string) => {
  const v = read(payload);
  if (!v.ok) throw new Error(`refused: ${v.reason} ${v.detail}`);
  return v.plan;
};

describe('plans over MQTT', () => {
  it("names the meter's plan topic in the architecture's scheme", () => {
    expect(planTopic('c-1', 'h1.main')).toBe('gridledger/v1/c-1/meters/h1.main/plan');
  });

  it('takes a plan of the documented form, batteryWh 0 when left out', () => {
    const plan = accepted(message());
    expect(plan.issuedAt).toBe(NOW - 10);
    expect([...plan.positions]).toEqual([
      [I1, { netWh: 1200, batteryWh: 300 }],
      [I2, { netWh: -400, batteryWh: 0 }],
    ]);
  });

  it.each([
    ['not JSON', '{"meterId":', 'malformed'],
    ['a list', '[]', 'malformed'],
    ['another meter', message({ meterId: 'h2.main' }), 'meter-mismatch'],
    ['no issuedAt', message({ issuedAt: undefined }), 'malformed'],
    ['an issuedAt with milliseconds', message({ issuedAt: '2026-12-06T20:14:05.120Z' }), 'malformed'],
    ['no intervals', message({ intervals: 'all' }), 'malformed'],
    ['fractional Wh', message({ intervals: [{ intervalStart: I1, netWh: 1.5 }] }), 'malformed'],
    ['negative battery', message({ intervals: [{ intervalStart: I1, netWh: 1, batteryWh: -1 }] }), 'malformed'],
    ['a bad interval start', message({ intervals: [{ intervalStart: 'soon', netWh: 1 }] }), 'malformed'],
    [
      'an interval twice',
      message({
        intervals: [
          { intervalStart: I1, netWh: 1 },
          { intervalStart: I1, netWh: 2 },
        ],
      }),
      'malformed',
    ],
    [
      'too many intervals',
      message({ intervals: Array.from({ length: 193 }, (_, k) => ({ intervalStart: formatInstant(k * 900), netWh: 1 })) }),
      'malformed',
    ],
    ['too large', message({ pad: 'x'.repeat(70_000) }), 'malformed'],
    ['made over an hour ago', message({ issuedAt: formatInstant(NOW - AGE - 1) }), 'stale'],
    ['made ahead of this clock', message({ issuedAt: formatInstant(NOW + 61) }), 'future'],
  ])('refuses %s', (_what, payload, reason) => {
    const v = read(payload);
    expect(v.ok ? 'accepted' : v.reason).toBe(reason);
  });

  it('takes only a plan newer than the one held: a replay or an older plan arriving late is refused', () => {
    const held = accepted(message());
    expect(read(message(), held)).toMatchObject({ ok: false, reason: 'not-newer' });
    expect(read(message({ issuedAt: formatInstant(NOW - 20) }), held)).toMatchObject({ ok: false, reason: 'not-newer' });
    expect(read(message({ issuedAt: formatInstant(NOW - 5) }), held)).toMatchObject({ ok: true });
  });

  it("adds a home's meters' plans up for the interval; a home whose plans lack it has no position", () => {
    const main = accepted(message());
    const pv = { ...accepted(message()), meterId: 'h1.pv', positions: new Map([[I1, { netWh: 800, batteryWh: 0 }]]) };
    expect(homePosition([main, pv], I1)).toEqual({ netWh: 2000, batteryWh: 300 });
    expect(homePosition([main, pv], I2)).toEqual({ netWh: -400, batteryWh: 0 });
    expect(homePosition([main, pv], formatInstant(NOW + 2700))).toBeUndefined();
    expect(homePosition([], I1)).toBeUndefined();
  });

  it('never throws on any input, and takes what it takes with integer positions only', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (payload) => {
          const v = read(payload);
          if (v.ok) for (const p of v.plan.positions.values()) expect(Number.isSafeInteger(p.netWh) && p.batteryWh >= 0).toBe(true);
        },
      ),
    );
  });

  it('the configuration: plans over MQTT without a positions file, an age limit within its range', () => {
    const home = { participantId: 'h1', meterIds: ['h1.main'], apiKey: 'k', agentKeyPem: 'pem' };
    const c = parseConfig({ communityId: 'c-1', gatewayUrl: 'http://127.0.0.1:8081', homes: [home] });
    expect(c.positionsFile).toBeUndefined();
    expect(c.planMaxAgeSeconds).toBe(3600);
    expect(() => parseConfig({ communityId: 'c-1', gatewayUrl: 'http://x', homes: [home], planMaxAgeSeconds: 10 })).toThrow(
      /planMaxAgeSeconds/,
    );
  });
});
