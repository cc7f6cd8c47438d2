import { deviationTotals } from '../src/deviations';
import { intervalsAround, stageOf } from '../src/lifecycle';
import { formatKw, formatPpm } from '../src/units';

describe('the interval lifecycle', () => {
  it('counts the stages reached and names the step under way', () => {
    expect(stageOf('not-open')).toEqual({ reached: 0 });
    expect(stageOf('open').reached).toBe(1);
    expect(stageOf('clearing')).toEqual({ reached: 2, underway: 'clearing' });
    expect(stageOf('cleared').reached).toBe(3);
    expect(stageOf('settled').reached).toBe(4);
  });

  it('lists the intervals that ended last and those from the current one, on the grid', () => {
    const now = Date.parse('2026-12-06T10:07:30Z') / 1000;
    expect(intervalsAround(900, 2, 2, now)).toEqual([
      '2026-12-06T09:30:00Z',
      '2026-12-06T09:45:00Z',
      '2026-12-06T10:00:00Z',
      '2026-12-06T10:15:00Z',
    ]);
  });
});

describe('deviations of a settlement', () => {
  it('sums what the utility supplied and took, exactly', () => {
    const p = { side: 'buy' as const, tradedWh: 0, netWh: 0, netMicros: 0, estimated: false };
    const totals = deviationTotals([
      { ...p, participantId: 'a', deviationWh: -1_250 },
      { ...p, participantId: 'b', deviationWh: 700, estimated: true },
      { ...p, participantId: 'c', deviationWh: -1 },
      { ...p, participantId: 'd', deviationWh: 0 },
    ]);
    expect(totals).toEqual({ suppliedWh: 1_251, takenWh: 700, estimated: 1, participants: 4 });
  });
});

describe('ratios and power', () => {
  it('shows ppm as a percentage and W as kW without losing a digit', () => {
    expect(formatPpm(123_456, 'en-US')).toBe('12.3456 %');
    expect(formatPpm(1_000_000, 'de-DE')).toBe('100 %');
    expect(formatPpm(null)).toBe('—');
    expect(formatKw(1_500, 'en-US')).toBe('1.500 kW');
    expect(formatKw(-1_234_567, 'de-DE')).toBe('-1.234,567 kW');
  });
});
