import { validateMandate } from '@gridledger/core';
import { join } from 'node:path';
import { mandateOf, positionsOf } from '../src/agents';
import { loadScenario } from '../src/scenario';

describe("the homes' agents", () => {
  it("the owner's mandate keeps the agent within its own tariff: sells at feed-in or more, buys at its dearest import or less", () => {
    // The shipped tariffs: flat 0.32 / 0.08, time of use 0.26 (0.42 at peak) / 0.07.
    const [flat, tou] = loadScenario(join(__dirname, '..', 'scenarios', 'june-sunny.json')).homeTariffs;
    const id = '12D3KooWLRPJAA5o6Z6awZ8eyQRESwSX4RBUYWV1ZQr6gxjJXkVz';
    expect(mandateOf(flat, id)).toMatchObject({
      minSellPriceMicrosPerKwh: 80_000,
      maxBuyPriceMicrosPerKwh: 320_000,
      automation: true,
      agentId: id,
    });
    expect(mandateOf(tou, id)).toMatchObject({ minSellPriceMicrosPerKwh: 70_000, maxBuyPriceMicrosPerKwh: 420_000 });
    // The ledger's own check of a mandate takes it as it is.
    expect(validateMandate({ ...mandateOf(tou, id) })).toEqual(mandateOf(tou, id));
  });

  it('the positions file names each home and interval start with its expected net', () => {
    const starts = [Date.parse('2026-12-06T10:00:00Z') / 1000, Date.parse('2026-12-06T10:01:00Z') / 1000];
    expect(
      positionsOf(
        [
          { participantId: 'a', netWh: [1200, -30] },
          { participantId: 'b', netWh: [0, -700] },
        ],
        starts,
      ),
    ).toEqual({
      a: { '2026-12-06T10:00:00Z': { netWh: 1200 }, '2026-12-06T10:01:00Z': { netWh: -30 } },
      b: { '2026-12-06T10:00:00Z': { netWh: 0 }, '2026-12-06T10:01:00Z': { netWh: -700 } },
    });
  });
});
