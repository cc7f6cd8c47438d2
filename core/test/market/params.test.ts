import { ErrorCodes } from '../../src/core';
import { DEFAULT_MARKET_PARAMS, mergeMarketParams } from '../../src/market';
import { MIN_INTERVAL_SECONDS } from '../../src/metering';
import { codeOf } from '../support';

const merged = (change: Record<string, unknown>) => mergeMarketParams(undefined, 'sunny-hill', change);
const bad = (change: Record<string, unknown>) => codeOf(() => merged(change));

describe('market parameters: the interval length', () => {
  it("takes the default quarter hour and a minute, the demo market's", () => {
    expect(merged({}).intervalSeconds).toBe(DEFAULT_MARKET_PARAMS.intervalSeconds);
    expect(merged({ intervalSeconds: 60, gateClosureSeconds: 10, openingHorizonSeconds: 3600 }).intervalSeconds).toBe(60);
  });

  it('takes intervals down to MIN_INTERVAL_SECONDS for accelerated runs, with a gate of their own', () => {
    const short = merged({ intervalSeconds: MIN_INTERVAL_SECONDS, gateClosureSeconds: 10, openingHorizonSeconds: 3600 });
    expect(short).toMatchObject({ communityId: 'sunny-hill', intervalSeconds: 20, gateClosureSeconds: 10 });
    expect(bad({ intervalSeconds: 30 })).toBeUndefined();
  });

  it('refuses shorter intervals and lengths that do not divide a day, naming the field', () => {
    for (const intervalSeconds of [MIN_INTERVAL_SECONDS - 1, 15, 10, 0, 70, 7 * 60]) {
      let details: unknown;
      try {
        merged({ intervalSeconds });
      } catch (e) {
        details = (e as { code: string; details: unknown }).details;
        expect((e as { code: string }).code).toBe(ErrorCodes.MARKET_PARAMS_INVALID);
      }
      expect([intervalSeconds, details]).toEqual([intervalSeconds, { field: 'intervalSeconds' }]);
    }
  });
});
