/** The simulated battery's or EV's physics: its state of charge moves with the setpoints it follows, within its bounds. */
import { deviceStateAt, responseOf } from '../src/dispatch/device';
import { devicesOf, nextDepartureAt } from '../src/simulator/devices';

const T = 1_000_000;

describe('a simulated device’s state of charge', () => {
  it('moves by what the followed setpoints deliver: 3,600 W for 600 s takes 600 Wh, −1,800 W for 1,200 s adds 600 Wh', () => {
    const followed = [
      { powerW: 3_600, fromSeconds: T, toSeconds: T + 600 },
      { powerW: -1_800, fromSeconds: T + 1_000, toSeconds: T + 2_200 },
    ];
    expect(deviceStateAt(6_000, 10_000, followed, T - 1)).toEqual({ socWh: 6_000, powerW: 0 });
    expect(deviceStateAt(6_000, 10_000, followed, T + 300)).toEqual({ socWh: 5_700, powerW: 3_600 });
    expect(deviceStateAt(6_000, 10_000, followed, T + 600)).toEqual({ socWh: 5_400, powerW: 0 });
    expect(deviceStateAt(6_000, 10_000, followed, T + 1_600)).toEqual({ socWh: 5_700, powerW: -1_800 });
    expect(deviceStateAt(6_000, 10_000, followed, T + 5_000)).toEqual({ socWh: 6_000, powerW: 0 });
  });

  it('stops discharging when empty and charging when full', () => {
    // 100 Wh left at 3,600 W: empty after 100 s, nothing given from then on.
    const out = [{ powerW: 3_600, fromSeconds: T, toSeconds: T + 600 }];
    expect(deviceStateAt(100, 10_000, out, T + 99)).toEqual({ socWh: 1, powerW: 3_600 });
    expect(deviceStateAt(100, 10_000, out, T + 100)).toEqual({ socWh: 0, powerW: 0 });
    expect(deviceStateAt(100, 10_000, out, T + 500)).toEqual({ socWh: 0, powerW: 0 });
    // 50 Wh of room at −1,800 W: full after 100 s.
    const into = [{ powerW: -1_800, fromSeconds: T, toSeconds: T + 600 }];
    expect(deviceStateAt(9_950, 10_000, into, T + 50)).toEqual({ socWh: 9_975, powerW: -1_800 });
    expect(deviceStateAt(9_950, 10_000, into, T + 300)).toEqual({ socWh: 10_000, powerW: 0 });
  });

  it('answers as its behaviour says: at once, late, refusing, or not at all', () => {
    expect(responseOf('obey', 3_000)).toEqual({ status: 'accepted', delayMs: 0 });
    expect(responseOf('lag', 3_000)).toEqual({ status: 'accepted', delayMs: 3_000 });
    expect(responseOf('refuse', 3_000)).toEqual({ status: 'refused', delayMs: 0 });
    expect(responseOf('fail', 3_000)).toBeUndefined();
  });
});

describe('the simulator’s devices', () => {
  const home = (k: number) => ({ homeId: `h${k}`, meterId: `h${k}.main`, annualKwh: 3_000, pvCapacityW: 0, pvShading: 1 });

  it('gives every home a battery and every third an EV charger leaving at the next 07:00 UTC at least an hour ahead', () => {
    const at = Date.parse('2026-12-06T05:30:00Z') / 1000;
    expect([0, 1, 2, 3, 4, 5].map((k) => devicesOf(home(k), k, at).map((d) => d.resourceId))).toEqual([
      ['h0.bat'],
      ['h1.bat'],
      ['h2.bat', 'h2.ev'],
      ['h3.bat'],
      ['h4.bat'],
      ['h5.bat', 'h5.ev'],
    ]);
    expect(devicesOf(home(2), 2, at)[1]).toMatchObject({ kind: 'ev', departureAt: '2026-12-06T07:00:00Z', targetWh: 48_000 });
    expect(nextDepartureAt(Date.parse('2026-12-06T06:00:01Z') / 1000)).toBe('2026-12-07T07:00:00Z');
    expect(nextDepartureAt(Date.parse('2026-12-06T06:00:00Z') / 1000)).toBe('2026-12-06T07:00:00Z');
  });
});
