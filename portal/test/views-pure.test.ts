/** The pure parts of the history, P2P mandate and flexibility views. */
import type { LedgerEvent } from '../src/api/events';
import { flexStage, knownEventIds, whOf } from '../src/flex';
import { localDay, periodRange, readRanges, sumPerInterval, totalsOf } from '../src/history';
import { formOf, mandateOf, OPEN_MANDATE } from '../src/mandate';

describe('history periods', () => {
  it("is the user's local day or week, 23 hours on the day the clocks go forward", () => {
    const at = (instant: string) => Date.parse(instant) / 1000;
    const berlin = 'Europe/Berlin';
    expect(periodRange('day', '2026-12-06', berlin)).toEqual({ from: at('2026-12-05T23:00:00Z'), to: at('2026-12-06T23:00:00Z') });
    expect(periodRange('day', '2026-03-29', berlin)).toEqual({ from: at('2026-03-28T23:00:00Z'), to: at('2026-03-29T22:00:00Z') });
    expect(periodRange('day', '2026-10-25', berlin)).toEqual({ from: at('2026-10-24T22:00:00Z'), to: at('2026-10-25T23:00:00Z') });
    const week = periodRange('week', '2026-03-23', berlin);
    expect(week.to - week.from).toBe(7 * 86_400 - 3600);
    expect(periodRange('week', '2026-12-28', 'UTC')).toEqual({ from: at('2026-12-28T00:00:00Z'), to: at('2027-01-04T00:00:00Z') });
    expect(localDay(at('2026-12-06T23:30:00Z'), berlin)).toBe('2026-12-07');
    expect(periodRange('day', '2026-12-06', 'America/New_York').from).toBe(at('2026-12-06T05:00:00Z'));
    expect(localDay(at('2026-12-07T03:00:00Z'), 'America/New_York')).toBe('2026-12-06');
    expect(() => periodRange('day', '6.12.2026')).toThrow(RangeError);
  });

  it('reads a period in ranges of at most 1000 intervals from the interval grid', () => {
    // A week of 60 s intervals: 10,080 intervals (and the one the period starts inside) in 11 ranges, each following the last.
    const week = readRanges(1000, 1000 + 7 * 86_400, 60);
    expect(week).toHaveLength(11);
    expect(week[0]).toEqual([960, 60_960]);
    expect(week[10]).toEqual([600_960, 605_800]);
    for (let k = 1; k < week.length; k++) expect(week[k][0]).toBe(week[k - 1][1]);
    expect(week.every(([a, b]) => (b - a) / 60 <= 1000 && a % 60 === 0)).toBe(true);
    expect(readRanges(0, 86_400, 900)).toEqual([[0, 86_400]]);
    expect(readRanges(0, 0, 900)).toEqual([]);
  });

  it('sums the meters per interval in order, and totals production, consumption and net exactly', () => {
    const sums = sumPerInterval([
      { intervalStart: '2026-12-06T10:15:00Z', exportWh: 5, importWh: 1 },
      { intervalStart: '2026-12-06T10:00:00Z', exportWh: 1_000_001 },
      { intervalStart: '2026-12-06T10:15:00Z', exportWh: 2, importWh: 3_000_000 },
    ]);
    expect([...sums]).toEqual([
      ['2026-12-06T10:00:00Z', { importWh: 0, exportWh: 1_000_001 }],
      ['2026-12-06T10:15:00Z', { importWh: 3_000_001, exportWh: 7 }],
    ]);
    expect(totalsOf(sums)).toEqual({ productionWh: 1_000_008, consumptionWh: 3_000_001, netWh: -1_999_993 });
  });
});

describe('the mandate form', () => {
  it('turns typed limits into the integers the API takes, empty meaning no limit', () => {
    const form = { ...formOf(OPEN_MANDATE), minSell: '0,12', maxEnergy: '2.5', reserve: '', sources: ['wind' as const, 'solar' as const] };
    expect(mandateOf(form)).toEqual({
      mandate: {
        minSellPriceMicrosPerKwh: 120_000,
        maxBuyPriceMicrosPerKwh: null,
        maxEnergyWhPerInterval: 2_500,
        batteryReserveWh: 0,
        preferredSources: ['solar', 'wind'],
        locality: 'community',
        automation: false,
      },
    });
  });

  it('names the first field that would lose a digit or is not a number', () => {
    const form = formOf(OPEN_MANDATE);
    expect(mandateOf({ ...form, minSell: '0.1234567' })).toEqual({ invalid: 'minSell' });
    expect(mandateOf({ ...form, maxBuy: 'cheap' })).toEqual({ invalid: 'maxBuy' });
    expect(mandateOf({ ...form, maxEnergy: '1.0001' })).toEqual({ invalid: 'maxEnergy' });
    expect(mandateOf({ ...form, reserve: '-1' })).toEqual({ invalid: 'reserve' });
  });

  it('shows a stored mandate as the text it was typed from', () => {
    const stored = {
      ...OPEN_MANDATE,
      maxBuyPriceMicrosPerKwh: 250_001,
      batteryReserveWh: 1_500,
      locality: 'zone' as const,
      automation: true,
    };
    const form = formOf(stored);
    expect(form).toMatchObject({ minSell: '', maxBuy: '0.250001', maxEnergy: '', reserve: '1.500', locality: 'zone', automation: true });
    expect(mandateOf(form)).toEqual({ mandate: stored });
  });
});

describe('demand-response events', () => {
  const e = { optInDeadline: '2026-12-06T10:00:00Z', start: '2026-12-06T10:15:00Z', end: '2026-12-06T10:45:00Z' };
  const at = (instant: string) => Date.parse(instant) / 1000;
  it('passes through its stages by the clock, settled last', () => {
    expect(flexStage(e, at('2026-12-06T09:59:59Z'), false)).toBe('opt-in open');
    expect(flexStage(e, at('2026-12-06T10:00:00Z'), false)).toBe('waiting to start');
    expect(flexStage(e, at('2026-12-06T10:15:00Z'), false)).toBe('under way');
    expect(flexStage(e, at('2026-12-06T10:45:00Z'), false)).toBe('ended');
    expect(flexStage(e, at('2026-12-06T10:45:00Z'), true)).toBe('settled');
  });

  it('knows the events the stream called, newest first, then those remembered, each once', () => {
    const called = (eventId: string): LedgerEvent => ({ name: 'FlexEventCalled', blockNumber: 1, txId: eventId, payload: { eventId } });
    const other: LedgerEvent = { name: 'FlexOptInChanged', blockNumber: 2, txId: 'x', payload: { eventId: 'ev-9' } };
    expect(knownEventIds(['ev-1', 'ev-2'], [called('ev-2'), other, called('ev-3')])).toEqual(['ev-3', 'ev-2', 'ev-1']);
    expect(knownEventIds(['a', 'b', 'c'], [], 2)).toEqual(['a', 'b']);
  });

  it("gives an interval's target in Wh rounded down", () => {
    expect(whOf(12_000, 900)).toBe(3_000);
    expect(whOf(1_001, 60)).toBe(16);
  });
});
