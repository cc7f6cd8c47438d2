/** How the portal words a household's dispatch. */
import { askedText, durationText, statusText } from '../src/dispatches';

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
