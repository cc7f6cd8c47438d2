/** How the portal words a household's dispatch. */
import { askedText, deliveryNow, durationText, statusText } from '../src/dispatches';

const kw = (w: number) => `${w / 1000} kW`;

it('words the direction of a setpoint, its status and its duration', () => {
  expect(askedText(2_000, kw)).toBe('2 kW more export');
  expect(askedText(-1_500, kw)).toBe('1.5 kW more import');
  expect(askedText(0, kw)).toBe('no change');
  expect(statusText('non-responsive')).toBe('no answer (sent to another resource)');
  expect(statusText('settled')).toBe('delivered and paid');
  expect(statusText('lost')).toBe('lost');
  expect([durationText(900), durationText(90), durationText(20)]).toEqual(['15 min', '1 min 30 s', '20 s']);
});

it('shows what a settlement comes to once late readings re-settled it', () => {
  const paid = { deliveredWh: 11, paymentMicros: 1_100_000 };
  expect(deliveryNow({ ...paid, source: 'readings' })).toEqual({ ...paid, note: null });
  expect(deliveryNow({ ...paid, source: 'telemetry' })).toEqual({ ...paid, note: 'from telemetry; awaiting the meter’s readings' });
  const capped = { outcome: 'capped', deliveredWh: 2, paymentMicros: 200_000, clawbackMicros: 900_000 };
  expect(deliveryNow({ ...paid, source: 'telemetry', resettlement: capped })).toEqual({
    deliveredWh: 2,
    paymentMicros: 200_000,
    note: 'corrected by the meter’s readings',
  });
  const confirmed = { ...paid, outcome: 'confirmed', clawbackMicros: 0 };
  expect(deliveryNow({ ...paid, source: 'telemetry', resettlement: confirmed })).toEqual({ ...paid, note: null });
  const none = { ...paid, outcome: 'no-readings', clawbackMicros: 0 };
  expect(deliveryNow({ ...paid, source: 'telemetry', resettlement: none }).note).toBe('from telemetry; the meter’s readings never came');
});
