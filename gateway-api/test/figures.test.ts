import { catalogue } from '@gridledger/core/catalogue';
import { Harness, startHarness } from './support/fakes';

const { contracts, figures } = catalogue;

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe('figure routes', () => {
  it("reads an interval's and a period's figures for any caller, passing the range on; from and to are required instants", async () => {
    h.ledger.evaluateHandler = (fn, args) => ({ fn, args });
    const one = await h.fetch('/api/v1/markets/sunny/intervals/2026-11-23T10:00:00Z/figures', { key: h.key.alice });
    expect(await one.json()).toEqual({ fn: figures.getIntervalFigures.fn, args: ['sunny', '2026-11-23T10:00:00Z'] });
    const period = await h.fetch('/api/v1/markets/sunny/figures?from=2026-11-23T10:00:00Z&to=2026-11-23T12:00:00Z', {
      key: h.key.operator,
    });
    const fn = figures.getPeriodFigures.fn;
    expect(await period.json()).toEqual({ fn, args: ['sunny', '2026-11-23T10:00:00Z', '2026-11-23T12:00:00Z'] });
    const before = h.ledger.calls.length;
    expect((await h.fetch('/api/v1/markets/sunny/figures?from=2026-11-23T10:00:00Z', { key: h.key.alice })).status).toBe(400);
    expect((await h.fetch('/api/v1/markets/sunny/figures?from=yesterday&to=2026-11-23T12:00:00Z', { key: h.key.alice })).status).toBe(400);
    expect(h.ledger.calls.length).toBe(before);
  });

  it('lets only the operator correct a contract settlement', async () => {
    h.ledger.submitHandler = () => ({ participant: { participantId: 'alice' } });
    const path = '/api/v1/markets/sunny/intervals/2026-11-23T10:00:00Z/contract-settlement/corrections/alice';
    expect((await h.fetch(path, { method: 'POST', key: h.key.alice })).status).toBe(403);
    expect((await h.fetch(path, { method: 'POST', key: h.key.operator })).status).toBe(200);
    const fn = contracts.correctContractSettlement.fn;
    expect(h.ledger.calls.at(-1)).toMatchObject({ kind: 'submit', fn, args: ['sunny', '2026-11-23T10:00:00Z', 'alice'] });
  });
});
