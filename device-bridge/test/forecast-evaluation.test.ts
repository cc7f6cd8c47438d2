import { DEFAULT_METHODS, METHODS } from '@gridledger/core/forecast';
import { evaluateOnSimulatedHomes } from '../src/simulator/forecast-evaluation';

// The forecasts judged on the simulator's homes (held-out days): the default method of each quantity is the better
// one, and it beats the persistence baseline. A short run (docs/forecasts.md has the full one).
test('the default forecast methods have the lowest MAE on held-out days and beat persistence', () => {
  const scores = evaluateOnSimulatedHomes(1, Date.parse('2025-05-05T00:00:00Z') / 1000, 9, 7);
  for (const quantity of ['pv', 'load'] as const) {
    for (const horizon of ['next', 'day'] as const) {
      const s = scores[quantity][horizon];
      expect(s.persistence.intervals).toBe(2 * 96);
      for (const method of METHODS) expect(s[DEFAULT_METHODS[quantity]].maeWh).toBeLessThanOrEqual(s[method].maeWh);
      expect(s[DEFAULT_METHODS[quantity]].maeWh).toBeLessThan(s.persistence.maeWh);
      expect(s.persistence.maeWh).toBeGreaterThan(0);
    }
  }
}, 120_000);
